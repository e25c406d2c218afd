"""``/api/v1/organizations``, ``/api/v1/project-calls``, ``/api/v1/proposals``,
``/api/v1/service-projects``: the organization registry and purchased-service projects.

Contract kept exactly (issue 14): ``POST /api/v1/organizations`` with ``{"name", "kind",
"uscc", "region"}``, kinds ``social_group``, ``social_service_institution``,
``foundation``, ``enterprise``, ``community_filed``; a wrong check character answers
422 ``uscc.checksum``, a code whose registration-authority and type characters do not
match the kind 422 ``uscc.kind_mismatch``; created: 201. Reads are scoped as on the
pages (out of scope: 404); money is a string of yuan with two decimals.
"""

from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import MAX_ITEMS, BoundedList, Id, Int, Page, PageSize, paging
from ..errors import Forbidden, NotFound, ValidationFailed
from . import selectors
from .models import Instalment, Milestone, ProjectCall, Proposal, ServiceProject, SocialOrganization
from .services import projects as project_services
from .services import registry as registry_services

router = Router(tags=["社会组织与购买服务"])


class OrganizationIn(Schema):
    name: Any = None
    kind: Any = None
    uscc: Any = ""
    region: Any = None
    legal_representative: Any = ""
    registration_authority: Any = ""
    registered_on: Any = None
    supervising_unit: Any = ""
    registered_funds: Any = None
    service_area: Any = ""
    phone: Any = ""
    address: Any = ""


class OrganizationPatch(Schema):
    version: Int | None = None
    name: Any = None
    legal_representative: Any = None
    registration_authority: Any = None
    supervising_unit: Any = None
    service_area: Any = None
    phone: Any = None
    address: Any = None


class OrganizationOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    uscc: str
    region: str
    legal_representative: str
    registration_authority: str
    registered_on: date | None
    supervising_unit: str
    registered_funds: str | None
    service_area: str
    phone: str
    address: str
    status: str
    status_name: str
    grade: int | None
    version: int


class OrganizationPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[OrganizationOut]


def organization_out(o: SocialOrganization) -> dict:
    rating = selectors.current_rating(o)
    return {"id": o.pk, "name": o.name, "kind": o.kind, "kind_name": str(o.get_kind_display()), "uscc": o.uscc,
            "region": o.region_id, "legal_representative": o.legal_representative,
            "registration_authority": o.registration_authority, "registered_on": o.registered_on,
            "supervising_unit": o.supervising_unit,
            "registered_funds": str(o.registered_funds) if o.registered_funds is not None else None,
            "service_area": o.service_area, "phone": o.phone, "address": o.address, "status": o.status,
            "status_name": str(o.get_status_display()), "grade": rating.grade if rating else None, "version": o.version}


@router.get("/organizations", response=OrganizationPage,
            summary="社会组织列表（名称或代码 q、类型 kind、状态 status、区划 region 筛选）")
def list_organizations(request, q: str = "", kind: str = "", status: str = "", region: str = "", page: Page = 1,
                       page_size: PageSize = 50):
    qs = selectors.search_organizations(request.auth, q=q.strip(), kind=kind, status=status, region=region.strip())
    page_size, page, start = paging(page, page_size)
    rows = list(qs[start:start + page_size])
    return {"count": qs.count(), "page": page, "page_size": page_size, "results": [organization_out(o) for o in rows]}


@router.post("/organizations", response={201: OrganizationOut},
             summary="登记社会组织（统一社会信用代码按 GB 32100 校验：校验位 uscc.checksum，与类型不符 uscc.kind_mismatch）")
def create_organization(request, body: OrganizationIn):
    data = {k: v for k, v in body.dict().items() if v not in (None, "") or k in ("name", "kind", "uscc", "region")}
    org = registry_services.create_organization(actor(request), data)
    return Status(201, organization_out(org))


@router.get("/organizations/{int:org_id}", response=OrganizationOut, summary="社会组织详情")
def get_organization(request, org_id: Id):
    return organization_out(selectors.get_organization(request.auth, org_id))


@router.patch("/organizations/{int:org_id}", response=OrganizationOut,
              summary="修改社会组织信息（组织人员只能改负责人、电话、住所、业务范围）")
def update_organization(request, org_id: Id, body: OrganizationPatch):
    org = selectors.get_organization(request.auth, org_id)
    data = {k: v for k, v in body.dict().items() if v is not None and k != "version"}
    return organization_out(registry_services.update_organization(actor(request), org, data, body.version))


# --- projects ----------------------------------------------------------------------------------

class CallOut(Schema):
    id: int
    title: str
    region: str
    purchaser: str
    budget: str
    opens_on: date
    deadline: date
    status: str
    status_name: str
    criteria: list[dict]
    notice_working_days: int


def call_out(c: ProjectCall) -> dict:
    return {"id": c.pk, "title": c.title, "region": c.region_id, "purchaser": c.purchaser, "budget": str(c.budget),
            "opens_on": c.opens_on, "deadline": c.deadline, "status": c.status,
            "status_name": str(c.get_status_display()), "criteria": c.criteria,
            "notice_working_days": c.notice_working_days}


@router.get("/project-calls", response=list[CallOut], summary="项目征集列表（本辖区及上级发布的）")
def list_calls(request):
    return [call_out(c) for c in selectors.calls_for(request.auth).order_by("-opens_on", "-id")[:200]]


@router.get("/project-calls/{int:call_id}", response=CallOut, summary="项目征集详情")
def get_call(request, call_id: Id):
    return call_out(selectors.get_call(request.auth, call_id))


class BudgetLineIn(Schema):
    category: Any = None
    description: Any = ""
    amount: Any = None


class ProposalIn(Schema):
    organization: Id
    title: Any = None
    needs: Any = None
    activities: Any = None
    output_indicators: Any = None
    outcome_indicators: Any = None
    budget_lines: BoundedList[BudgetLineIn, MAX_ITEMS] = []
    submit: bool = True


class ProposalOut(Schema):
    id: int
    call: int
    organization: int
    organization_name: str
    title: str
    amount: str
    status: str
    status_name: str
    score: str | None
    budget_lines: list[dict]


def proposal_out(p: Proposal) -> dict:
    return {"id": p.pk, "call": p.call_id, "organization": p.organization_id, "organization_name": p.organization.name,
            "title": p.title, "amount": str(p.amount), "status": p.status, "status_name": str(p.get_status_display()),
            "score": str(p.score) if p.score is not None else None,
            "budget_lines": [{"category": b.category, "description": b.description, "amount": str(b.amount)}
                             for b in p.budget_lines.all()]}


@router.post("/project-calls/{int:call_id}/proposals", response={201: ProposalOut},
             summary="提交项目申报（本组织人员；预算科目 staff、supervision、activities、administration、tax）")
def submit_proposal(request, call_id: Id, body: ProposalIn):
    call = selectors.get_call(request.auth, call_id)
    org = selectors.get_organization(request.auth, body.organization)
    p = project_services.save_proposal(
        actor(request), call, org, title=body.title, needs=body.needs, activities=body.activities,
        output_indicators=body.output_indicators, outcome_indicators=body.outcome_indicators,
        budget_lines=[b.dict() for b in body.budget_lines], submit=body.submit)
    return Status(201, proposal_out(p))


@router.get("/proposals/{int:proposal_id}", response=ProposalOut, summary="项目申报详情")
def get_proposal(request, proposal_id: Id):
    return proposal_out(selectors.get_proposal(request.auth, proposal_id))


class ScoreIn(Schema):
    points: dict[str, Any]


@router.post("/proposals/{int:proposal_id}/scores", response=ProposalOut,
             summary="评审打分（评审专家；各项 0–100；存在利益冲突者回避；总分由系统计算）")
def score_proposal(request, proposal_id: Id, body: ScoreIn):
    p = selectors.get_proposal(request.auth, proposal_id)
    if len(body.points) > MAX_ITEMS:
        raise ValidationFailed({"points": [{"code": "points.too_many", "message": _("评分项过多")}]})
    return proposal_out(project_services.score_proposal(actor(request), p, body.points))


class ProjectOut(Schema):
    id: int
    title: str
    organization: int
    organization_name: str
    contract_number: str
    decision_ref: str
    amount: str
    paid: str
    starts_on: date
    ends_on: date
    status: str
    status_name: str
    milestones: list[dict]
    instalments: list[dict]


def project_out(p: ServiceProject) -> dict:
    money = selectors.project_money(p)
    return {"id": p.pk, "title": p.title, "organization": p.organization_id, "organization_name": p.organization.name,
            "contract_number": p.contract_number, "decision_ref": p.decision_ref, "amount": str(p.amount),
            "paid": str(money["paid"]), "starts_on": p.starts_on, "ends_on": p.ends_on, "status": p.status,
            "status_name": str(p.get_status_display()),
            "milestones": [{"id": m.pk, "seq": m.seq, "title": m.title, "due_on": m.due_on.isoformat(),
                            "met_on": m.met_on.isoformat() if m.met_on else None} for m in p.milestones.all()],
            "instalments": [{"id": i.pk, "seq": i.seq, "percent": str(i.percent), "planned": str(i.planned),
                             "milestone": i.milestone.seq, "final": i.final, "clause": i.clause,
                             "paid": str(i.payment.amount) if hasattr(i, "payment") else None}
                            for i in p.instalments.select_related("milestone", "payment")]}


@router.get("/service-projects", response=list[ProjectOut], summary="服务项目列表")
def list_projects(request):
    return [project_out(p) for p in selectors.projects_for(request.auth).order_by("-signed_on", "-id")[:200]]


@router.get("/service-projects/{int:project_id}", response=ProjectOut, summary="服务项目详情（合同、节点、分期拨付）")
def get_project(request, project_id: Id):
    return project_out(selectors.get_project(request.auth, project_id))


class ReportIn(Schema):
    period: Any = None
    content: Any = None
    milestone: Id | None = None


@router.post("/service-projects/{int:project_id}/reports", response={201: dict}, summary="提交进度（节点）报告（本组织人员）")
def submit_report(request, project_id: Id, body: ReportIn):
    project = selectors.get_project(request.auth, project_id)
    milestone = None
    if body.milestone is not None:
        milestone = Milestone.objects.filter(project=project, pk=body.milestone).first()
    rep = project_services.submit_report(actor(request), project, period=body.period, content=body.content,
                                         milestone=milestone)
    return Status(201, {"id": rep.pk})


class ServiceRecordIn(Schema):
    delivered_on: Any = None
    activity: Any = None
    people_served: Any = None
    satisfaction: Any = None


@router.post("/service-projects/{int:project_id}/service-records", response={201: dict},
             summary="登记服务记录（本组织人员：服务人次、满意度）")
def record_service(request, project_id: Id, body: ServiceRecordIn):
    project = selectors.get_project(request.auth, project_id)
    rec = project_services.record_service(actor(request), project, delivered_on=body.delivered_on,
                                          activity=body.activity, people_served=body.people_served,
                                          satisfaction=body.satisfaction)
    return Status(201, {"id": rec.pk})


class ReleaseIn(Schema):
    decision_ref: Any = None
    released_on: Any = None


@router.post("/instalments/{int:instalment_id}/release", response={201: dict},
             summary="拨付一期款项（节点确认完成后；尾款按末期评估等次核定；同一期不能重复拨付：409 instalment.paid）")
def release_instalment(request, instalment_id: Id, body: ReleaseIn):
    user = request.auth
    if not user.can(Perm.MANAGE_PROJECTS):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    inst = (Instalment.objects.select_related("project", "milestone", "project__call")
            .filter(project__in=selectors.projects_for(user), pk=instalment_id).first())
    if inst is None:
        raise NotFound("instalment.not_found")
    pay = project_services.release_instalment(actor(request), inst, decision_ref=body.decision_ref,
                                              released_on=body.released_on)
    return Status(201, {"id": pay.pk, "amount": str(pay.amount), "basis": pay.basis})
