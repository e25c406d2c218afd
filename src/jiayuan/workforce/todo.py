"""To-do sources of the workforce, for ``manage_workforce`` (the street and the county
that keep the workforce file): community workers with a grade step due, and social
workers whose continuing-education hours fall short of 72/90 with the period ending
within :data:`selectors.HOURS_NOTICE_DAYS` days."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from . import selectors


def _steps(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    out = []
    for w in selectors.grade_steps_due(user, today)[:limit]:
        s = selectors.grade_status(w, today)
        out.append(TodoItem(title=w.person.name, url=reverse("workforce:worker_detail", args=[w.pk]),
                            region=w.community_id, detail=_("%(community)s · %(post)s %(grade)s 级，应晋升 %(n)s 级")
                            % {"community": w.community.short_name, "post": w.get_post_display(), "grade": w.grade,
                               "n": s.steps_due}))
    return out


def _hours(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    return [TodoItem(title=w.person.name, url=reverse("workforce:social_worker_detail", args=[w.pk]), due=p.end,
                     overdue=p.end < today, region=w.region_id,
                     detail=_("%(level)s · 本周期已 %(hours)s 学时，还差 %(short)s 学时") % {
                         "level": w.get_level_display(), "hours": p.hours, "short": p.shortfall})
            for w, p in selectors.hours_shortfalls(user, today)[:limit]]


register(TodoSource(
    code="grade_steps_due", label=_lazy("应晋升等级的社区工作者"), icon="bi-arrow-up-circle", order=121,
    applies=lambda user: user.can(Perm.MANAGE_WORKFORCE),
    count=lambda user: selectors.grade_steps_due(user, timezone.localdate()).count(),
    items=_steps, url="workforce:worker_list",
))

register(TodoSource(
    code="education_hours_short", label=_lazy("继续教育学时不足的社会工作者"), icon="bi-hourglass-split", order=122,
    applies=lambda user: user.can(Perm.MANAGE_WORKFORCE),
    count=lambda user: len(selectors.hours_shortfalls(user, timezone.localdate())),
    items=_hours, url="workforce:social_worker_list",
))
