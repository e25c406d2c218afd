"""To-do source of roster imports: the user's own imports that finished in the last
:data:`RECENT_DAYS` days with rows in error (or whose file was rejected, or that broke
off), to correct and import again. Scoped by :func:`.selectors.jobs_for`."""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from .models import ImportJob
from .selectors import jobs_for

RECENT_DAYS = 7


def imports_with_errors(user, now: datetime.datetime | None = None):
    """The user's import jobs in scope finished within :data:`RECENT_DAYS` days with at
    least one row in error, or rejected, or failed; newest first."""
    since = (now or timezone.now()) - datetime.timedelta(days=RECENT_DAYS)
    S = ImportJob.Status
    return (jobs_for(user).filter(created_by=user, finished_at__gte=since)
            .filter(Q(status=S.DONE, errors__gt=0) | Q(status__in=[S.REJECTED, S.FAILED]))
            .order_by("-finished_at", "-id"))


def _items(user, limit: int) -> list[TodoItem]:
    out = []
    for job in imports_with_errors(user)[:limit]:
        if job.status == ImportJob.Status.DONE:
            detail = _("%(n)s 行有错误") % {"n": job.errors}
        else:
            detail = job.get_status_display()
        out.append(TodoItem(title=job.file_name, url=reverse("web:import_job", args=[job.pk]),
                            region=job.region_id, detail=detail))
    return out


register(TodoSource(
    code="imports_errors", label=_lazy("有错误的导入"), icon="bi-file-earmark-x", order=70,
    applies=lambda user: user.can(Perm.EDIT_REGISTRY),
    count=lambda user: imports_with_errors(user).count(),
    items=_items, url="web:import_list",
))
