"""To-do source of the case engine: every case, of every case type, on whose page the
user is offered an action (待我办理, :func:`jiayuan.cases.selectors.actionable`)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from . import selectors
from .selectors import decl_of

CASES_ROOT = "/cases/"


def _count(user) -> int:
    return selectors.actionable(user).count()


def _items(user, limit: int) -> list[TodoItem]:
    now = timezone.now()
    rows = selectors.overdue_first(selectors.actionable(user))[:limit]
    out = []
    for case in rows:
        decl = decl_of(case.case_type_id)
        title = case.title or case.data.get("category_name") or decl.name
        out.append(TodoItem(
            title=f"{case.number} {_(title)}", url=f"{CASES_ROOT}{case.number}/",
            due=case.due_at if case.is_open else None,
            overdue=bool(case.is_open and case.due_at and case.due_at < now),
            region=case.region_id,
            detail=f"{_(decl.name)} · {_(decl.state(case.state).name)}",
        ))
    return out


CASES = register(TodoSource(
    code="cases", label=_lazy("待我办理的案件"), icon="bi-inbox", order=10,
    description=_lazy("网格事件、服务申请、救助申请等各类案件中，等待您办理的"),
    applies=lambda user: user.can(Perm.VIEW_CASES),
    count=_count, items=_items, url=lambda user: reverse("cases:queue") + "?tab=todo",
))
