"""To-do sources of elderly care: routine reassessments falling due (GB/T 42195-2022
assessments are repeated at an interval, a setting), shown to the assessors whose scope
holds the person — the person's community first of all
(:func:`.selectors.reassessments_due`)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from .selectors import eligible_without_entitlement, reassessments_due


def _items(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    out = []
    for a in reassessments_due(user, today)[:limit]:
        out.append(TodoItem(
            title=_("%(name)s 的能力评估到期") % {"name": a.person.name},
            url=reverse("eldercare:assessment_new") + f"?person={a.person_id}",
            due=a.next_due, overdue=a.next_due < today, region=a.person.region_id,
            detail=_("上次 %(date)s：%(level)s（总分 %(total)s）· %(place)s") % {
                "date": a.assessed_on.isoformat(), "level": a.get_level_display(), "total": a.total,
                "place": a.person.region.name}))
    return out


register(TodoSource(
    code="eldercare_reassessments", label=_lazy("待复评的老年人"), icon="bi-clipboard2-pulse", order=55,
    applies=lambda user: user.can(Perm.ASSESS_ELDERLY),
    count=lambda user: reassessments_due(user, timezone.localdate()).count(),
    items=_items,
    url=lambda user: reverse("eldercare:assessment_list") + "?due=on",
    description=_lazy("常规评估的日期已到或将在30天内到期"),
))



def _waiting(user, limit: int) -> list[TodoItem]:
    out = []
    for a in eligible_without_entitlement(user, timezone.localdate())[:limit]:
        out.append(TodoItem(
            title=_("%(name)s：%(level)s，尚未认定居家养老服务") % {"name": a.person.name, "level": a.get_level_display()},
            url=reverse("eldercare:entitlement_new") + f"?person={a.person_id}", due=None, region=a.person.region_id,
            detail=_("评估日期 %(date)s · %(place)s") % {"date": a.assessed_on.isoformat(), "place": a.person.region.name}))
    return out


register(TodoSource(
    code="eldercare_entitlements", label=_lazy("待认定居家养老服务的老人"), icon="bi-house-heart", order=56,
    applies=lambda user: user.can(Perm.MANAGE_ELDERCARE),
    count=lambda user: eligible_without_entitlement(user, timezone.localdate()).count(),
    items=_waiting,
    url="eldercare:entitlement_list",
    description=_lazy("经评估为失能或半失能、尚无居家养老服务待遇的老人"),
))
