"""Named guards and effects that declarations refer to.

A guard answers whether a transition (or a route of it) may be taken now; an effect
changes the case or its tasks as part of a transition, inside the transition's
transaction. Modules register their own with :func:`guard` / :func:`effect`::

    from jiayuan.cases.effects import guard

    @guard("community_completable")
    def _(ctx): return ServiceItem.objects.filter(code=ctx.case.category, community_completable=True).exists()

A guard returns True, or False / a Chinese message string saying why not.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

GUARDS: dict[str, Callable] = {}
EFFECTS: dict[str, Callable] = {}


@dataclass
class Context:
    """What a guard or effect sees: the case (locked, about to change), the acting user,
    the transition declaration, the cleaned field values, the time, and the actor's
    departments (ids)."""

    case: object
    user: object | None
    transition: object
    values: dict
    now: datetime
    departments: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)


def guard(name: str):
    def deco(fn):
        GUARDS[name] = fn
        return fn
    return deco


def effect(name: str):
    def deco(fn):
        EFFECTS[name] = fn
        return fn
    return deco


def check_guard(name: str, ctx: Context) -> str:
    """'' when the guard holds, else the reason (Chinese)."""
    fn = GUARDS.get(name)
    if fn is None:
        return _("系统配置错误：未知的条件 %(name)s") % {"name": name}
    result = fn(ctx)
    if result is True:
        return ""
    return result or _("当前条件不允许此操作")


def run_effect(name: str, ctx: Context) -> None:
    fn = EFFECTS.get(name)
    if fn is None:
        raise LookupError(f"未知的效果 {name}")
    fn(ctx)


# --- built-in effects: departments and their tasks -----------------------------------

def _tasks(ctx):
    from .models import CaseTask

    return CaseTask.objects.filter(case=ctx.case)


@effect("assign_department")
def assign_department(ctx: Context) -> None:
    """Dispatch to the department in field ``department``: cancel other pending tasks,
    open a pending (lead) task for it, and make it the case's department."""
    from .models import CaseTask

    dept = ctx.values["department"]
    _tasks(ctx).filter(status=CaseTask.Status.PENDING).update(status=CaseTask.Status.CANCELLED, done_at=ctx.now)
    CaseTask.objects.create(case=ctx.case, department=dept, is_lead=True, assigned_at=ctx.now)
    ctx.case.department = dept
    ctx.notes["department"] = dept


@effect("assign_departments")
def assign_departments(ctx: Context) -> None:
    """协同办理: a pending task for each department in field ``departments`` (the first
    one leads); the case's department is the lead."""
    from .models import CaseTask

    depts = ctx.values["departments"]
    _tasks(ctx).filter(status=CaseTask.Status.PENDING).update(status=CaseTask.Status.CANCELLED, done_at=ctx.now)
    CaseTask.objects.bulk_create([CaseTask(case=ctx.case, department=d, is_lead=(i == 0), assigned_at=ctx.now)
                                  for i, d in enumerate(depts)])
    ctx.case.department = depts[0]


@effect("complete_task")
def complete_task(ctx: Context) -> None:
    """The acting department's pending task is done (with the comment as its note)."""
    from .models import CaseTask

    comment = ctx.values.get("_comment", "")
    _tasks(ctx).filter(status=CaseTask.Status.PENDING, department__in=ctx.departments).update(
        status=CaseTask.Status.DONE, done_at=ctx.now, note=comment)


@effect("return_task")
def return_task(ctx: Context) -> None:
    """The acting department gives the case back (not its matter): its task is marked
    returned and, if it led, the case has no department until dispatched again."""
    from .models import CaseTask

    _tasks(ctx).filter(status=CaseTask.Status.PENDING, department__in=ctx.departments).update(
        status=CaseTask.Status.RETURNED, done_at=ctx.now, note=ctx.values.get("_comment", ""))
    if ctx.case.department_id in ctx.departments:
        ctx.case.department = None


@effect("reopen_tasks")
def reopen_tasks(ctx: Context) -> None:
    """Rework (返工): the tasks completed for the current dispatch go back to pending."""
    from .models import CaseTask

    if ctx.case.department_id:
        _tasks(ctx).filter(status=CaseTask.Status.DONE, department_id=ctx.case.department_id).update(
            status=CaseTask.Status.PENDING, done_at=None)


@effect("cancel_tasks")
def cancel_tasks(ctx: Context) -> None:
    """Pending tasks are cancelled (voiding, withdrawing)."""
    from .models import CaseTask

    _tasks(ctx).filter(status=CaseTask.Status.PENDING).update(status=CaseTask.Status.CANCELLED, done_at=ctx.now)


@guard("all_tasks_done")
def all_tasks_done(ctx: Context):
    from .models import CaseTask

    return not _tasks(ctx).filter(status=CaseTask.Status.PENDING).exists()


@guard("has_department")
def has_department(ctx: Context):
    return True if ctx.case.department_id else _("该案件尚未派遣到承办部门")
