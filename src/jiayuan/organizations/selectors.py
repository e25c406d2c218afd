"""Scoped reads of the organization registry and of purchased-service projects.

Who sees what (docs/organizations.md, docs/permissions.md):

- staff with ``view_organizations`` (community, street/township, county, city): the
  organizations, filings and incubation bases registered in their region subtree, and
  the calls, proposals and projects of calls issued in it;
- an organization's own staff (``act_for_organization``, through an active
  :class:`OrganizationMember`): their organizations, the calls issued for their area
  (a call of their scope's county or of a region inside their scope), their own
  proposals and projects — nothing of other organizations;
- a review panel member (any role): the calls they sit on and the proposals of those
  calls once they passed the eligibility check.

Out of scope answers :class:`jiayuan.errors.NotFound` (404), as for an object that does
not exist. Residents: an organization's staff see no resident by default; the one hook
that may let a contract entitle them is :func:`resident_fields_for` (see there).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from ..accounts.permissions import Perm
from ..errors import NotFound, get_or_not_found
from .models import (
    AnnualInspection, CommunityFiling, FilingStatus, Incubation, IncubationBase, Instalment, Milestone, Objection,
    OrganizationMember, OrganizationRating, PanelMember, ProjectCall, ProjectStatus, Proposal, ProposalStatus,
    ResidentField, ReviewScore, ServiceProject, SocialOrganization,
)


CENT = Decimal("0.01")  # SQLite's SUM loses the scale of a DecimalField: amounts are given it back


def _int(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError, OverflowError):
        raise NotFound() from None


def member_organization_ids(user) -> list[int]:
    """Ids of the organizations ``user`` works for (active memberships)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(OrganizationMember.objects.filter(user=user, active=True).values_list("organization_id", flat=True))


def organizations_worked_for(user) -> QuerySet:
    """The organizations ``user`` works for as their staff (active memberships, the
    org-staff right), by name: for the home page's "所在机构"."""
    if not getattr(user, "is_authenticated", False) or not user.can(Perm.ACT_FOR_ORGANIZATION):
        return SocialOrganization.objects.none()
    return SocialOrganization.objects.filter(pk__in=_own_organizations(user)).order_by("name")


def is_member(user, organization: SocialOrganization) -> bool:
    """Whether ``user`` is active staff of ``organization`` with the org-staff right."""
    return user.can(Perm.ACT_FOR_ORGANIZATION) and OrganizationMember.objects.filter(
        user=user, organization=organization, active=True).exists()


def _own_organizations(user) -> QuerySet:
    """Subquery of the ids of the organizations ``user`` works for (active memberships)."""
    return OrganizationMember.objects.filter(user=user, active=True).values("organization_id")


def _scoped(qs: QuerySet, user, *, region_code: str, organization: str) -> QuerySet:
    """``qs`` narrowed to what ``user`` sees: rows whose ``region_code`` lies in its
    region subtree (``view_organizations``) or whose ``organization`` field is one of
    the organizations it works for (``act_for_organization``); everything for a
    superuser, nothing without either right."""
    if user.is_superuser:
        return qs
    cond = Q(pk__in=[])
    if user.can(Perm.VIEW_ORGANIZATIONS):
        cond |= Q(**{f"{region_code}__startswith": user.scope_code})
    if user.can(Perm.ACT_FOR_ORGANIZATION):
        cond |= Q(**{f"{organization}__in": _own_organizations(user)})
    return qs.filter(cond)


def _get(qs: QuerySet, pk, code: str):
    """The row ``pk`` of the scoped ``qs``; ``NotFound(code)`` if it is not there."""
    try:
        return qs.get(pk=_int(pk))
    except qs.model.DoesNotExist:
        raise NotFound(code) from None


# --- organizations ----------------------------------------------------------------------------

def organizations_for(user) -> QuerySet:
    """Organizations visible to ``user``: its region subtree (``view_organizations``)
    and the organizations it works for (``act_for_organization``)."""
    return _scoped(SocialOrganization.objects.select_related("region"), user,
                   region_code="region__code", organization="pk")


def operators_for(user) -> QuerySet:
    """Active organizations that may run a facility or a home in the user's area: those
    registered in the user's county (or, for a city user, the city; all for the
    superuser), by name. For the "运营方" dropdowns of other modules (which slice it) and
    their services' check of the chosen one."""
    qs = SocialOrganization.objects.filter(status="active")
    county = (user.scope_code or "")[:6]
    if county:
        qs = qs.filter(region__code__startswith=county)
    return qs.order_by("name", "id")


def get_organization(user, pk) -> SocialOrganization:
    """The organization ``pk`` if visible to ``user``; NotFound otherwise."""
    return _get(organizations_for(user), pk, "organization.not_found")


def search_organizations(user, *, q: str = "", kind: str = "", status: str = "", region: str = "",
                         grade: int | None = None) -> QuerySet:
    """Organizations in scope by name or code fragment ``q``, ``kind``, ``status``,
    ``region`` (code prefix) and current rating ``grade``; annotated with ``grade_now``
    (latest rating's grade, None without one)."""
    from django.db.models import OuterRef, Subquery

    latest = OrganizationRating.objects.filter(organization=OuterRef("pk")).order_by("-rated_on", "-id")
    qs = organizations_for(user).annotate(grade_now=Subquery(latest.values("grade")[:1]))
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(uscc__startswith=q.upper()))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if region:
        qs = qs.filter(region__code__startswith=region)
    if grade:
        qs = qs.filter(grade_now=grade)
    return qs.order_by("region_id", "name")


def current_rating(organization: SocialOrganization, on: date | None = None) -> OrganizationRating | None:
    """The latest rating of ``organization`` still valid on ``on`` (default today)."""
    on = on or timezone.localdate()
    return organization.ratings.filter(rated_on__lte=on, valid_until__gte=on).order_by("-rated_on", "-id").first()


def inspections_of(organization) -> QuerySet:
    return AnnualInspection.objects.filter(organization=organization).order_by("-year")


def members_of(organization) -> QuerySet:
    return OrganizationMember.objects.filter(organization=organization).select_related("user").order_by("-active", "id")


def account_to_link(user, username: str):
    """The account ``username`` a manager may link to an organization: in ``user``'s
    region subtree (any for the superuser); None when unknown or outside."""
    from ..accounts.models import User

    qs = User.objects.filter(username=str(username or "").strip())
    if not user.is_superuser:
        qs = qs.filter(scope__code__startswith=user.scope_code)
    return qs.first()


def get_member(organization, pk) -> OrganizationMember:
    """A staff row of ``organization`` (read through :func:`get_organization`)."""
    return _get(members_of(organization), pk, "member.not_found")


# --- filings, incubation -------------------------------------------------------------------------

def filings_for(user) -> QuerySet:
    """Filings of community organizations active in ``user``'s subtree (community,
    street: ``view_organizations``) and the filing of its own organization (staff)."""
    return _scoped(CommunityFiling.objects.select_related("organization", "community"), user,
                   region_code="community__code", organization="organization_id")


def get_filing(user, pk) -> CommunityFiling:
    return _get(filings_for(user), pk, "filing.not_found")


def filings_waiting(user) -> QuerySet:
    """Filings waiting for ``user``: the first check for a community (``check_filings``),
    the decision for a street (``decide_filings``), oldest first."""
    states = []
    if user.can(Perm.CHECK_FILINGS):
        states.append(FilingStatus.SUBMITTED)
    if user.can(Perm.DECIDE_FILINGS):
        states.append(FilingStatus.CHECKED)
    if not states:
        return CommunityFiling.objects.none()
    return filings_for(user).filter(status__in=states).order_by("filed_on", "id")


def bases_for(user) -> QuerySet:
    """Incubation bases in ``user``'s subtree (or operated by its organization)."""
    qs = IncubationBase.objects.select_related("region", "operator").annotate(
        open_count=Count("incubations", filter=Q(incubations__exited_on__isnull=True)))
    return _scoped(qs, user, region_code="region__code", organization="operator_id")


def get_base(user, pk) -> IncubationBase:
    return _get(bases_for(user), pk, "incubation_base.not_found")


def incubations_of(base) -> QuerySet:
    return (Incubation.objects.filter(base=base).select_related("organization")
            .annotate(service_count=Count("services")).order_by("exited_on", "-entered_on"))


def get_incubation(user, pk) -> Incubation:
    qs = Incubation.objects.select_related("base", "organization").filter(base_id__in=bases_for(user).values("pk"))
    return _get(qs, pk, "incubation.not_found")


# --- calls, proposals, projects ------------------------------------------------------------------

def _ancestors(code: str) -> list[str]:
    """The codes of ``code``'s ancestors and itself (2, 4, 6, 9, 12 digits)."""
    return [code[:n] for n in (2, 4, 6, 9, 12, 15) if len(code) >= n]


def calls_for(user) -> QuerySet:
    """Calls visible to ``user``: issued in its subtree (view), issued for its area (an
    ancestor of its scope: org staff and staff of lower levels read the county's calls),
    or sat on as a panel member."""
    qs = ProjectCall.objects.select_related("region")
    if user.is_superuser:
        return qs
    cond = Q(pk__in=PanelMember.objects.filter(user=user).values("call_id"))
    if user.can(Perm.VIEW_ORGANIZATIONS) or user.can(Perm.ACT_FOR_ORGANIZATION):
        cond |= Q(region__code__startswith=user.scope_code) | Q(region_id__in=_ancestors(user.scope_id or ""))
    return qs.filter(cond)


def get_call(user, pk) -> ProjectCall:
    return _get(calls_for(user), pk, "call.not_found")


def panel_member(user, call) -> PanelMember | None:
    """``user``'s seat on ``call``'s panel, or None."""
    return PanelMember.objects.filter(call=call, user=user).prefetch_related("conflicts").first()


def panel_for(user, call) -> QuerySet:
    """The panel of ``call`` (read through :func:`get_call`) as ``user`` may see it, with
    the accounts and declared conflicts: the whole panel for the civil-affairs staff
    whose subtree the call was issued in (``view_organizations``) and superusers; for
    anyone else — an applicant organization's staff, an expert seated from elsewhere,
    staff below the call's region — only their own seat. Who reviews a proposal is not
    the applicants' to know (they could lobby the experts)."""
    qs = call.panel.select_related("user").prefetch_related("conflicts")
    if user.is_superuser or (user.can(Perm.VIEW_ORGANIZATIONS) and call.region_id.startswith(user.scope_code)):
        return qs
    return qs.filter(user=user)


def scores_visible(user, call) -> bool:
    """Whether ``user`` sees the combined review scores of ``call``'s proposals and the
    other experts' sheets: once the review has ended (the call is past ``open`` and
    ``reviewing``), and always for the civil-affairs managers of the call
    (``manage_projects`` in the call's region) and superusers. Until then an expert sees
    only their own sheet — from the combined score of two experts one works out the
    other's."""
    if call.status not in ("open", "reviewing") or user.is_superuser:
        return True
    return user.can(Perm.MANAGE_PROJECTS) and call.region_id.startswith(user.scope_code or "")


def proposals_for(user) -> QuerySet:
    """Proposals visible to ``user``: those of calls of its subtree (view), its own
    organizations' (staff), and, for a panel member, the proposals of its calls that
    passed the eligibility check."""
    qs = Proposal.objects.select_related("call", "organization")
    if user.is_superuser:
        return qs
    reviewed = PanelMember.objects.filter(user=user).values("call_id")
    cond = Q(call_id__in=reviewed) & ~Q(status__in=[ProposalStatus.DRAFT, ProposalStatus.SUBMITTED,
                                                    ProposalStatus.INELIGIBLE])
    if user.can(Perm.VIEW_ORGANIZATIONS):
        cond |= Q(call__region__code__startswith=user.scope_code) & ~Q(status=ProposalStatus.DRAFT)
    if user.can(Perm.ACT_FOR_ORGANIZATION):
        cond |= Q(organization_id__in=_own_organizations(user))
    return qs.filter(cond)


def get_proposal(user, pk) -> Proposal:
    return _get(proposals_for(user), pk, "proposal.not_found")


def get_objection(user, pk) -> Objection:
    """An objection to a proposal ``user`` sees (:func:`proposals_for`); NotFound otherwise."""
    qs = Objection.objects.select_related("proposal__call", "notice").filter(
        proposal_id__in=proposals_for(user).values("pk"))
    return _get(qs, pk, "objection.not_found")


def scores_of(proposal: Proposal, member: PanelMember | None = None) -> QuerySet:
    """The review scores of ``proposal`` (already read through :func:`get_proposal`),
    only ``member``'s sheet when given; each with its panel member's account."""
    qs = ReviewScore.objects.filter(proposal=proposal).select_related("member__user")
    return qs.filter(member=member) if member is not None else qs


def panel_exclusions(proposal: Proposal) -> dict[int, str]:
    """The members of ``proposal``'s panel excluded from scoring it, by
    :class:`PanelMember` id, with the reason: ``"declared"`` (a conflict of interest
    they declared with the organization) or ``"org_member"`` (their account is active
    staff of the proposing organization, :class:`OrganizationMember` — excluded
    automatically). Their sheets do not count in the proposal's score. Two queries."""
    staff = set(OrganizationMember.objects.filter(organization_id=proposal.organization_id, active=True)
                .values_list("user_id", flat=True))
    out = {}
    for m in PanelMember.objects.filter(call_id=proposal.call_id).prefetch_related("conflicts"):
        if proposal.organization_id in {o.pk for o in m.conflicts.all()}:
            out[m.pk] = "declared"
        elif m.user_id in staff:
            out[m.pk] = "org_member"
    return out


def proposals_to_score(user) -> list[Proposal]:
    """Eligible proposals of calls under review where ``user`` sits on the panel, has
    no conflict with the organization (declared, or its active staff) and has not finished its sheet; oldest call
    deadline first. Two queries."""
    seats = PanelMember.objects.filter(user=user, call__status="reviewing")
    qs = (Proposal.objects.select_related("call", "organization")
          .filter(call_id__in=seats.values("call_id"), status=ProposalStatus.ELIGIBLE)
          .exclude(organization_id__in=seats.filter(conflicts__isnull=False).values("conflicts"))
          .exclude(organization_id__in=_own_organizations(user))
          .annotate(mine=Count("review_scores", filter=Q(review_scores__member__user=user)))
          .order_by("call__deadline", "id"))
    return [p for p in qs if p.mine < len(p.call.criteria or ())]


def projects_for(user) -> QuerySet:
    """Contracted projects visible to ``user``: in its subtree (view) or its own
    organizations' (staff)."""
    return _scoped(ServiceProject.objects.select_related("organization", "region", "call"), user,
                   region_code="call__region__code", organization="organization_id")


def get_project(user, pk) -> ServiceProject:
    return _get(projects_for(user), pk, "project.not_found")


def milestone_of(project: ServiceProject, pk) -> Milestone | None:
    """The milestone ``pk`` of ``project`` (read through :func:`get_project`), or None."""
    try:
        return get_or_not_found(Milestone.objects.filter(project=project), pk=pk)
    except NotFound:   # also "abc" or an id too large for the column
        return None


def get_milestone(user, pk) -> Milestone:
    """A milestone of a project ``user`` sees (:func:`projects_for`); NotFound otherwise."""
    qs = Milestone.objects.select_related("project__call").filter(project_id__in=projects_for(user).values("pk"))
    return _get(qs, pk, "milestone.not_found")


def milestones_due(user, within_days: int = 30) -> QuerySet:
    """Unmet milestones of active projects visible to ``user`` due within
    ``within_days`` days (or overdue), earliest first."""
    limit = timezone.localdate() + timezone.timedelta(days=within_days)
    return (Milestone.objects.filter(project__in=projects_for(user).filter(status=ProjectStatus.ACTIVE),
                                     met_on__isnull=True, due_on__lte=limit)
            .select_related("project").order_by("due_on", "id"))


def milestones_reported(user) -> QuerySet:
    """Unmet milestones with a report waiting for the county's acceptance (``manage_projects``)."""
    if not user.can(Perm.MANAGE_PROJECTS):
        return Milestone.objects.none()
    return (Milestone.objects.filter(project__in=projects_for(user).filter(status=ProjectStatus.ACTIVE),
                                     met_on__isnull=True, reports__isnull=False)
            .distinct().select_related("project").order_by("due_on", "id"))


def instalments_due(user) -> QuerySet:
    """Instalments whose milestone is met and that are not paid yet (a final one also
    waits for the final evaluation): ``manage_projects``."""
    if not user.can(Perm.MANAGE_PROJECTS):
        return Instalment.objects.none()
    return (Instalment.objects.filter(project__in=projects_for(user), milestone__met_on__isnull=False,
                                      payment__isnull=True)
            .select_related("project", "milestone").order_by("milestone__met_on", "id"))


def projects_without_recent_service(user, days: int = 30) -> QuerySet:
    """Active projects of ``user``'s organizations (staff) with no service recorded in
    the last ``days`` days: services to record. The days count from the later of the
    service start and ``days`` days ago, so a project whose service started less than
    ``days`` days ago (or starts later) is not listed: with 30 days, started 29 days ago
    no, 30 days ago yes unless a service was recorded since."""
    if not user.can(Perm.ACT_FOR_ORGANIZATION):
        return ServiceProject.objects.none()
    since = timezone.localdate() - timezone.timedelta(days=days)
    return (projects_for(user).filter(status=ProjectStatus.ACTIVE, organization_id__in=member_organization_ids(user),
                                      starts_on__lte=since)
            .exclude(service_records__delivered_on__gte=since).order_by("ends_on", "id"))


def _money(amount: Decimal, paid: Decimal | None) -> dict:
    paid = (paid or Decimal(0)).quantize(CENT)
    return {"amount": amount, "paid": paid, "unpaid": amount - paid}


def project_money(project: ServiceProject) -> dict:
    """``{"amount", "paid", "unpaid"}`` in yuan for one project."""
    return _money(project.amount, project.instalments.aggregate(s=Sum("payment__amount"))["s"])


def projects_listed(user, limit: int = 200) -> list[ServiceProject]:
    """The projects visible to ``user``, latest contract first, at most ``limit``, each
    with ``.money`` as :func:`project_money` gives it — in one query, not one per row."""
    qs = (projects_for(user).annotate(paid_sum=Sum("instalments__payment__amount"))
          .order_by("-signed_on", "-id")[:limit])
    projects = list(qs)
    for pr in projects:
        pr.money = _money(pr.amount, pr.paid_sum)
    return projects


def projects_for_export(user, *, region=None, year: int | None = None, status: str = "") -> list[ServiceProject]:
    """The projects visible to ``user`` of calls in ``region``'s subtree (a Region read
    through the scoped region selector, or None), signed in ``year`` (None: any), with
    ``status`` ("" any), contract order; each with ``.money`` (:func:`project_money`)
    and ``.final_evaluation`` (the final :class:`Evaluation` or None). Two queries."""
    from django.db.models import Prefetch

    from .models import Evaluation, EvaluationStage

    qs = projects_for(user).select_related("organization", "region", "call")
    if region is not None:
        qs = qs.filter(call__region__code__startswith=region.code)
    if year:
        qs = qs.filter(signed_on__year=year)
    if status:
        qs = qs.filter(status=status)
    qs = (qs.annotate(paid_sum=Sum("instalments__payment__amount"))
          .prefetch_related(Prefetch("evaluations", queryset=Evaluation.objects.filter(stage=EvaluationStage.FINAL),
                                     to_attr="finals"))
          .order_by("signed_on", "contract_number"))
    out = list(qs)
    for p in out:
        p.money = _money(p.amount, p.paid_sum)
        p.final_evaluation = p.finals[0] if p.finals else None
    return out


def payments_for(user, *, region=None, year: int | None = None) -> QuerySet:
    """Payments (:class:`InstalmentPayment`) of the projects visible to ``user``, of calls
    in ``region``'s subtree (or None), released in ``year`` (None: any); by release date."""
    from .models import InstalmentPayment

    projects = projects_for(user)
    if region is not None:
        projects = projects.filter(call__region__code__startswith=region.code)
    qs = InstalmentPayment.objects.filter(instalment__project__in=projects.values("pk"))
    if year:
        qs = qs.filter(released_on__year=year)
    return (qs.select_related("instalment__project__organization", "instalment__milestone", "released_by")
            .order_by("released_on", "instalment__project__contract_number", "instalment__seq"))


def call_committed(call: ProjectCall) -> Decimal:
    """Yuan committed by the call's contracts (sum of contract amounts)."""
    return (call.projects.aggregate(s=Sum("amount"))["s"] or Decimal(0)).quantize(CENT)


def resident_fields_for(user, project: ServiceProject) -> tuple[str, ...]:
    """The resident fields ``user`` may read for ``project`` as the organization's staff:
    those the contract grants (``ServiceProject.resident_fields``, :class:`ResidentField`
    codes chosen by the county from an allowed list — by default ``("name", "region",
    "phone_masked")``, what a visit needs; never the ID number, birth date or household)
    when the contract entitles the organization (``ServiceProject.resident_access``),
    the project is active and ``user`` is active staff of the organization; ``()``
    otherwise. They are read for the residents the
    county named (:class:`ProjectBeneficiary`, current rows only) through
    :func:`residents_of`."""
    if (not project.resident_access or project.status != ProjectStatus.ACTIVE
            or not is_member(user, project.organization)):
        return ()
    return tuple(f for f in ResidentField.values if f in set(project.resident_fields or ()))


def community_of(region):
    """The community (village level) of a person's ``region``: a grid's parent, else the
    region itself — what a "所在社区" column shows."""
    return region.parent if region.is_grid and region.parent_id else region


def beneficiaries_of(user, project: ServiceProject) -> QuerySet:
    """The residents named for ``project`` (read through :func:`get_project`), current
    ones first, for the county that manages it (``manage_projects`` in its subtree):
    the full rows with their persons. Empty for anyone else."""
    from .models import ProjectBeneficiary

    if not (user.is_superuser or (user.can(Perm.MANAGE_PROJECTS) and project.call.region_id.startswith(user.scope_code))):
        return ProjectBeneficiary.objects.none()
    return (ProjectBeneficiary.objects.filter(project=project).select_related("person__region__parent")
            .order_by("ended_on", "id"))


def residents_of(user, project: ServiceProject) -> list[dict]:
    """The current residents of ``project`` as the organization's staff may read them:
    one dict per person holding only :func:`resident_fields_for` (``name``, ``region``:
    the community's name, ``phone_masked``, ``phone``, ``address``, ``age``: full years
    today, ``sex``: its name, ``categories``: the names of the person's current tags)
    plus ``id`` (the entitlement row's id, not the person's). ``[]`` when the contract does not entitle ``user``. The caller audits
    the read (:func:`jiayuan.organizations.services.projects.record_residents_read`)."""
    from ..people.rules import mask_phone
    from .models import ProjectBeneficiary

    fields = resident_fields_for(user, project)
    if not fields:
        return []
    from ..people.rules import age_on

    rows = (ProjectBeneficiary.objects.filter(project=project, ended_on__isnull=True)
            .select_related("person__region__parent").order_by("id"))
    if "categories" in fields:
        rows = rows.prefetch_related("person__tags__kind")
    today = timezone.localdate()
    read = {"name": lambda p: p.name, "region": lambda p: community_of(p.region).name,
            "phone_masked": lambda p: mask_phone(p.phone), "phone": lambda p: p.phone,
            "address": lambda p: p.address, "age": lambda p: age_on(p.birth_date, today),
            "sex": lambda p: str(p.get_sex_display()),
            "categories": lambda p: sorted(t.kind.name for t in p.tags.all() if t.is_current(today))}
    return [{"id": b.pk, "person_id": b.person.pk} | {f: read[f](b.person) for f in fields} for b in rows[:500]]
