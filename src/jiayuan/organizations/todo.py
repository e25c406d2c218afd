"""To-do sources of social organizations and purchased-service projects.

For an organization's own staff (社会组织人员, whose home page is these cards): calls open
to their organization, their proposals on their way, their active contracts, milestones
coming due (30 days) without a report, projects with no service recorded in 30 days. For a review panel member: proposals to score. For the county
(``manage_projects``): proposals to check, milestones reported to confirm, instalments
to release. For communities and streets: filings to check or decide. Every source reads
the module's scoped selectors."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ..accounts.permissions import Perm
from ..web.todo import TodoItem, TodoSource, register
from . import selectors
from .models import CallStatus, ProgressReport, Proposal, ProposalStatus, ServiceProject

# roles whose accounts sit on review panels (any account may; these see the source)
PANEL_ROLES = frozenset({"city_admin", "county_officer", "township_officer", "department_staff"})


def _staff(user) -> bool:
    return user.can(Perm.ACT_FOR_ORGANIZATION) and not user.is_superuser


# --- organization staff --------------------------------------------------------------------------

def open_calls(user):
    """Calls open for proposals, deadline not passed, where one of ``user``'s
    organizations has not submitted yet (a draft still waits)."""
    today = timezone.localdate()
    orgs = selectors.member_organization_ids(user)
    submitted = Proposal.objects.filter(call=OuterRef("pk"), organization_id__in=orgs).exclude(
        status=ProposalStatus.DRAFT)
    return (selectors.calls_for(user).filter(status=CallStatus.OPEN, deadline__gte=today)
            .annotate(done=Exists(submitted)).filter(done=False).order_by("deadline", "id"))


def milestones_to_report(user):
    """Milestones of the user's organizations' active projects due within 30 days (or
    overdue), not met and with no report yet."""
    if not _staff(user):
        return selectors.Milestone.objects.none()
    reported = ProgressReport.objects.filter(milestone=OuterRef("pk"))
    return selectors.milestones_due(user).annotate(rep=Exists(reported)).filter(rep=False)


def _call_items(user, limit):
    today = timezone.localdate()
    return [TodoItem(title=c.title, url=reverse("organizations:call_detail", args=[c.pk]), due=c.deadline,
                     overdue=False, region=c.region_id,
                     detail=_("%(purchaser)s · 预算 %(budget)s 元") % {"purchaser": c.purchaser, "budget": f"{c.budget:,.2f}"})
            for c in open_calls(user)[:limit] if c.deadline >= today]


def _milestone_items(qs, limit):
    today = timezone.localdate()
    return [TodoItem(title=f"{m.project.title} · {m.title}", url=reverse("organizations:project_detail", args=[m.project_id]),
                     due=m.due_on, overdue=m.due_on < today, region=m.project.region_id,
                     detail=m.project.organization.name if hasattr(m.project, "organization") else "")
            for m in qs.select_related("project__organization")[:limit]]


def _service_items(user, limit):
    return [TodoItem(title=p.title, url=reverse("organizations:project_detail", args=[p.pk]), due=p.ends_on,
                     region=p.region_id, detail=_("近 30 天没有服务记录"))
            for p in selectors.projects_without_recent_service(user)[:limit]]


register(TodoSource(
    code="org_open_calls", label=_lazy("可申报的项目"), icon="bi-megaphone", order=110,
    applies=_staff, count=lambda user: open_calls(user).count(), items=_call_items,
    url="organizations:call_list", description=_lazy("本组织尚未提交申报的项目征集")))

register(TodoSource(
    code="org_milestones_due", label=_lazy("待报告的项目节点"), icon="bi-flag", order=111,
    applies=_staff, count=lambda user: milestones_to_report(user).count(),
    items=lambda user, limit: _milestone_items(milestones_to_report(user), limit),
    url="organizations:project_list", description=_lazy("30 天内到期、尚未提交报告的节点")))

register(TodoSource(
    code="org_services_to_record", label=_lazy("待登记服务记录"), icon="bi-journal-check", order=112,
    applies=_staff, count=lambda user: selectors.projects_without_recent_service(user).count(), items=_service_items,
    url="organizations:project_list", description=_lazy("实施中、近 30 天没有服务记录的项目")))


def own_proposals(user):
    """Proposals of ``user``'s organizations still on their way (draft, submitted,
    eligible, selected): the organization's home page shows where each stands."""
    if not _staff(user):
        return Proposal.objects.none()
    return (selectors.proposals_for(user)
            .filter(organization_id__in=selectors.member_organization_ids(user),
                    status__in=[ProposalStatus.DRAFT, ProposalStatus.SUBMITTED, ProposalStatus.ELIGIBLE,
                                ProposalStatus.SELECTED])
            .order_by("call__deadline", "id"))


def own_contracts(user):
    """Active contracts (projects) of ``user``'s organizations, ending first first."""
    if not _staff(user):
        return ServiceProject.objects.none()
    return (selectors.projects_for(user).filter(organization_id__in=selectors.member_organization_ids(user),
                                                status="active").order_by("ends_on", "id"))


def _proposal_items(user, limit):
    today = timezone.localdate()
    return [TodoItem(title=p.title, url=reverse("organizations:proposal_detail", args=[p.pk]),
                     due=p.call.deadline if p.status == ProposalStatus.DRAFT else None,
                     overdue=p.status == ProposalStatus.DRAFT and p.call.deadline < today, region=p.call.region_id,
                     detail=f"{p.get_status_display()} · {p.call.title}")
            for p in own_proposals(user)[:limit]]


def _contract_items(user, limit):
    return [TodoItem(title=p.title, url=reverse("organizations:project_detail", args=[p.pk]), due=p.ends_on,
                     region=p.region_id,
                     detail=_("合同 %(amount)s 元 · 已拨付 %(paid)s 元") % {"amount": f"{p.amount:,.2f}",
                                                                      "paid": f"{selectors.project_money(p)['paid']:,.2f}"})
            for p in own_contracts(user)[:limit]]


register(TodoSource(
    code="org_proposals", label=_lazy("本组织的项目申报"), icon="bi-file-earmark-text", order=118,
    applies=_staff, count=lambda user: own_proposals(user).count(), items=_proposal_items,
    url="organizations:call_list", description=_lazy("草稿、已提交、评审中和拟立项的申报")))

register(TodoSource(
    code="org_contracts", label=_lazy("本组织实施中的合同"), icon="bi-file-earmark-ruled", order=119,
    applies=_staff, count=lambda user: own_contracts(user).count(), items=_contract_items,
    url="organizations:project_list", description=_lazy("实施中的服务项目合同及拨付情况")))


# --- review panel ------------------------------------------------------------------------------

def _score_items(user, limit):
    return [TodoItem(title=p.title, url=reverse("organizations:proposal_detail", args=[p.pk]), due=None,
                     region=p.call.region_id, detail=f"{p.organization.name} · {p.call.title}")
            for p in selectors.proposals_to_score(user)[:limit]]


register(TodoSource(
    code="proposals_to_score", label=_lazy("待评审的项目申报"), icon="bi-clipboard-check", order=113,
    applies=lambda user: user.is_superuser or user.role in PANEL_ROLES,
    count=lambda user: len(selectors.proposals_to_score(user)), items=_score_items,
    url="organizations:call_list"))


# --- county ------------------------------------------------------------------------------------

def proposals_to_check(user):
    if not user.can(Perm.MANAGE_PROJECTS):
        return Proposal.objects.none()
    return (selectors.proposals_for(user).filter(status=ProposalStatus.SUBMITTED,
                                                 call__region__code__startswith=user.scope_code)
            .order_by("submitted_at", "id"))


register(TodoSource(
    code="proposals_to_check", label=_lazy("待资格审查的项目申报"), icon="bi-file-earmark-check", order=114,
    applies=lambda user: user.can(Perm.MANAGE_PROJECTS), count=lambda user: proposals_to_check(user).count(),
    items=lambda user, limit: [
        TodoItem(title=p.title, url=reverse("organizations:proposal_detail", args=[p.pk]), due=p.call.deadline,
                 region=p.call.region_id, detail=f"{p.organization.name} · {p.call.title}")
        for p in proposals_to_check(user)[:limit]],
    url="organizations:call_list"))

register(TodoSource(
    code="milestones_to_confirm", label=_lazy("待确认的项目节点"), icon="bi-flag-fill", order=115,
    applies=lambda user: user.can(Perm.MANAGE_PROJECTS), count=lambda user: selectors.milestones_reported(user).count(),
    items=lambda user, limit: _milestone_items(selectors.milestones_reported(user), limit),
    url="organizations:project_list"))


def _instalment_items(user, limit):
    return [TodoItem(title=_("%(title)s · 第 %(n)s 期") % {"title": i.project.title, "n": i.seq},
                     url=reverse("organizations:project_detail", args=[i.project_id]), due=i.milestone.met_on,
                     region=i.project.region_id,
                     detail=_("计划 %(amount)s 元 · %(clause)s") % {"amount": f"{i.planned:,.2f}", "clause": i.clause})
            for i in selectors.instalments_due(user)[:limit]]


register(TodoSource(
    code="instalments_to_release", label=_lazy("待拨付的项目资金"), icon="bi-cash-coin", order=116,
    applies=lambda user: user.can(Perm.MANAGE_PROJECTS), count=lambda user: selectors.instalments_due(user).count(),
    items=_instalment_items, url="organizations:project_list"))


# --- filings -----------------------------------------------------------------------------------

register(TodoSource(
    code="filings_waiting", label=_lazy("待办理的社区社会组织备案"), icon="bi-people", order=117,
    applies=lambda user: user.can(Perm.CHECK_FILINGS) or user.can(Perm.DECIDE_FILINGS),
    count=lambda user: selectors.filings_waiting(user).count(),
    items=lambda user, limit: [
        TodoItem(title=f.organization.name, url=reverse("organizations:filing_detail", args=[f.pk]), due=f.filed_on,
                 region=f.community_id, detail=str(f.get_status_display()))
        for f in selectors.filings_waiting(user)[:limit]],
    url="organizations:filing_list"))
