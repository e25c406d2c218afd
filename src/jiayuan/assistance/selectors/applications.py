"""Scoped reads of assistance applications (社会救助申请).

Every query starts from :func:`applications_for`: the applications of households in the
user's subtree (``region_code LIKE scope%``), for roles with ``view_assistance``; an
application outside the scope answers 404 like one that does not exist. Roles without
``view_assistance`` (auditor, org staff, department staff) get nothing here; the API and
pages answer them 403 before reading. Department staff follow their parts on the case
pages and ``/api/v1/cases`` (``cases.selectors``): the application record (the
household's incomes and assets) is not theirs to read.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from ...accounts.permissions import Perm
from ...cases import rules as case_rules
from ...cases.services import decl_of
from ..case_types import HELP_KINDS
from ..models import ApplicationPart, AssistanceApplication, NoticeObjection


def applications_for(user) -> QuerySet:
    """Applications the user may see (see module docstring)."""
    if user is None or not user.can(Perm.VIEW_ASSISTANCE):
        return AssistanceApplication.objects.none()
    qs = AssistanceApplication.objects.select_related("case", "household", "applicant", "region")
    if user.is_superuser or not user.scope_code:
        return qs
    return qs.filter(region__code__startswith=user.scope_code)


def get_application(user, number: str) -> AssistanceApplication:
    """The application whose case number is ``number``, if visible; Http404 otherwise."""
    if not case_rules.parse_case_number(number or ""):
        raise Http404
    try:
        return applications_for(user).get(case__number=number)
    except AssistanceApplication.DoesNotExist:
        raise Http404 from None


# Who may make the home visit (入户调查): staff of the community, the township (street)
# or the county (民政) whose scope contains the application's region.
VISIT_STAFF_ROLES = ("community_worker", "community_director", "township_officer", "county_officer")


def visit_staff(app: AssistanceApplication) -> QuerySet:
    """Active accounts that may be named as visitors of ``app``'s home visit: a role of
    :data:`VISIT_STAFF_ROLES` and a scope region that contains the application's region
    (the community itself, its township, its county). Ordered by level (community
    first), then name."""
    from ...accounts.models import User

    code = app.region_id
    prefixes = [code[:n] for n in range(2, len(code) + 1)]
    return (User.objects.filter(is_active=True, role__in=VISIT_STAFF_ROLES, scope_id__in=prefixes)
            .order_by("-scope_id", "full_name", "username"))


def staff_label(user) -> str:
    """``姓名（用户名）`` of an account, as the visit lists and the timeline show it."""
    return f"{user.full_name}（{user.username}）" if user.full_name else user.username


def get_objection(user, application: AssistanceApplication, pk) -> NoticeObjection:
    try:
        return application.objections.get(pk=int(pk))
    except (NoticeObjection.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class ApplicationFilters:
    state: str = ""       # case states, comma list
    kind: str = ""        # a kind of help asked for
    open: bool | None = None
    region: str = ""      # region code prefix (inside the scope)
    q: str = ""           # case number (or its beginning) or household number
    path: str = ""


def search_applications(user, f: ApplicationFilters) -> QuerySet:
    """Applications in scope matching the filters, newest first."""
    qs = applications_for(user)
    if f.state:
        qs = qs.filter(case__state__in=[s for s in f.state.split(",") if s])
    if f.kind:
        qs = qs.filter(parts__kind=f.kind)
    if f.open is not None:
        qs = qs.filter(case__is_open=f.open)
    if f.region:
        qs = qs.filter(region__code__startswith=f.region.strip())
    if f.path:
        qs = qs.filter(path=f.path)
    if f.q:
        q = f.q.strip()
        if q[:1].isdigit() and len(q) >= 12:
            qs = qs.filter(case__number__startswith=q)
        else:
            qs = qs.filter(household__number=q)
    return qs.distinct().order_by("-created_at", "-id")


def with_parts(qs: QuerySet) -> QuerySet:
    return qs.prefetch_related(Prefetch("parts", queryset=ApplicationPart.objects.select_related(
        "program", "department", "task").order_by("id")))


def public_status(app: AssistanceApplication) -> str:
    """The one status the household sees (the state's ``public_name``)."""
    decl = decl_of(app.case.case_type_id)
    state = decl.state(app.case.state)
    return state.public_name or state.name


def part_rows(app: AssistanceApplication) -> list[dict]:
    """Parts with their names, departments, task status, beneficiary, result."""
    persons = {p["kind"]: p.get("person") for p in app.case.data.get("parts", [])}
    out = []
    if "parts" in getattr(app, "_prefetched_objects_cache", {}):  # with_parts: ordered, related loaded
        parts = app.parts.all()
    else:
        parts = app.parts.select_related("program", "department", "task").order_by("id")
    for part in parts:
        spec = HELP_KINDS.get(part.kind, {})
        out.append({
            "id": part.pk, "kind": part.kind, "name": spec.get("name", part.kind),
            "program": part.program_id, "department": (
                {"id": part.department.pk, "code": part.department.code, "name": part.department.name}
                if part.department_id else None),
            "handled_by": part.department.name if part.department_id else "民政",
            "task_status": part.task.status if part.task_id else "",
            "status": part.status, "status_name": part.get_status_display(), "result": part.result,
            "amount": part.amount, "person": persons.get(part.kind),
        })
    return out


def members_of(app: AssistanceApplication):
    return app.members.select_related("person").order_by("id")


def incomes_of(app: AssistanceApplication):
    return app.incomes.select_related("person").order_by("id")


def assets_of(app: AssistanceApplication):
    return app.assets.order_by("id")


def objections_of(app: AssistanceApplication):
    return app.objections.select_related("recorded_by").order_by("received_on", "id")


def deadlines(app: AssistanceApplication, now: datetime.datetime | None = None) -> dict:
    """The process deadline (30 or 45 working days from acceptance) and the stage's:
    ``accepted_on``, ``process_due`` (dates), ``extended``, ``stage_due`` (datetime),
    ``process_overdue`` (today after the process deadline while open),
    ``process_due_estimated`` and ``stage_due_estimated`` (counted through a year whose
    official holidays are not entered yet: 预估, see :mod:`jiayuan.cases.workdays`)."""
    now = now or timezone.now()
    data = app.case.data
    due = datetime.date.fromisoformat(data["process_due"]) if data.get("process_due") else None
    today = timezone.localtime(now).date()
    return {
        "accepted_on": data.get("accepted_on"), "process_due": due, "extended": bool(data.get("extended")),
        "extension_reason": data.get("extension_reason", ""),
        "stage_due": timezone.localtime(app.case.due_at) if app.case.due_at and app.case.is_open else None,
        "process_overdue": bool(due and app.case.is_open and today > due),
        "process_due_estimated": bool(due and data.get("process_due_estimated")),
        "stage_due_estimated": bool(app.case.due_at and app.case.is_open and app.case.deadline_estimated),
    }
