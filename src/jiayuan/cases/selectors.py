"""Scoped reads of cases. Every query for a user starts from :func:`cases_for` (lists,
queues, boards, counts, searches, attachments) or :func:`get_case` (one case: the API,
the pages, transitions), so every route of every case type inherits the same rule:

- most roles see the cases located in their scope subtree (``region_code LIKE scope%``)
  of the case types whose declared ``read_permission`` their role holds (need-to-know,
  DESIGN.md principle 8: a grid member holds ``view_cases`` but not
  ``view_assistance``, so assistance applications in the grid are not theirs to read);
- department staff (职能部门) see the cases that have a task for their department, of
  any type (the work given to them is their need to know);
- a role without ``view_cases`` sees none;
- on top of these, a case type that declares a ``read_filter`` (per-record need-to-know,
  :mod:`jiayuan.cases.declarations`) shows each user only the cases of that type its
  filter lets through — department staff included; only a superuser is exempt
  (:func:`record_filter`).

A case out of scope or out of need-to-know answers 404 exactly like one that does not
exist.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from ..accounts.permissions import Perm, acting_roles
from ..errors import NotFound
from . import declarations, effects, rules
from .declarations import CaseTypeDecl, TransitionDecl
from .models import Case, CaseEvent, CaseTask, CaseType, Department, DepartmentMember


# --- declarations, departments, who may act (read by services and pages alike) ------------

_DECL_CACHE: dict[int, CaseTypeDecl] = {}


def decl_of(case_type: CaseType | int) -> CaseTypeDecl:
    """The parsed declaration of a stored case-type version (rows are immutable: cached)."""
    pk = case_type if isinstance(case_type, int) else case_type.pk
    decl = _DECL_CACHE.get(pk)
    if decl is None:
        row = case_type if isinstance(case_type, CaseType) else CaseType.objects.get(pk=pk)
        decl = declarations.parse_declaration(row.definition, stored=True)
        _DECL_CACHE[pk] = decl
    return decl


def current_declaration(type_code: str) -> CaseTypeDecl | None:
    """The declaration new cases of ``type_code`` open under: the current stored version,
    or, before a sync has stored the type, its registered declaration; None for a type
    neither stored nor registered. Read-only (storing a version is
    :func:`jiayuan.cases.services.current_type`'s work)."""
    row = CaseType.objects.filter(code=type_code, is_current=True).order_by("-version").first()
    if row is not None:
        return decl_of(row)
    raw = declarations.registered().get(type_code)
    return declarations.parse_declaration(raw) if raw is not None else None


def can_create(user, type_code: str) -> bool:
    """Whether ``user`` may open a case of ``type_code``: the role holds ``create_cases``
    and is (or acts as) one of the type's declared ``create_roles``; a superuser always.
    No query without ``create_cases`` or for a superuser. (The service refuses the same
    users: :func:`jiayuan.cases.services.create_case`.)"""
    if not user.can(Perm.CREATE_CASES):
        return False
    if user.is_superuser:
        return True
    decl = current_declaration(type_code)
    return decl is not None and bool(acting_roles(user.role) & set(decl.create_roles))


def departments_of(user) -> list[int]:
    """Ids of the departments the user works for (none for most users: only accounts of
    the role department_staff join departments, see add_department_member — so no query
    for the others)."""
    if user is None or getattr(user, "role", "") != "department_staff":
        return []
    return list(DepartmentMember.objects.filter(user=user, department__active=True).values_list("department_id", flat=True))


def may_take(user, case: Case, t: TransitionDecl, departments: list[int] | None = None) -> bool:
    """Whether ``user``'s role (or relation to the case) lets them take ``t`` on ``case``
    — state aside. ``@reporter``: the user who opened it; ``@department``: staff of a
    department with a pending task on it."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    roles = acting_roles(user.role)
    if roles & set(t.roles):
        return True
    if "@reporter" in t.roles and case.created_by_id == user.pk:
        return True
    if "@department" in t.roles:
        depts = departments_of(user) if departments is None else departments
        if depts and CaseTask.objects.filter(case=case, department__in=depts, status=CaseTask.Status.PENDING).exists():
            return True
    return False


def readable_types(user) -> list[str]:
    """Codes of the registered case types whose declared ``read_permission`` the user
    holds (no query: the declarations are in memory)."""
    if user is None:
        return []
    return sorted(code for code, perm in declarations.read_permissions().items() if user.can(perm))


def record_filter(user, types: list[str] | None = None) -> Q | None:
    """The per-record read filters (``read_filter`` of the declarations) as one Q over
    Case for ``user``, or None when none applies (no query either way: each filter returns
    a lazy Q). ``types``: the type codes the query is already limited to (None: any type,
    as for department staff). A case of a filtered type passes only through its filter;
    a case of any other type is untouched. Superusers are not filtered (callers skip them)."""
    filters = declarations.read_filters()
    codes = sorted(filters if types is None else set(filters) & set(types))
    if not codes:
        return None
    q = ~Q(type_code__in=codes) if types is None else Q(type_code__in=sorted(set(types) - set(codes)))
    for code in codes:
        q |= Q(type_code=code) & declarations.read_filter_of(filters[code])(user)
    return q


def _filtered(user, qs: QuerySet, types: list[str] | None = None) -> QuerySet:
    if user is None or user.is_superuser:
        return qs
    q = record_filter(user, types)
    return qs if q is None else qs.filter(q)


def cases_for(user) -> QuerySet:
    """Cases the user may see (see module docstring): the one place where scope and
    need-to-know (the type's read permission, then its per-record read filter) are
    applied to cases."""
    if user is None or not user.can(Perm.VIEW_CASES):
        return Case.objects.none()
    qs = Case.objects.select_related("case_type", "region", "department")
    if user.is_superuser:
        return qs
    if user.role == "department_staff":
        depts = departments_of(user)
        return _filtered(user, qs.filter(Exists(CaseTask.objects.filter(case=OuterRef("pk"), department__in=depts))))
    types = readable_types(user)
    if not types:
        return Case.objects.none()
    return _filtered(user, qs.filter(region__code__startswith=user.scope_code, type_code__in=types), types)


def get_case(user, number: str) -> Case:
    """The case ``number`` if visible to the user (:func:`cases_for`); NotFound otherwise
    — out of scope, out of need-to-know and unknown alike."""
    if not rules.parse_case_number(number or ""):
        raise NotFound("case.not_found")
    try:
        return cases_for(user).get(number=number)
    except Case.DoesNotExist:
        raise NotFound("case.not_found") from None


def overdue_first(qs: QuerySet) -> QuerySet:
    """Earliest due first (so overdue, then due soon, then the rest), cases without a
    limit last, oldest first among equals."""
    return qs.order_by(F("due_at").asc(nulls_last=True), "created_at", "id")


@dataclass
class CaseFilters:
    type: str = ""
    state: str = ""
    category: str = ""
    region: str = ""
    open: bool | None = None
    flag: str = ""          # overdue | due_soon
    escalated: bool = False
    q: str = ""             # number or its beginning
    mine: bool = False      # only 待我办理 (see :func:`actionable`)


def search_cases(user, f: CaseFilters, now: datetime | None = None) -> QuerySet:
    """Cases visible to the user matching the filters, overdue first."""
    now = now or timezone.now()
    qs = actionable(user) if f.mine else cases_for(user)
    if f.type:
        qs = qs.filter(type_code=f.type)
    if f.state:
        qs = qs.filter(state__in=f.state.split(","))
    if f.category:
        qs = qs.filter(category__startswith=f.category)
    if f.region:
        qs = qs.filter(region__code__startswith=f.region)
    if f.open is not None:
        qs = qs.filter(is_open=f.open)
    if f.flag == "overdue":
        qs = qs.filter(is_open=True, due_at__lt=now)
    elif f.flag == "due_soon":
        qs = qs.filter(is_open=True, due_soon_at__lte=now, due_at__gte=now)
    if f.escalated:
        qs = qs.filter(is_open=True, escalation_level__gt=0)
    if f.q:
        qs = qs.filter(number__startswith=f.q.strip())
    return overdue_first(qs)


def actionable(user) -> QuerySet:
    """"待我办理": the cases (open, or closed in a state that still has transitions, like
    综合评价 after 结案) on whose page the user is offered at least one action — the same
    rule as :func:`available_actions` (via :func:`may_take`), read
    from every stored version's declaration: a transition from the case's state names the
    user's role (or a role it acts as), or ``@reporter`` and the user opened the case, or
    ``@department`` and one of the user's departments has a pending task on it. Scoped by
    :func:`cases_for` (region and need-to-know). Guards are not evaluated here (they read
    the case's own data): a case whose every offered action waits on a guard — e.g. 受理
    before the materials are complete — still waits on the user. Two queries to count:
    the stored case-type versions and the count."""
    base = cases_for(user)
    if user is None or not user.is_active or not user.can(Perm.VIEW_CASES):
        return base.none()
    roles = frozenset() if user.is_superuser else acting_roles(user.role)
    depts = departments_of(user)
    types = CaseType.objects.order_by("pk")
    if not user.is_superuser and user.role != "department_staff":
        types = types.filter(code__in=readable_types(user))
    pending = Exists(CaseTask.objects.filter(case=OuterRef("pk"), department__in=depts,
                                             status=CaseTask.Status.PENDING))
    q = Q(pk__in=[])
    for pk in types.values_list("pk", flat=True):
        decl = decl_of(pk)
        by_role: set[str] = set()
        by_reporter: set[str] = set()
        by_department: set[str] = set()
        for t in decl.transitions:
            if user.is_superuser or roles & set(t.roles):
                by_role.update(t.sources)
                continue
            if "@reporter" in t.roles:
                by_reporter.update(t.sources)
            if "@department" in t.roles and depts:
                by_department.update(t.sources)
        by_reporter -= by_role
        by_department -= by_role
        if by_role:
            q |= Q(case_type_id=pk, state__in=sorted(by_role))
        if by_reporter:
            q |= Q(case_type_id=pk, state__in=sorted(by_reporter), created_by=user)
        if by_department:
            q |= Q(pending, case_type_id=pk, state__in=sorted(by_department))
    return base.filter(q)


def queue(user) -> QuerySet:
    """"My queue": open cases waiting on me or my unit — for department staff, the cases
    their department has a pending task on; for others, open cases in scope whose
    current state waits on their role, plus those waiting on them as reporter."""
    base = cases_for(user).filter(is_open=True)
    if user is None or user.is_superuser:
        return base
    if user.role == "department_staff" and user.can(Perm.VIEW_CASES):
        # a pending task implies "has a task" (cases_for): one semi-join, not two
        depts = departments_of(user)
        return _filtered(user, Case.objects.select_related("case_type", "region", "department").filter(
            Exists(CaseTask.objects.filter(case=OuterRef("pk"), department__in=depts,
                                           status=CaseTask.Status.PENDING)), is_open=True))
    roles = acting_roles(user.role)
    return base.filter(Q(queue__in=roles) | Q(queue="@reporter", created_by=user))


def board(user, type_code: str = "", states: list[str] | None = None) -> QuerySet:
    """Dispatcher board: open cases in scope (optionally of one type and some states),
    overdue first."""
    qs = cases_for(user).filter(is_open=True)
    if type_code:
        qs = qs.filter(type_code=type_code)
    if states:
        qs = qs.filter(state__in=states)
    return overdue_first(qs)


def available_actions(user, case: Case) -> list[TransitionDecl]:
    """The transitions this user may take on this case now: allowed from its state, for
    their role or relation, and whose guards hold."""
    if not case.is_open and not decl_of(case.case_type_id).transitions_from(case.state):
        return []
    decl = decl_of(case.case_type_id)
    depts = departments_of(user)
    out = []
    for t in decl.transitions_from(case.state):
        if not may_take(user, case, t, depts):
            continue
        ctx = effects.Context(case=case, user=user, transition=t, values={}, now=timezone.now(), departments=depts)
        if all(not effects.check_guard(g, ctx) for g in t.guards):
            out.append(t)
    return out


def timeline(case: Case) -> QuerySet:
    return case.events.select_related("department").prefetch_related("attachments").order_by("seq")


def counts_by_state(user, type_code: str = "", region: str = "") -> list[dict]:
    """[{type, state, category, n}] for the user's scope: counts for dashboards."""
    qs = cases_for(user)
    if type_code:
        qs = qs.filter(type_code=type_code)
    if region:
        qs = qs.filter(region__code__startswith=region)
    return list(qs.values("type_code", "state", "category").annotate(n=Count("id"))
                .order_by("type_code", "state", "category"))


def departments_for_case(user, case: Case) -> QuerySet:
    """Active departments that may take this case: their scope covers its region, and they
    take its case type and its event category's top level (Department.takes; empty lists
    take everything)."""
    prefixes = [case.region_id[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(case.region_id)]
    qs = Department.objects.filter(active=True, region_id__in=prefixes).order_by("region_id", "code")
    top = category_top(case.category)
    ids = [d.pk for d in qs.only("pk", "case_types", "categories") if d.takes(case.type_code, top)]
    return qs.filter(pk__in=ids)


def category_top(code: str) -> str:
    """The top-level event category code of ``code`` (itself when top-level; '' when empty)."""
    if not code:
        return ""
    from ..grid.models import EventCategory

    parent = EventCategory.objects.filter(code=code).values_list("parent_id", flat=True).first()
    return parent or code


def departments_visible(user) -> QuerySet:
    """Departments in the user's scope, or above it on their path (a county department
    serves a community's cases)."""
    qs = Department.objects.filter(active=True).select_related("region")
    if user.is_superuser:
        return qs
    scope = user.scope_code
    prefixes = [scope[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(scope)]
    return qs.filter(Q(region__code__startswith=scope) | Q(region_id__in=prefixes))


def can_see(user, case: Case) -> bool:
    """Whether ``case`` is among :func:`cases_for` the user (decided without a query
    where the scope prefix decides it)."""
    if user is None or not user.can(Perm.VIEW_CASES):
        return False
    if user.is_superuser:
        return True
    if user.role != "department_staff" and case.type_code not in declarations.read_filters():
        return case.region_id.startswith(user.scope_code) and case.type_code in readable_types(user)
    return cases_for(user).filter(pk=case.pk).exists()


def events_of_kind(case: Case, kind: str) -> QuerySet:
    return CaseEvent.objects.filter(case=case, kind=kind).order_by("seq")


# --- reads for the pages (queue, detail, board, counts) ---------------------------------

def case_type_names(user=None) -> list[tuple[str, str]]:
    """[(code, name)] of the current case types (for filters); with ``user``, only the
    types they may read (department staff: every type, their tasks decide)."""
    from .models import CaseType

    qs = CaseType.objects.filter(is_current=True).order_by("code")
    if user is not None and not user.is_superuser and user.role != "department_staff":
        qs = qs.filter(code__in=readable_types(user))
    return list(qs.values_list("code", "name"))


def cases_by_ids(user, ids: list[int]) -> list[Case]:
    """The cases with these ids that the user may see, in the order of ``ids``, with
    what a list shows (type, region and its parent, department). Lists first find the
    ids of a page by an index scan and sort, then fetch just those rows with their
    joins (joining before the sort would join every row of a long queue)."""
    rows = (cases_for(user).filter(pk__in=list(ids)).select_related(None).select_related("region__parent", "department")
            .in_bulk())
    return [rows[i] for i in ids if i in rows]


def page_timeline(case: Case) -> QuerySet:
    """The timeline for the case page: actors, departments and photos fetched with it."""
    return (case.events.select_related("actor", "department").prefetch_related("attachments")
            .order_by("seq"))


def tasks_of(case: Case) -> QuerySet:
    return case.tasks.select_related("department").order_by("id")


def parties_of(case: Case) -> QuerySet:
    return case.parties.select_related("person", "person__region").order_by("id")


def transition_done(case: Case, request_key: str) -> bool:
    """Whether a transition with this form token was already recorded on the case (a
    repeated submit: the page shows the result instead of acting again)."""
    key = (request_key or "").strip()[:64]
    return bool(key) and CaseEvent.objects.filter(case=case, request_key=key).exists()


def case_by_request_key(user, request_key: str) -> Case | None:
    """The case this user already opened with this form token (a repeated submit); None
    as well when it is of a type whose read filter no longer lets the user read it."""
    key = (request_key or "").strip()[:64]
    if not key or user is None:
        return None
    return _filtered(user, Case.objects.filter(created_by=user, request_key=key)).first()


def get_attachment(user, pk) -> "Attachment":
    """A photo the user may see: bound to a case they can see, or their own upload not
    yet bound to a case. NotFound otherwise."""
    from .models import Attachment

    try:
        att = Attachment.objects.get(pk=int(pk))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound("attachment.not_found") from None
    if att.case_id is None:
        if user is None or att.uploaded_by_id != user.pk:
            raise NotFound("attachment.not_found")
    elif not cases_for(user).filter(pk=att.case_id).exists():
        raise NotFound("attachment.not_found")
    return att


def own_unbound_attachments(user, ids) -> list:
    """The user's uploads among ``ids`` not yet bound to a case (photos kept across a
    form that was sent back with errors)."""
    from .models import Attachment

    clean = []
    for i in ids or []:
        try:
            clean.append(int(i))
        except (TypeError, ValueError):
            continue
    if not clean or user is None:
        return []
    return list(Attachment.objects.filter(pk__in=clean, uploaded_by=user, case__isnull=True).order_by("id"))


def board_counts(user, type_code: str, states: list[str]) -> dict[str, int]:
    """{state: number of open cases} on the dispatcher board, for its tabs."""
    qs = cases_for(user).filter(is_open=True, type_code=type_code, state__in=states)
    return dict(qs.order_by().values_list("state").annotate(n=Count("id")).values_list("state", "n"))


def flag_counts(user, region: str = "", now: datetime | None = None) -> dict[str, int]:
    """Open cases in scope (under ``region`` if given) that are overdue / due soon /
    escalated, for the counts page."""
    now = now or timezone.now()
    qs = cases_for(user).filter(is_open=True)
    if region:
        qs = qs.filter(region__code__startswith=region)
    return {
        "open": qs.count(),
        "overdue": qs.filter(due_at__lt=now).count(),
        "due_soon": qs.filter(due_soon_at__lte=now, due_at__gte=now).count(),
        "escalated": qs.filter(escalation_level__gt=0).count(),
    }
