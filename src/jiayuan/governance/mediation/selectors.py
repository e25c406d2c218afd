"""Scoped reads of people's mediation. A mediation case is read through the case
engine's one selector (:func:`jiayuan.cases.selectors.cases_for`: scope and the type's
``read_permission`` ``view_mediation``); the file's rows are reached from the case only.
Out of scope or need-to-know is :class:`~jiayuan.errors.NotFound`."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet

from ...accounts.permissions import Perm, acting_roles
from ...cases import selectors as case_selectors
from ...cases.models import Case, Department
from ...errors import NotFound
from ...regions.models import Region
from ..models import (BodyMember, MediationAgreement, MediationFile, MediationPoliceReport, MediationRefusal,
                      SelfGovernanceBody)
from . import rules

TYPE = "mediation_case"
MEDIATION_KIND = "mediation"
MEDIATOR_ROLES = frozenset({"community_worker", "township_officer"})


def may_mediate(user) -> bool:
    """Whether the role records mediation (the roles the case type lets open and work one)."""
    return user.is_active and (user.is_superuser or bool(acting_roles(user.role) & MEDIATOR_ROLES))


def mediation_cases(user) -> QuerySet:
    """Mediation cases the user may read, newest first."""
    return case_selectors.cases_for(user).filter(type_code=TYPE).order_by("-created_at", "-id")


def get_case(user, number: str) -> Case:
    try:
        case = case_selectors.get_case(user, number)
    except NotFound:
        raise NotFound("mediation.not_found") from None
    if case.type_code != TYPE:
        raise NotFound("mediation.not_found")
    return case


def file_of(case: Case) -> MediationFile | None:
    return (MediationFile.objects.select_related("committee", "committee__region").filter(case=case).first())


@dataclass
class MediationView:
    case: Case
    file: MediationFile | None
    mediators: list
    sessions: list
    agreement: MediationAgreement | None
    followups: list
    police_reports: list


def mediation_view(user, number: str) -> MediationView:
    """Everything the mediation page shows of case ``number`` (NotFound outside what the
    user reads)."""
    case = get_case(user, number)
    f = file_of(case)
    if f is None:
        return MediationView(case, None, [], [], None, [], [])
    return MediationView(
        case=case, file=f,
        mediators=[a.member for a in f.assignments.select_related("member").order_by("id")],
        sessions=list(f.sessions.select_related("recorded_by")),
        agreement=MediationAgreement.objects.filter(file=f).first(),
        followups=list(f.followups.select_related("recorded_by")),
        police_reports=list(f.police_reports.select_related("department", "reported_by", "received_by")),
    )


# --- committees ----------------------------------------------------------------------

def committees(user) -> QuerySet:
    """Live people's mediation committees in the user's scope."""
    qs = SelfGovernanceBody.objects.filter(kind__code=MEDIATION_KIND, active=True).select_related("region", "kind")
    if not user.is_superuser:
        qs = qs.filter(region__code__startswith=user.scope_code)
    return qs.annotate(n_members=Count("members", filter=Q(members__active=True))).order_by("region_id")


def committee_for(user, region_code: str) -> SelfGovernanceBody | None:
    """The live mediation committee of the community or village of ``region_code`` (a
    grid's community) in the user's scope."""
    return committees(user).filter(region_id=(region_code or "")[:12]).first()


def get_committee(user, pk) -> SelfGovernanceBody:
    try:
        return committees(user).get(pk=int(pk))
    except (SelfGovernanceBody.DoesNotExist, ValueError, TypeError):
        raise NotFound("committee.not_found") from None


def members_of(body: SelfGovernanceBody) -> QuerySet:
    return BodyMember.objects.filter(body=body, active=True).select_related("user").order_by("role", "id")


# --- deadlines, results, police reports -------------------------------------------------

def confirmation_windows(user, today: date) -> QuerySet:
    """Agreements of open cases whose 30-day court-confirmation window is still open
    (deadline ≥ today), nearest deadline first."""
    ids = mediation_cases(user).filter(is_open=True).values("pk")
    return (MediationAgreement.objects.filter(file__case__in=ids, court_confirmation_deadline__gte=today)
            .select_related("file__case").order_by("court_confirmation_deadline", "id"))


def followups_due(user, today: date) -> QuerySet:
    """Agreements still open (履行中) whose performance deadline has passed with no
    follow-up since: the mediator visits to see whether it was performed."""
    ids = mediation_cases(user).filter(state="agreed").values("pk")
    qs = MediationAgreement.objects.filter(file__case__in=ids, performance_deadline__lt=today)
    return (qs.exclude(file__followups__visited_on__gte=F("performance_deadline"))
            .select_related("file__case").order_by("performance_deadline", "id"))


def results(user, region: Region, start: date, end: date) -> dict:
    """Results for ``region`` and the period (both dates included): ``cases`` = cases
    registered in it, ``agreements`` = agreements signed in it, ``performed`` = cases
    whose agreement was confirmed performed (closed as 协议已履行) in it; ``refused`` =
    openings refused because a party clearly refused; per category."""
    if not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    cases = mediation_cases(user).filter(region__code__startswith=region.code)
    files = MediationFile.objects.filter(case__in=cases.values("pk"))
    registered = files.filter(registered_on__range=(start, end))
    agreements = MediationAgreement.objects.filter(file__in=files, signed_on__range=(start, end))
    performed = files.filter(case__state="performed", case__closed_at__date__range=(start, end))
    by_cat = {c: {"code": c, "cases": 0, "agreements": 0, "performed": 0} for c in rules.CATEGORIES}
    for row in registered.values("category").annotate(n=Count("id")):
        by_cat.setdefault(row["category"], {"code": row["category"], "cases": 0, "agreements": 0, "performed": 0})
        by_cat[row["category"]]["cases"] = row["n"]
    for row in agreements.values("file__category").annotate(n=Count("id")):
        by_cat[row["file__category"]]["agreements"] = row["n"]
    for row in performed.values("category").annotate(n=Count("id")):
        by_cat[row["category"]]["performed"] = row["n"]
    refused = MediationRefusal.objects.filter(region__code__startswith=region.code,
                                              recorded_at__date__range=(start, end))
    if not user.is_superuser:
        refused = refused.filter(region__code__startswith=user.scope_code)
    return {"cases": registered.count(), "agreements": agreements.count(), "performed": performed.count(),
            "refused": refused.count(),
            "rows": [r for r in by_cat.values() if r["cases"] or r["agreements"] or r["performed"]]}


def police_departments(case: Case) -> QuerySet:
    """Active departments on the case's region path (the police station, the county's
    public security bureau …)."""
    prefixes = [case.region_id[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(case.region_id)]
    return Department.objects.filter(active=True, region_id__in=prefixes).order_by("region_id", "code")


def police_reports_for(user) -> QuerySet:
    """Police reports the user may read: department staff the reports to their
    departments; mediation readers those of the cases they read."""
    qs = MediationPoliceReport.objects.select_related("file__case", "file__case__region", "department")
    if getattr(user, "role", "") == "department_staff":
        return qs.filter(department_id__in=case_selectors.departments_of(user)).order_by("-reported_at")
    if not user.can(Perm.VIEW_MEDIATION):
        return qs.none()
    return qs.filter(file__case__in=mediation_cases(user).values("pk")).order_by("-reported_at")


def get_police_report(user, pk) -> MediationPoliceReport:
    try:
        return police_reports_for(user).get(pk=int(pk))
    except (MediationPoliceReport.DoesNotExist, ValueError, TypeError):
        raise NotFound("police_report.not_found") from None


def reports_to_receive(user) -> QuerySet:
    if getattr(user, "role", "") != "department_staff":
        return MediationPoliceReport.objects.none()
    return police_reports_for(user).filter(received_at__isnull=True).order_by("reported_at", "id")


def member_accounts(user, body: SelfGovernanceBody) -> QuerySet:
    """Accounts that may be linked to a member of ``body``: active community workers and
    directors of its community (the mediators who record cases in the platform)."""
    from ...accounts.models import User

    return User.objects.filter(is_active=True, role__in=("community_worker", "community_director"),
                               scope__code__startswith=body.region_id).order_by("username")
