"""To-do source of the facilities module: urban communities whose work funds of this
year are under their county's standard, or not in the budget at all, where the county
set a standard for the year — for ``plan_funds`` (the county that sets the budget)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..assistance.rules import format_yuan
from ..web.todo import TodoItem, TodoSource, register
from .selectors import below_standard


def _items(user, limit: int) -> list[TodoItem]:
    year = timezone.localdate().year
    url = reverse("facilities:fund_budget")
    out = []
    for c in below_standard(user, year)[:limit]:
        detail = (_("%(year)s 年未列预算（标准下限 %(min)s 元）") % {"year": year, "min": format_yuan(c.minimum)}
                  if c.amount is None else
                  _("%(year)s 年预算 %(amount)s 元，低于标准下限 %(min)s 元")
                  % {"year": year, "amount": format_yuan(c.amount), "min": format_yuan(c.minimum)})
        out.append(TodoItem(title=c.short_name, url=f"{url}?{urlencode({'community': c.code, 'year': year})}",
                            region=c.code, detail=f"{c.parent.name if c.parent_id else ''} · {detail}"))
    return out


register(TodoSource(
    code="funds_below_standard", label=_lazy("低于经费标准的社区"), icon="bi-cash-coin", order=120,
    applies=lambda user: user.can(Perm.PLAN_FUNDS),
    count=lambda user: below_standard(user, timezone.localdate().year).count(),
    items=_items, url=lambda user: reverse("facilities:fund_summary"),
))
