"""To-do sources of 一表通 (orders 130–139): a unit's forms waiting to be filled (for
``fill_report_forms``), and the tasks with units past the deadline (for
``issue_report_tasks``)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jiayuan.accounts.permissions import Perm
from jiayuan.web.todo import TodoItem, TodoSource, register

from . import selectors


def _waiting(user, limit: int) -> list[TodoItem]:
    today = timezone.localdate()
    return [TodoItem(title=s.task.form.title, url=reverse("stats:report_fill_detail", args=[s.pk]),
                     due=s.task.deadline, overdue=s.task.deadline < today, region=s.unit_id,
                     detail=_("%(region)s下发 · 统计期 %(period)s") % {"region": s.task.region.name, "period": s.task.period})
            for s in selectors.waiting_submissions(user)[:limit]]


def _overdue(user, limit: int) -> list[TodoItem]:
    out = []
    for t in selectors.overdue_tasks(user)[:limit]:
        out.append(TodoItem(title=t.form.title, url=reverse("stats:report_task_detail", args=[t.pk]), due=t.deadline,
                            overdue=True, region=t.region_id,
                            detail=_("统计期 %(period)s · %(n)s 个单位未报送") % {"period": t.period,
                                                                            "n": t.late}))
    return out


register(TodoSource(
    code="report_forms_waiting", label=_lazy("待填报的报表"), icon="bi-table", order=130,
    applies=lambda user: user.can(Perm.FILL_REPORT_FORMS),
    count=lambda user: selectors.waiting_submissions(user).count(),
    items=_waiting, url="stats:report_fill_list",
))
register(TodoSource(
    code="report_tasks_overdue", label=_lazy("有单位逾期未报的填报任务"), icon="bi-alarm", order=131,
    applies=lambda user: user.can(Perm.ISSUE_REPORT_TASKS),
    count=lambda user: selectors.overdue_tasks(user).count(),
    items=_overdue, url="stats:report_task_list",
))
