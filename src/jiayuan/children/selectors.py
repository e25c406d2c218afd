"""Scoped, need-to-know reads of children's files.

Who reads a file (issue 13, 个人信息保护法 art. 28 and 31): inside the user's region scope,
only

- the 儿童主任 of the child's village or community and the 儿童督导员 of its township
  (current :class:`ChildrenDuty` records naming the account),
- the members of the child's care team who have an account,
- holders of ``view_child_files`` (county and city civil-affairs staff).

Everyone else — another worker of the same community included — gets 404 like any
out-of-scope object. Every list, count, to-do item and API answer goes through
:func:`files_for`; a read of one file is audited by the caller
(:func:`jiayuan.children.services.record_read`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from ..accounts.permissions import Perm
from ..disability.models import DisabilityCertificate
from ..disability.rules import GRADE_NAMES, TYPE_NAMES
from ..errors import NotFound
from ..people.models import Person, PersonTag
from ..regions.models import Region
from ..regions.rules import village_kind
from . import rules
from .models import CareTeamMember, ChildFile, ChildParent, ChildrenDuty, DutyKind

# Upcoming visits show on the to-do list this many days before they fall due.
UPCOMING_DAYS = 14


def risk_grades() -> list[dict]:
    """The configured risk grades (settings.CHILDREN_RISK_GRADES, default
    :data:`rules.DEFAULT_RISK_GRADES`), checked."""
    return rules.check_risk_grades(getattr(settings, "CHILDREN_RISK_GRADES", rules.DEFAULT_RISK_GRADES))


def risk_grade(code: str) -> dict:
    """The grade ``code`` (a placeholder named by its code when the configuration dropped it)."""
    for g in risk_grades():
        if g["code"] == code:
            return g
    return {"code": code, "name": code, "color": "#6c757d", "months": 1}


def default_risk() -> str:
    """The grade a new file starts with: the highest (first) configured grade, visited
    soonest until a first visit grades the child."""
    return risk_grades()[0]["code"]


def care_slots() -> list[dict]:
    """The care-team slots (settings.CHILDREN_CARE_SLOTS, default
    :data:`rules.DEFAULT_CARE_SLOTS`): ``[{"code", "name"}]``."""
    return [dict(s) for s in getattr(settings, "CHILDREN_CARE_SLOTS", rules.DEFAULT_CARE_SLOTS)]


# Roles that may hold a children's duty (儿童主任, 儿童督导员) or sit on a care team with an
# account: they have the children's pages (what they read there is need-to-know).
CHILDREN_ROLES = ("community_worker", "community_director", "township_officer", "org_staff")


def uses_children_pages(user) -> bool:
    """Whether the children's pages are offered to the user, from the role alone (no
    query): the menu and the list page agree."""
    return user.is_superuser or user.can(Perm.VIEW_CHILD_FILES) or user.role in CHILDREN_ROLES


# --- duties -----------------------------------------------------------------------------------

def current_duties(user) -> QuerySet:
    """The user's current duties (儿童主任/督导员)."""
    return ChildrenDuty.objects.filter(user=user, ended_on__isnull=True)


def _need_to_know_q(user) -> Q:
    """Q on ChildFile of the files the user works on (duty or team), without scope."""
    q = Q(Exists(CareTeamMember.objects.filter(file=OuterRef("pk"), user=user)))
    for kind, code in current_duties(user).values_list("kind", "region_id"):
        if kind == DutyKind.DIRECTOR:
            q |= Q(region_id=code)
        else:
            q |= _region_under(code)
    return q


def _region_under(code: str) -> Q:
    """Files whose region (a 12-digit code) lies under ``code``, as a range of codes:
    for codes of digits, ``code <= region <= code + 9…9`` is exactly the prefix test,
    and unlike ``LIKE 'code%'`` (not an index condition under a non-C collation, nor
    estimated well beside it) the index (region, status, next visit due, id) takes it."""
    return Q(region__code__gte=code, region__code__lte=code + "9" * (15 - len(code)))


def _scoped(qs: QuerySet, scope: str) -> QuerySet:
    """``qs`` (files) narrowed to children living under ``scope``. A file's region is
    its child's village or community (the first 12 digits of the child's region: set at
    opening, and followed when the registry moves the child, ``services.on_person_moved``),
    so a scope of a village or wider is a range of the file's own region code — which
    the index (region, status, next visit due, id) serves, with no join to the person;
    a grid member's scope (15 digits) also tests the child's own region."""
    if not scope:
        return qs
    qs = qs.filter(_region_under(scope[:12]))
    if len(scope) > 12:
        qs = qs.filter(person__region__code__startswith=scope)
    return qs


def files_for(user) -> QuerySet:
    """Files (every status) the user may read: in scope and on a need-to-know (module
    docstring). Person and region joined."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ChildFile.objects.none()
    qs = _scoped(ChildFile.objects.select_related("person", "region"), user.scope_code)
    if user.can(Perm.VIEW_CHILD_FILES):
        return qs
    return qs.filter(_need_to_know_q(user))


def readable_files_lazy(user) -> QuerySet:
    """The same files as :func:`files_for` (every status), as a query that runs nothing
    until used as a subquery: the duties are read by ``Exists`` against the file's region
    instead of being fetched first. For filters other queries embed (the referral read
    filter below); lists use :func:`files_for`."""
    from django.db.models.functions import Substr

    if user is None or not user.is_authenticated or not user.is_active:
        return ChildFile.objects.none()
    qs = _scoped(ChildFile.objects.all(), user.scope_code)
    if user.can(Perm.VIEW_CHILD_FILES):
        return qs
    duties = ChildrenDuty.objects.filter(user=user, ended_on__isnull=True)
    return qs.filter(
        Exists(CareTeamMember.objects.filter(file=OuterRef("pk"), user=user))
        | Exists(duties.filter(kind=DutyKind.DIRECTOR, region_id=OuterRef("region_id")))
        | Exists(duties.filter(kind=DutyKind.SUPERVISOR, region_id=Substr(OuterRef("region_id"), 1, 9))))


def referral_readers(user) -> Q:
    """Read filter of the ``child_referral`` case type (``children/case_types.py``): a Q
    over :class:`jiayuan.cases.models.Case` — the referrals whose child
    (``subject_person``) has a file the user reads (:func:`readable_files_lazy`: the
    儿童主任, the 督导员, the care team, ``view_child_files`` holders, in scope). Lazy:
    one ``EXISTS`` in the case query, no query of its own."""
    return Q(Exists(readable_files_lazy(user).filter(person_id=OuterRef("subject_person_id"))))


def get_file(user, pk) -> ChildFile:
    """The file ``pk`` if the user may read it; NotFound(``child_file.not_found``) otherwise."""
    try:
        return files_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, ChildFile.DoesNotExist):
        raise NotFound("child_file.not_found") from None


def is_duty_holder(user, file: ChildFile) -> bool:
    """Whether the user is the file's 儿童主任 or its township's 儿童督导员."""
    for kind, code in current_duties(user).values_list("kind", "region_id"):
        if (kind == DutyKind.DIRECTOR and code == file.region_id) or (
                kind == DutyKind.SUPERVISOR and file.region_id.startswith(code)):
            return True
    return False


def may_edit(user, file: ChildFile) -> bool:
    """Who changes a file's facts, team and grade: its 儿童主任 and 督导员, and holders of
    ``view_child_files`` (county/city civil affairs). ``file`` comes from :func:`get_file`."""
    return user.can(Perm.VIEW_CHILD_FILES) or is_duty_holder(user, file)


def may_visit(user, file: ChildFile) -> bool:
    """Who records a visit: whoever may edit the file, and its care team members."""
    return may_edit(user, file) or file.team.filter(user=user).exists()


def may_open_in(user, region: Region) -> bool:
    """Whether the user may open a file for a child of village ``region`` (12 digits):
    its 儿童主任, its township's 督导员, or a holder of ``view_child_files`` in scope."""
    if not region.code.startswith(user.scope_code):
        return False
    if user.can(Perm.VIEW_CHILD_FILES):
        return True
    return current_duties(user).filter(
        Q(kind=DutyKind.DIRECTOR, region_id=region.code) | Q(kind=DutyKind.SUPERVISOR,
                                                             region_id=region.code[:9])).exists()


def directors_of(region_codes) -> dict[str, ChildrenDuty]:
    """{village code: current 儿童主任 duty} for ``region_codes``, users joined."""
    return {d.region_id: d for d in ChildrenDuty.objects.filter(
        kind=DutyKind.DIRECTOR, ended_on__isnull=True, region_id__in=list(region_codes)).select_related("user")}


# --- lists -----------------------------------------------------------------------------------

@dataclass
class FileFilters:
    """Filters of the list page and of ``GET /api/v1/children``: ``category`` (a code),
    ``risk`` (a grade code), ``region`` (a code prefix), ``overdue`` (only files whose
    visit is past due), ``flagged`` (waiting for review), ``q`` (name fragment),
    ``status`` (``open`` default, ``closed``, ``""`` all)."""

    category: str = ""
    risk: str = ""
    region: str = ""
    overdue: bool = False
    flagged: bool = False
    q: str = ""
    status: str = ChildFile.Status.OPEN


def today() -> datetime.date:
    return timezone.localdate()


def search_files(user, f: FileFilters, on: datetime.date | None = None) -> QuerySet:
    """Files the user may read matching ``f``, earliest visit due first."""
    qs = files_for(user)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(categories__contains=[f.category]) if _json_contains() else qs.filter(
            categories__icontains=f'"{f.category}"')
    if f.risk:
        qs = qs.filter(risk=f.risk)
    if f.region:
        qs = qs.filter(region__code__startswith=f.region)
    if f.overdue:
        qs = qs.filter(next_visit_due__lt=on or today())
    if f.flagged:
        qs = qs.filter(proposed__isnull=False)
    if f.q:
        qs = qs.filter(person__name__contains=f.q)
    # the page's person and region are fetched for its rows only (two small queries),
    # not joined to every file before the sort (docs/performance.md, "Children's files")
    return qs.select_related(None).prefetch_related("person", "region").order_by("next_visit_due", "id")


def _json_contains() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _director_villages(user) -> list[str]:
    return list(current_duties(user).filter(kind=DutyKind.DIRECTOR).values_list("region_id", flat=True))


def _in_scope(user) -> QuerySet:
    return _scoped(ChildFile.objects.select_related("person", "region"), user.scope_code)


def visits_owed(user, on: datetime.date | None = None) -> QuerySet:
    """Open files whose visit the user owes, falling due within :data:`UPCOMING_DAYS` or
    overdue, earliest first: the 儿童主任's own villages, and the children whose care team
    the user sits on (the "1+1+1" pair visits too); the 督导员 supervises and sees them on
    the lists, not in the to-do. Both are need-to-know readers, so this is a subset of
    :func:`files_for` (two queries: the duties, then the files)."""
    on = on or today()
    q = Q(Exists(CareTeamMember.objects.filter(file=OuterRef("pk"), user=user)))
    codes = _director_villages(user)
    if codes:
        q |= Q(region_id__in=codes)
    return (_in_scope(user).filter(q, status=ChildFile.Status.OPEN,
                                   next_visit_due__lte=on + datetime.timedelta(days=UPCOMING_DAYS))
            .order_by("next_visit_due", "id"))


def files_to_review(user) -> QuerySet:
    """Open files flagged for review whose 儿童主任 is the user (two queries)."""
    codes = _director_villages(user)
    if not codes:
        return ChildFile.objects.none()
    return (_in_scope(user).filter(region_id__in=codes, status=ChildFile.Status.OPEN, proposed__isnull=False)
            .order_by("flagged_at", "id"))


# --- registry facts --------------------------------------------------------------------------

POVERTY_TAGS = {"subsistence_allowance": "低保", "extreme_poverty": "特困人员救助供养"}


def registration_of(person: Person) -> tuple[str, str]:
    """(``rural``/``urban``/``""``, village name) of a registered child: from the
    village-level code of the person's region (001–199 居委会 → urban, 200–399 村委会 →
    rural, 统计用区划代码 rules); a floating or other resident's registration is elsewhere:
    unknown (``""``)."""
    code = person.region_id[:12]
    name = person.region.short_name if len(person.region_id) == 12 else Region.objects.get(pk=code).short_name
    if person.residence_status != Person.ResidenceStatus.REGISTERED:
        return "", name
    kind = village_kind(code) if len(code) == 12 else "virtual"
    return {"community": "urban", "village": "rural"}.get(kind, ""), name


def _severe(person_ids) -> set[int]:
    out = set()
    for pid, dtype, grade in DisabilityCertificate.objects.filter(
            person_id__in=person_ids, status="valid").values_list("person_id", "disability_type", "grade"):
        if rules.severe_disability(dtype, grade):
            out.add(pid)
    return out


def parent_facts(parent: ChildParent | None, role: str, on: datetime.date, severe: set[int]) -> rules.ParentFacts:
    """The rules' view of one parent: registry facts (deceased; 重残 from a valid
    certificate) where the parent is a registry person, the entered facts otherwise."""
    if parent is None:
        return rules.ParentFacts(role, known=False)
    p = parent.person
    deceased = parent.deceased or (p is not None and p.life_status == Person.LifeStatus.DECEASED)
    severely = parent.severely_disabled or (p is not None and p.pk in severe)
    return rules.ParentFacts(role, rules.parent_situations(
        working_away=parent.working_away, severely_disabled=severely, seriously_ill=parent.seriously_ill,
        imprisoned=parent.imprisoned, drug_rehab=parent.drug_rehab, missing=parent.missing, deceased=deceased,
        lost_contact_since=parent.lost_contact_since, on=on))


def child_facts(file: ChildFile, on: datetime.date | None = None) -> rules.ChildFacts:
    """Everything :func:`rules.derive_categories` reads for ``file`` on ``on`` (today by
    default): age from the child's birth date (from the ID number), registration from
    the child's region, poverty from current 低保/特困 tags of the child or any member of
    the household, the child's own valid certificate, and the parents. The one-file case
    of :func:`child_facts_many` (the same code: a batch derives exactly what one file
    would)."""
    return child_facts_many([file], on)[file.pk]


# The columns :func:`child_facts_many` reads: of the files (with their child), for a caller
# that loads many files only to derive them (``services.rederive``: ``.only(*FACT_FIELDS)``),
# and of the parents. Loading the person's other twenty columns for every file and parent
# was a fifth of a re-derivation's time (docs/performance.md).
FACT_FIELDS = ("person", "region", "status", "category_facts", "proposed", "review_reasons", "flagged_at",
               "own_illness", "guardianship_problem", "person__name", "person__birth_date", "person__region",
               "person__residence_status", "person__household")
PARENT_FACT_FIELDS = ("file", "role", "person", "working_away", "severely_disabled", "seriously_ill", "imprisoned",
                      "drug_rehab", "missing", "lost_contact_since", "deceased", "person__life_status")


def child_facts_many(files, on: datetime.date | None = None) -> dict[int, rules.ChildFacts]:
    """``{file id: ChildFacts}`` for ``files`` (ChildFile rows with ``person`` joined) on
    ``on``, as :func:`child_facts` says, in a fixed number of queries whatever the number
    of files (regions of grid-level children, household members, tags, certificates,
    parents, parents' certificates): the daily re-derivation and the registry signals
    derive hundreds of files at once."""
    on = on or today()
    files = list(files)
    if not files:
        return {}
    persons = {f.person_id: f.person for f in files}
    village_rows = {r.code: r for r in Region.objects.filter(pk__in={p.region_id[:12] for p in persons.values()})}
    households = {p.household_id for p in persons.values() if p.household_id}
    members: dict[int, set[int]] = {}
    if households:
        for hh, pk in Person.objects.filter(household_id__in=households).values_list("household_id", "pk"):
            members.setdefault(hh, set()).add(pk)
    everyone = set(persons) | {pk for ids in members.values() for pk in ids}
    tags: dict[int, set[str]] = {}
    for pid, kind in (PersonTag.objects.filter(person_id__in=everyone, kind_id__in=list(POVERTY_TAGS),
                                               valid_from__lte=on)
                      .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)).values_list("person_id", "kind_id")):
        tags.setdefault(pid, set()).add(kind)
    certs = {}
    for c in DisabilityCertificate.objects.filter(person_id__in=list(persons), status="valid").order_by("pk"):
        certs.setdefault(c.person_id, c)
    parents: dict[int, dict[str, ChildParent]] = {}
    for p in ChildParent.objects.filter(file_id__in=[f.pk for f in files]).select_related("person").only(
            *PARENT_FACT_FIELDS):
        parents.setdefault(p.file_id, {})[p.role] = p
    severe = _severe({p.person_id for ps in parents.values() for p in ps.values() if p.person_id})
    out = {}
    for file in files:
        person = file.person
        code = person.region_id[:12]
        region_name = village_rows[code].short_name if code in village_rows else ""
        registration = ""
        if person.residence_status == Person.ResidenceStatus.REGISTERED:
            kind = village_kind(code) if len(code) == 12 else "virtual"
            registration = {"community": "urban", "village": "rural"}.get(kind, "")
        group = members.get(person.household_id, {person.pk}) if person.household_id else {person.pk}
        held = set().union(*(tags.get(pk, set()) for pk in group))
        program = "、".join(POVERTY_TAGS[t] for t in POVERTY_TAGS if t in held)
        cert = certs.get(person.pk)
        own = f"{TYPE_NAMES[cert.disability_type]}{GRADE_NAMES[cert.grade]}" if cert else ""
        mine = parents.get(file.pk, {})
        out[file.pk] = rules.ChildFacts(
            birth_date=person.birth_date, on=on, registration=registration, region_name=region_name,
            father=parent_facts(mine.get("father"), "father", on, severe),
            mother=parent_facts(mine.get("mother"), "mother", on, severe),
            poverty_program=program, own_disability_grade=own, own_illness=file.own_illness,
            guardianship_problem=file.guardianship_problem)
    return out


def files_of_parent(person_ids) -> QuerySet:
    """Open files naming any of ``person_ids`` as a parent, or being their file (not
    scoped: for the registry's signals, which re-derive and flag)."""
    ids = list(person_ids)
    return ChildFile.objects.filter(Q(parents__person_id__in=ids) | Q(person_id__in=ids),
                                    status=ChildFile.Status.OPEN).distinct()


# --- who is missing --------------------------------------------------------------------------

@dataclass
class DutyRow:
    region: Region
    duty: ChildrenDuty | None


def duty_coverage(user, under: str = "") -> tuple[list[DutyRow], list[DutyRow]]:
    """(townships, villages) in the user's scope under ``under`` (a code prefix): each
    with its current 儿童督导员 / 儿童主任 or None where one is missing. Villages are the
    village-level units that are communities or villages (not virtual units)."""
    prefix = under or user.scope_code
    if not prefix.startswith(user.scope_code):
        raise NotFound("region.not_found")
    duties = {(d.kind, d.region_id): d for d in ChildrenDuty.objects.filter(
        ended_on__isnull=True, region__code__startswith=prefix).select_related("user")}
    towns = Region.objects.filter(level="township", code__startswith=prefix).order_by("code")
    villages = Region.objects.filter(level="village", code__startswith=prefix).exclude(
        kind=Region.Kind.VIRTUAL).order_by("code")
    return ([DutyRow(t, duties.get((DutyKind.SUPERVISOR, t.code))) for t in towns],
            [DutyRow(v, duties.get((DutyKind.DIRECTOR, v.code))) for v in villages])


def villages_without_director(user) -> QuerySet:
    """Village-level units in scope (communities and villages, not virtual units) without a
    current 儿童主任, by code: for ``manage_children_duties`` holders' to-do."""
    scope = user.scope_code
    held = ChildrenDuty.objects.filter(kind=DutyKind.DIRECTOR, ended_on__isnull=True).values("region_id")
    return (Region.objects.filter(level="village", code__startswith=scope)
            .exclude(kind=Region.Kind.VIRTUAL).exclude(code__in=held).order_by("code"))


def duties_in_scope(user) -> QuerySet:
    """Current duties in the user's scope (for the duty list)."""
    return ChildrenDuty.objects.filter(ended_on__isnull=True, region__code__startswith=user.scope_code).select_related(
        "user", "region").order_by("region_id", "kind")


# --- children's homes ------------------------------------------------------------------------

def homes_for(user) -> QuerySet:
    """Homes in the user's scope (name, place, capacity, services: not personal data), for
    the roles that have the children's pages."""
    from .models import ChildrensHome

    if not user.is_authenticated or not user.is_active or not uses_children_pages(user):
        return ChildrensHome.objects.none()
    return ChildrensHome.objects.filter(region__code__startswith=user.scope_code).select_related(
        "region", "operator").order_by("region_id", "name")


def get_home(user, pk):
    from .models import ChildrensHome

    try:
        return homes_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, ChildrensHome.DoesNotExist):
        raise NotFound("home.not_found") from None


def works_at_home(user, home) -> bool:
    """Whether the user enrols children and records attendance at ``home`` and sees who
    is enrolled (the children are personal data): a member of the operator, the
    儿童主任 of the home's village, the 督导员 of its township, or ``view_child_files``."""
    if user.can(Perm.VIEW_CHILD_FILES):
        return True
    if home.operator_id and home.operator.members.filter(user=user, active=True).exists():
        return True
    code = home.region_id
    for kind, duty_code in current_duties(user).values_list("kind", "region_id"):
        if (kind == DutyKind.DIRECTOR and code.startswith(duty_code)) or (
                kind == DutyKind.SUPERVISOR and code.startswith(duty_code)):
            return True
    return False


def present_on(home, day: datetime.date) -> set[int]:
    """Ids of the enrolments marked present at ``home`` on ``day`` (one query)."""
    from .models import HomeAttendance

    return set(HomeAttendance.objects.filter(home=home, day=day).values_list("enrolment_id", flat=True))


def enrolled_on(home, day: datetime.date) -> QuerySet:
    """Enrolments of ``home`` open on ``day`` (enrolled on or before it, not left before
    it), by child name. The caller checked :func:`works_at_home`."""
    return home.enrolments.filter(enrolled_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gte=day)).select_related("person").order_by("person__name", "pk")


def children_cared_for(home, start: datetime.date, end: datetime.date) -> int:
    """How many different children were present at ``home`` on at least one day from
    ``start`` to ``end`` (inclusive), from the attendance records."""
    from .models import HomeAttendance

    return HomeAttendance.objects.filter(home=home, day__gte=start, day__lte=end).values("person_id").distinct().count()


def homes_with_counts(user, start: datetime.date, end: datetime.date) -> QuerySet:
    """:func:`homes_for` with, for each home, ``cared_count`` (as :func:`children_cared_for`)
    and ``attendance_count`` (as :func:`attendance_days`) over ``start``–``end``, in the
    same query (for the lists: no query per home)."""
    from django.db.models import Count, IntegerField
    from django.db.models.functions import Coalesce

    from .models import HomeAttendance

    period = HomeAttendance.objects.filter(home=OuterRef("pk"), day__gte=start, day__lte=end).order_by()

    def per_home(count):
        return Coalesce(Subquery(period.values("home").annotate(n=count).values("n"), output_field=IntegerField()), 0)

    return homes_for(user).annotate(cared_count=per_home(Count("person_id", distinct=True)),
                                    attendance_count=per_home(Count("id")))


def attendance_days(home, start: datetime.date, end: datetime.date) -> int:
    """Child-days of attendance at ``home`` in the period (one per child and day)."""
    from .models import HomeAttendance

    return HomeAttendance.objects.filter(home=home, day__gte=start, day__lte=end).count()


# --- referrals (case type child_referral, read through the case engine) --------------------

REFERRAL_TYPE = "child_referral"


def referrals_for(user) -> QuerySet:
    """Referrals the user reads: the engine's :func:`jiayuan.cases.selectors.cases_for`
    (scope, ``view_cases``, and the type's read filter :func:`referral_readers`), newest
    first."""
    from ..cases import selectors as case_selectors

    return case_selectors.cases_for(user).filter(type_code=REFERRAL_TYPE).select_related(
        "subject_person").order_by("-created_at", "-id")


def referrals_of(user, file: ChildFile) -> list[dict]:
    """The referrals of the child of ``file`` the user reads, each ``{"case", "agency",
    "state", "outcome", "result"}`` (the outcome and the result text of its 办结 line,
    empty while open): what the file shows as the referrals' outcome (two queries)."""
    from ..cases.models import CaseEvent
    from ..cases.selectors import decl_of
    from .case_types import AGENCIES, OUTCOMES

    cases = list(referrals_for(user).filter(subject_person_id=file.person_id))
    closes = {e.case_id: e for e in CaseEvent.objects.filter(case__in=cases, action="close").order_by("seq")}
    agencies, outcomes = dict(AGENCIES), dict(OUTCOMES)
    out = []
    for c in cases:
        e = closes.get(c.pk)
        out.append({"case": c, "agency": agencies.get(c.data.get("agency", ""), ""),
                    "agency_name": c.data.get("agency_name", ""),
                    "state": decl_of(c.case_type_id).state(c.state).name,
                    "outcome": outcomes.get((e.data or {}).get("outcome", ""), "") if e else "",
                    "result": e.comment if e else ""})
    return out


def closures_of(file: ChildFile) -> QuerySet:
    """The file's closings and reopenings, newest first (who joined)."""
    return file.closures.select_related("closed_by", "reopened_by").order_by("-closed_on", "-id")


# --- indicators ------------------------------------------------------------------------------

def _with_category(qs: QuerySet, code: str, prefix: str = "") -> QuerySet:
    """``qs`` (files, or rows reaching files by ``prefix``) narrowed to files whose
    confirmed categories hold ``code`` (JSON containment on PostgreSQL, the quoted code
    in the text on SQLite)."""
    if _json_contains():
        return qs.filter(**{f"{prefix}categories__contains": [code]})
    return qs.filter(**{f"{prefix}categories__icontains": f'"{code}"'})


def home_left_behind_enrolments(region_code: str, day: datetime.date) -> QuerySet:
    """Enrolments of rural left-behind children (``left_behind`` on their file) open on
    ``day`` at a children's home located under ``region_code``: enrolled on or before
    ``day``, not left before it, whose file was not closed on or before ``day``. A child
    enrolled at two homes has two rows. Unscoped (for the indicator, a count with no
    personal detail)."""
    from ..stats.registry import under
    from .models import HomeEnrolment

    files = _with_category(ChildFile.objects.filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day)),
                           rules.LEFT_BEHIND)
    return (HomeEnrolment.objects.filter(under("home__region__code", region_code), enrolled_on__lte=day)
            .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
            .filter(person_id__in=files.values("person_id")))


def home_left_behind_person_ids(region_code: str, day: datetime.date) -> QuerySet:
    """Ids (``values("person_id")``, distinct) of the children of
    :func:`home_left_behind_enrolments`."""
    return home_left_behind_enrolments(region_code, day).values("person_id").distinct()


# --- allowances (assistance programs enrolled from the file) ---------------------------------

ALLOWANCE_CATEGORY = {"orphan_allowance": "orphan", "de_facto_unsupported_allowance": rules.DE_FACTO_UNSUPPORTED}


def _names_orphan(derived) -> bool:
    return any(f.get("code") == "orphan" for c in derived or [] for f in c.get("facts") or [])


def is_orphan(file: ChildFile) -> bool:
    """Whether the file's confirmed facts name the child an orphan (both parents deceased
    or declared missing: the ``orphan`` fact of 困境儿童, :mod:`rules`)."""
    return _names_orphan(file.category_facts)


def allowance_holds(file: ChildFile, program: str) -> tuple[bool, bool | None]:
    """``(confirmed, proposed)`` for the allowance ``program`` on ``file``: whether the
    confirmed categories of the open file hold for it (孤儿 for ``orphan_allowance``,
    事实无人抚养儿童 for ``de_facto_unsupported_allowance``: what
    :func:`allowance_facts` tells the enrollment), and whether the derivation waiting for
    review still does (None when nothing waits). A closed file holds nothing."""
    def holds(derived) -> bool:
        if program == "orphan_allowance":
            return _names_orphan(derived)
        return rules.DE_FACTO_UNSUPPORTED in rules.category_codes(derived or [])

    if file.status != ChildFile.Status.OPEN:
        return False, None
    return holds(file.category_facts), (holds(file.proposed) if file.proposed is not None else None)


def allowances_of(user, file: ChildFile) -> list[dict]:
    """The child's enrollments in the children's allowances (:data:`ALLOWANCE_CATEGORY`)
    that the user reads in the assistance module (its scope and ``view_assistance``:
    none without), newest first, each ``{"enrollment", "lines", "holds", "proposed_holds",
    "open"}``: its payment lines (pending, paid, failed; voided ones are history of a
    regenerated batch and left out), newest benefit month first, and whether the file's
    category still holds for it (:func:`allowance_holds`). Two queries."""
    from ..assistance.models import PaymentLine
    from ..assistance.selectors.enrollments import OPEN, enrollments_for
    from ..assistance.selectors.ledgers import lines_for

    enrollments = list(enrollments_for(user).filter(person_id=file.person_id, program_id__in=list(ALLOWANCE_CATEGORY))
                       .order_by("-start_month", "-id"))
    lines: dict[int, list] = {}
    if enrollments:
        for line in (lines_for(user).filter(person_id=file.person_id, enrollment_id__in=[e.pk for e in enrollments])
                     .exclude(status=PaymentLine.Status.VOIDED).order_by("-benefit_month", "-id")):
            lines.setdefault(line.enrollment_id, []).append(line)
    out = []
    for e in enrollments:
        confirmed, proposed = allowance_holds(file, e.program_id)
        out.append({"enrollment": e, "lines": lines.get(e.pk, []), "holds": confirmed, "proposed_holds": proposed,
                    "open": e.status in OPEN})
    return out


def allowance_facts(person, program: str) -> dict:
    """``{"category_confirmed": bool}`` for the enrollment service (registry facts of
    the children's allowances): the person's **open** file confirms 孤儿
    (``orphan_allowance``) or 事实无人抚养儿童 (``de_facto_unsupported_allowance``). What
    is confirmed counts, not a proposal waiting for review. Unscoped (the enrollment
    service scoped the person)."""
    file = ChildFile.objects.filter(person=person, status=ChildFile.Status.OPEN).first()
    if file is None:
        return {"category_confirmed": False}
    if program == "orphan_allowance":
        return {"category_confirmed": is_orphan(file)}
    return {"category_confirmed": rules.DE_FACTO_UNSUPPORTED in (file.categories or [])}
