"""To-do sources of the governance app (DESIGN.md principle 9): tips waiting for their
county's designated handlers (to verify, to transfer, to conclude with the feedback)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..web.todo import TodoItem, TodoSource, register
from .tips import rules as tip_rules
from .tips import selectors as tip_selectors

NEXT_STEP = {"collected": _lazy("待核实"), "verified": _lazy("待移交或办结"), "transferred": _lazy("待收到反馈后办结")}


def _tip_items(user, limit: int) -> list[TodoItem]:
    return [TodoItem(title=t.number, url=reverse("governance:tip_detail", args=[t.pk]), region=t.region_id,
                     detail=f"{_(tip_rules.CATEGORIES[t.category])} · {NEXT_STEP[t.state]}")
            for t in tip_selectors.waiting_for(user)[:limit]]


register(TodoSource(
    code="tips", label=_lazy("待办理的线索"), icon="bi-shield-lock", order=70,
    # designations are records, not a role: the role says who may be one
    applies=lambda user: user.is_authenticated and user.role == tip_rules.HANDLER_ROLE,
    count=lambda user: tip_selectors.waiting_for(user).count(),
    items=_tip_items, url="governance:tip_list",
))
