"""``/api/v1/organizations``, ``/api/v1/project-calls``, ``/api/v1/proposals``,
``/api/v1/service-projects``, ``/api/v1/milestones``, ``/api/v1/instalments``,
``/api/v1/objections``: the organization registry and purchased-service projects, every
step of a project (docs/organizations.md, "API"):

- county (``manage_projects``, the call in its subtree): ``POST /project-calls``,
  ``…/{id}/panel``, ``…/{id}/review``, ``…/{id}/notice``; ``POST /proposals/{id}/eligibility``,
  ``…/{id}/objections``, ``POST /objections/{id}/resolve``, ``POST /proposals/{id}/contract``;
  ``POST /milestones/{id}/accept``, ``POST /service-projects/{id}/evaluations``,
  ``POST /instalments/{id}/release``, ``POST /service-projects/{id}/close``;
- the organization's staff: ``POST /project-calls/{id}/proposals``,
  ``POST /service-projects/{id}/reports``, ``…/service-records``;
- a panel member: ``POST /proposals/{id}/scores``, ``POST /proposals/{id}/conflict``;
- exports (``export``): ``GET /service-projects/export``, ``GET /instalment-payments/export``
  (xlsx with Chinese file names, scoped, audited).

Errors as everywhere: 422 with field codes, 403 ``permission_denied`` for a visible
object the role may not act on, 404 for anything out of scope, 409 for a step taken
from the wrong state (``call.state``, ``proposal.state``, ``project.state``, …).

Contract kept exactly (issue 14): ``POST /api/v1/organizations`` with ``{"name", "kind",
"uscc", "region"}``, kinds ``social_group``, ``social_service_institution``,
``foundation``, ``enterprise``, ``community_filed``; a wrong check character answers
422 ``uscc.checksum``, a code whose registration-authority and type characters do not
match the kind 422 ``uscc.kind_mismatch``; created: 201. Reads are scoped as on the
pages (out of scope: 404); money is a string of yuan with two decimals.
"""

from datetime import date
from typing import Annotated, Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import MAX_ITEMS, BoundedList, Id, Int, Page, PageSize, paging
from ..errors import Forbidden, NotFound, ValidationFailed
from . import selectors
from .models import Instalment, ProjectCall, Proposal, ServiceProject, SocialOrganization
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
    kind: Any = None
    uscc: Any = None
    region: Any = None
    registered_on: Any = None
    registered_funds: Any = None


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


class OrgStatusIn(Schema):
    status: Any = None
    reason: Any = None
    version: Int | None = None


@router.post("/organizations/{int:org_id}/status", response=OrganizationOut,
             summary="变更社会组织状态（active 正常、suspended 停止活动、deregistered 已注销、revoked 已撤销登记；须写明原因；"
                     "manage_organizations；version 已变：409 organization.conflict）")
def change_organization_status(request, org_id: Id, body: OrgStatusIn):
    org = selectors.get_organization(request.auth, org_id)
    return organization_out(registry_services.change_status(actor(request), org, body.status, body.reason,
                                                            body.version))


class OrgFederationIn(Schema):
    is_federation: bool | None = None
    federation: Id | None = None
    version: Int | None = None


class OrgFederationOut(Schema):
    id: int
    is_federation: bool
    federation: int | None
    federation_name: str | None
    affiliates: list[dict]
    version: int


def federation_out(o: SocialOrganization) -> dict:
    fed = o.federation
    return {"id": o.pk, "is_federation": o.is_federation, "federation": o.federation_id,
            "federation_name": fed.name if fed else None, "version": o.version,
            "affiliates": [{"id": a.pk, "name": a.name} for a in o.affiliates.order_by("name", "id")[:200]]
            if o.is_federation else []}


@router.get("/organizations/{int:org_id}/federation", response=OrgFederationOut,
            summary="社区社会组织联合会：是否联合会、所属联合会、下属组织（联合会的最多 200 个）")
def get_federation(request, org_id: Id):
    return federation_out(selectors.get_organization(request.auth, org_id))


@router.put("/organizations/{int:org_id}/federation", response=OrgFederationOut,
            summary="设置联合会标志 is_federation 和所属联合会 federation（null 解除；非联合会：422 federation.not_federation；"
                    "manage_organizations）")
def set_federation(request, org_id: Id, body: OrgFederationIn):
    org = selectors.get_organization(request.auth, org_id)
    data = body.dict(exclude_unset=True)
    version = data.pop("version", None)
    if data.get("is_federation") is None:
        data.pop("is_federation", None)
    org = registry_services.update_organization(actor(request), org, data, version)
    return federation_out(selectors.get_organization(request.auth, org.pk))


class OrgMemberIn(Schema):
    username: Any = None
    position: Any = ""


class OrgMemberOut(Schema):
    id: int
    username: str
    full_name: str
    position: str
    active: bool


def member_out(m) -> dict:
    return {"id": m.pk, "username": m.user.username, "full_name": m.user.full_name, "position": m.position,
            "active": m.active}


def _member_manager(request, org: SocialOrganization) -> None:
    user = request.auth
    if not (user.is_superuser or (user.can(Perm.MANAGE_ORGANIZATIONS) and org.region_id.startswith(user.scope_code))
            or selectors.is_member(user, org)):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


@router.get("/organizations/{int:org_id}/members", response=list[OrgMemberOut],
            summary="组织人员（辖区管理者或本组织人员；含已离岗）")
def list_members(request, org_id: Id):
    org = selectors.get_organization(request.auth, org_id)
    _member_manager(request, org)
    return [member_out(m) for m in selectors.members_of(org)[:500]]


@router.post("/organizations/{int:org_id}/members", response={201: OrgMemberOut},
             summary="关联组织人员账号（“社会组织人员”角色、本辖区账号；已关联：409 member.duplicate；manage_organizations）")
def add_member(request, org_id: Id, body: OrgMemberIn):
    org = selectors.get_organization(request.auth, org_id)
    if not request.auth.can(Perm.MANAGE_ORGANIZATIONS):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    account = selectors.account_to_link(request.auth, body.username) if isinstance(body.username, str) else None
    if account is None:
        raise ValidationFailed({"username": [{"code": "username.not_found",
                                              "message": _("账号不存在或不在您的管辖范围内")}]})
    return Status(201, member_out(registry_services.add_member(actor(request), org, account, body.position)))


@router.post("/organizations/{int:org_id}/members/{int:member_id}/end", response=OrgMemberOut,
             summary="解除组织人员关联（记录保留为已离岗；已解除：409 member.ended；manage_organizations）")
def end_member(request, org_id: Id, member_id: Id):
    org = selectors.get_organization(request.auth, org_id)
    member = selectors.get_member(org, member_id)
    return member_out(registry_services.end_member(actor(request), member))


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


def proposal_out(p: Proposal, user=None) -> dict:
    """``score`` only when ``user`` (None: not checked) may see it (:func:`selectors.scores_visible`)."""
    shown = p.score is not None and (user is None or selectors.scores_visible(user, p.call))
    return {"id": p.pk, "call": p.call_id, "organization": p.organization_id, "organization_name": p.organization.name,
            "title": p.title, "amount": str(p.amount), "status": p.status, "status_name": str(p.get_status_display()),
            "score": str(p.score) if shown else None,
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
    return proposal_out(selectors.get_proposal(request.auth, proposal_id), request.auth)


class ScoreIn(Schema):
    points: dict[str, Any]


@router.post("/proposals/{int:proposal_id}/scores", response=ProposalOut,
             summary="评审打分（评审专家；各项 0–100；存在利益冲突者回避；总分由系统计算）")
def score_proposal(request, proposal_id: Id, body: ScoreIn):
    p = selectors.get_proposal(request.auth, proposal_id)
    if len(body.points) > MAX_ITEMS:
        raise ValidationFailed({"points": [{"code": "points.too_many", "message": _("评分项过多")}]})
    return proposal_out(project_services.score_proposal(actor(request), p, body.points), request.auth)


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


def _export_region(user, region: str):
    from ..regions import selectors as region_selectors

    if region.strip():
        return region_selectors.get_region(user, region)
    return user.scope if user.scope_id else None


def _xlsx(result) -> HttpResponse:
    from ..imports.export import content_disposition
    from .exports import XLSX

    data, name, fallback, n = result
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


@router.get("/service-projects/export", response={200: None},
            summary="导出服务项目（xlsx，中文文件名；区划 region、签订年度 year、状态 status；需 export 权限；留痕）")
def export_projects(request, region: str = "", year: Annotated[int, Field(ge=2000, le=2100)] | None = None,
                    status: str = ""):
    reg = _export_region(request.auth, region)
    return _xlsx(project_services.export_projects(actor(request), region=reg, year=year, status=status))


@router.get("/instalment-payments/export", response={200: None},
            summary="导出分期拨付明细（xlsx，中文文件名；每笔注明合同条款、拨付文号与核定依据；区划 region、拨付年度 year；留痕）")
def export_payments(request, region: str = "", year: Annotated[int, Field(ge=2000, le=2100)] | None = None):
    reg = _export_region(request.auth, region)
    return _xlsx(project_services.export_payments(actor(request), region=reg, year=year))


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
        milestone = selectors.milestone_of(project, body.milestone)
        if milestone is None:   # not silently a periodic report: the milestone would never get its report
            raise ValidationFailed({"milestone": [{"code": "milestone.invalid", "message": _("节点不属于该项目")}]})
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


# --- the county's steps ------------------------------------------------------------------------

class ProjectCallIn(Schema):
    title: Any = None
    region: Any = None
    purchaser: Any = None
    budget: Any = None
    opens_on: Any = None
    deadline: Any = None
    description: Any = ""
    eligibility: Any = ""
    eligible_kinds: BoundedList[str, 10] | None = None
    min_rating: Any = 0
    criteria: BoundedList[dict, 20] | None = None
    notice_working_days: Any = 5
    bands: BoundedList[tuple[Any, Any], 10] | None = None
    final_factors: dict[str, Any] | None = None


class ProjectCallDetailOut(CallOut):
    eligible_kinds: list[str]
    min_rating: int
    bands: list[list]
    final_factors: dict
    committed: str
    panel: list[dict]
    notice: dict | None


def call_detail_out(c: ProjectCall, user) -> dict:
    notice = getattr(c, "notice", None)
    return call_out(c) | {
        "eligible_kinds": list(c.eligible_kinds or []), "min_rating": c.min_rating, "bands": c.bands,
        "final_factors": c.final_factors, "committed": str(selectors.call_committed(c)),
        "panel": [{"id": m.pk, "username": m.user.username, "conflicts": sorted(o.pk for o in m.conflicts.all())}
                  for m in selectors.panel_for(user, c)],
        "notice": {"starts_on": notice.starts_on.isoformat(), "ends_on": notice.ends_on.isoformat(),
                   "estimated": notice.estimated, "text": notice.text} if notice else None}


@router.post("/project-calls", response={201: ProjectCallDetailOut},
             summary="发布项目征集（县级 manage_projects；评审标准与权重、公示工作日、评估等次、尾款比例可配置，缺省为默认值）")
def create_call(request, body: ProjectCallIn):
    call = project_services.create_call(actor(request), **body.dict())
    return Status(201, call_detail_out(call, request.auth))


@router.get("/project-calls/{int:call_id}/detail", response=ProjectCallDetailOut,
            summary="项目征集详情（含评审专家、公示、已签约金额）")
def get_call_detail(request, call_id: Id):
    return call_detail_out(selectors.get_call(request.auth, call_id), request.auth)


class ProjectPanelIn(Schema):
    username: str
    conflicts: BoundedList[Id, MAX_ITEMS] = []


@router.post("/project-calls/{int:call_id}/panel", response={201: ProjectCallDetailOut},
             summary="确定评审专家（账号 username；声明回避的组织 conflicts）")
def add_panel_member(request, call_id: Id, body: ProjectPanelIn):
    from ..accounts.models import User

    call = selectors.get_call(request.auth, call_id)
    user = User.objects.filter(username=body.username, is_active=True).first()
    if user is None:
        raise ValidationFailed({"username": [{"code": "username.not_found", "message": _("账号不存在")}]})
    orgs = [selectors.get_organization(request.auth, pk) for pk in body.conflicts]
    project_services.add_panel_member(actor(request), call, user, orgs)
    return Status(201, call_detail_out(call, request.auth))


@router.post("/project-calls/{int:call_id}/review", response=ProjectCallDetailOut,
             summary="截止申报、进入专家评审（所有申报须已完成资格审查：409 call.unchecked；须有评审专家：409 call.no_panel）")
def start_review(request, call_id: Id):
    call = selectors.get_call(request.auth, call_id)
    return call_detail_out(project_services.start_review(actor(request), call), request.auth)


class ProjectNoticeIn(Schema):
    selected: BoundedList[Id, MAX_ITEMS]
    published_on: Any = None
    text: Any = ""


@router.post("/project-calls/{int:call_id}/notice", response={201: ProjectCallDetailOut},
             summary="发布拟立项公示（所选项目须已评分、合计不超预算；公示期按工作日计算）")
def publish_notice(request, call_id: Id, body: ProjectNoticeIn):
    call = selectors.get_call(request.auth, call_id)
    project_services.publish_notice(actor(request), call, body.selected, body.published_on, body.text)
    return Status(201, call_detail_out(selectors.get_call(request.auth, call_id), request.auth))


class ProposalEligibilityIn(Schema):
    eligible: bool
    note: Any = ""


@router.post("/proposals/{int:proposal_id}/eligibility", response=ProposalOut,
             summary="资格审查（不符合申报条件者不能通过：422 eligibility.findings；不通过须写明意见）")
def check_eligibility(request, proposal_id: Id, body: ProposalEligibilityIn):
    p = selectors.get_proposal(request.auth, proposal_id)
    return proposal_out(project_services.check_eligibility(actor(request), p, body.eligible, body.note or ""))


@router.post("/proposals/{int:proposal_id}/conflict", response=ProposalOut,
             summary="评审专家声明与申报组织存在利益冲突（回避：其评分作废，得分重新计算）")
def declare_conflict(request, proposal_id: Id):
    p = selectors.get_proposal(request.auth, proposal_id)
    seat = selectors.panel_member(request.auth, p.call)
    if seat is None:
        raise Forbidden("review.not_panel", _("您不是本项目的评审专家"))
    project_services.declare_conflict(actor(request), seat, p.organization)
    return proposal_out(selectors.get_proposal(request.auth, proposal_id), request.auth)


class ProposalObjectionIn(Schema):
    content: Any = None
    received_on: Any = None


class ProposalObjectionOut(Schema):
    id: int
    proposal: int
    received_on: date
    content: str
    upheld: bool | None
    resolution: str


def objection_out(o) -> dict:
    return {"id": o.pk, "proposal": o.proposal_id, "received_on": o.received_on, "content": o.content,
            "upheld": o.upheld, "resolution": o.resolution}


@router.post("/proposals/{int:proposal_id}/objections", response={201: ProposalObjectionOut},
             summary="登记公示期内收到的异议（公示期外：422 objection.out_of_notice）")
def record_objection(request, proposal_id: Id, body: ProposalObjectionIn):
    p = selectors.get_proposal(request.auth, proposal_id)
    return Status(201, objection_out(project_services.record_objection(actor(request), p, body.content,
                                                                       body.received_on)))


class ProposalObjectionResolveIn(Schema):
    upheld: bool
    resolution: Any = None


@router.post("/objections/{int:objection_id}/resolve", response=ProposalObjectionOut,
             summary="处理异议（成立则该项目不予立项；须写明处理意见）")
def resolve_objection(request, objection_id: Id, body: ProposalObjectionResolveIn):
    obj = selectors.get_objection(request.auth, objection_id)
    return objection_out(project_services.resolve_objection(actor(request), obj, body.upheld, body.resolution))


class ContractMilestoneIn(Schema):
    title: Any = None
    due_on: Any = None
    requirement: Any = ""


class ContractInstalmentIn(Schema):
    percent: Any = None
    milestone: Any = None


class ProjectContractIn(Schema):
    contract_number: Any = None
    decision_ref: Any = None
    amount: Any = None
    signed_on: Any = None
    starts_on: Any = None
    ends_on: Any = None
    milestones: BoundedList[ContractMilestoneIn, 24]
    instalments: BoundedList[ContractInstalmentIn, 24]
    resident_access: bool = False
    resident_fields: BoundedList[Any, 20] | None = None


@router.post("/proposals/{int:proposal_id}/contract", response={201: ProjectOut},
             summary="签订合同（公示期满且无未处理异议；分期比例合计 100%，每期对应一个节点，末期按末期评估等次核定）")
def sign_contract(request, proposal_id: Id, body: ProjectContractIn):
    p = selectors.get_proposal(request.auth, proposal_id)
    project = project_services.contract(
        actor(request), p, contract_number=body.contract_number, decision_ref=body.decision_ref, amount=body.amount,
        signed_on=body.signed_on, starts_on=body.starts_on, ends_on=body.ends_on,
        milestones=[m.dict() for m in body.milestones], instalments=[i.dict() for i in body.instalments],
        resident_access=body.resident_access, resident_fields=body.resident_fields)
    return Status(201, project_out(project))


class MilestoneAcceptIn(Schema):
    met_on: Any = None


@router.post("/milestones/{int:milestone_id}/accept", response=ProjectOut,
             summary="确认节点完成（须已有承接组织的节点报告：409 milestone.no_report；已确认：409 milestone.met）")
def accept_milestone(request, milestone_id: Id, body: MilestoneAcceptIn):
    m = selectors.get_milestone(request.auth, milestone_id)
    project_services.accept_milestone(actor(request), m, body.met_on)
    return project_out(selectors.get_project(request.auth, m.project_id))


class ProjectEvaluationIn(Schema):
    stage: Any = None
    evaluator: Any = None
    score: Any = None
    evaluated_on: Any = None
    summary: Any = ""


class ProjectEvaluationOut(Schema):
    id: int
    stage: str
    evaluator: str
    score: str
    band: str
    evaluated_on: date
    summary: str


def evaluation_out(e) -> dict:
    return {"id": e.pk, "stage": e.stage, "evaluator": e.evaluator, "score": str(e.score), "band": e.band,
            "evaluated_on": e.evaluated_on, "summary": e.summary}


@router.post("/service-projects/{int:project_id}/evaluations", response={201: ProjectEvaluationOut},
             summary="登记第三方评估（mid_term 中期、final 末期，各一次；等次按项目征集的等次配置计算）")
def record_evaluation(request, project_id: Id, body: ProjectEvaluationIn):
    project = selectors.get_project(request.auth, project_id)
    return Status(201, evaluation_out(project_services.record_evaluation(actor(request), project, **body.dict())))


class ProjectCloseIn(Schema):
    closed_on: Any = None


@router.post("/service-projects/{int:project_id}/close", response=ProjectOut,
             summary="结项（须有末期评估且各期款项均已拨付：409 project.no_final_evaluation / project.unpaid）")
def close_project(request, project_id: Id, body: ProjectCloseIn):
    project = selectors.get_project(request.auth, project_id)
    project_services.close_project(actor(request), project, body.closed_on)
    return project_out(selectors.get_project(request.auth, project_id))


class ProjectRecordsOut(Schema):
    reports: list[dict]
    service_records: list[dict]
    evaluations: list[ProjectEvaluationOut]


@router.get("/service-projects/{int:project_id}/records", response=ProjectRecordsOut,
            summary="项目的进度报告、服务记录和评估（最近 200 条）")
def project_records(request, project_id: Id):
    project = selectors.get_project(request.auth, project_id)
    return {"reports": [{"id": r.pk, "period": r.period, "content": r.content, "milestone": r.milestone_id,
                         "submitted_on": r.submitted_on.isoformat()} for r in project.reports.all()[:200]],
            "service_records": [{"id": s.pk, "delivered_on": s.delivered_on.isoformat(), "activity": s.activity,
                                 "people_served": s.people_served,
                                 "satisfaction": str(s.satisfaction) if s.satisfaction is not None else None}
                                for s in project.service_records.all()[:200]],
            "evaluations": [evaluation_out(e) for e in project.evaluations.all()]}


# --- residents a contract entitles the organization to serve --------------------------------------

class ProjectResidentOut(Schema):
    id: int
    name: str
    region: str | None = None
    phone_masked: str | None = None
    phone: str | None = None
    address: str | None = None
    age: int | None = None
    sex: str | None = None
    categories: list[str] | None = None
    person: int | None = None
    added_on: date | None = None
    ended_on: date | None = None


@router.get("/service-projects/{int:project_id}/residents", response=list[ProjectResidentOut],
            summary="项目服务对象（合同约定时承接组织人员可见：仅合同约定的信息 resident-fields，默认姓名、社区、脱敏电话，"
                    "未约定的为 null；每次查阅留痕；县级管理者见全部记录）")
def list_residents(request, project_id: Id):
    user = request.auth
    project = selectors.get_project(user, project_id)
    rows = selectors.residents_of(user, project)
    if rows:
        project_services.record_residents_read(actor(request), project, [r["person_id"] for r in rows],
                                               selectors.resident_fields_for(user, project))
        return [{k: v for k, v in r.items() if k != "person_id"} for r in rows]
    if selectors.resident_fields_for(user, project):
        return []
    if not (user.is_superuser or (user.can(Perm.MANAGE_PROJECTS) and project.call.region_id.startswith(user.scope_code))):
        raise Forbidden("project.no_resident_access", _("合同未约定您可查阅该项目的服务对象"))
    from ..people.rules import mask_phone

    managed = selectors.beneficiaries_of(user, project)
    return [{"id": b.pk, "name": b.person.name, "region": b.person.region.name,
             "phone_masked": mask_phone(b.person.phone), "person": b.person_id, "added_on": b.added_on,
             "ended_on": b.ended_on} for b in managed[:500]]


class ProjectResidentFieldsIn(Schema):
    fields: BoundedList[Any, 20]


class ProjectResidentFieldsOut(Schema):
    resident_access: bool
    fields: list[str]
    allowed: list[dict]


def resident_fields_out(project: ServiceProject) -> dict:
    from .models import ResidentField

    return {"resident_access": project.resident_access, "fields": list(project.resident_fields),
            "allowed": [{"code": c, "name": str(n)} for c, n in ResidentField.choices]}


@router.get("/service-projects/{int:project_id}/resident-fields", response=ProjectResidentFieldsOut,
            summary="合同约定承接组织可查阅的服务对象信息（fields）及可选项（allowed）")
def get_resident_fields(request, project_id: Id):
    return resident_fields_out(selectors.get_project(request.auth, project_id))


@router.put("/service-projects/{int:project_id}/resident-fields", response=ProjectResidentFieldsOut,
            summary="变更可查阅的服务对象信息（县级；从 allowed 中选择，姓名总在其中；不在可选项：422 resident_fields.invalid；"
                    "合同未约定：409 project.no_resident_access；项目须实施中：409 project.state）")
def set_resident_fields(request, project_id: Id, body: ProjectResidentFieldsIn):
    project = selectors.get_project(request.auth, project_id)
    return resident_fields_out(project_services.set_resident_fields(actor(request), project, body.fields))


class ProjectResidentIn(Schema):
    person: Id
    added_on: Any = None


@router.post("/service-projects/{int:project_id}/residents", response={201: ProjectResidentOut},
             summary="指定项目服务对象（县级；合同须约定可查阅服务对象：409 project.no_resident_access；须住在项目服务区域内）")
def add_resident(request, project_id: Id, body: ProjectResidentIn):
    from ..people import selectors as people_selectors
    from ..people.rules import mask_phone

    user = request.auth
    project = selectors.get_project(user, project_id)
    try:
        person = people_selectors.get_person(user, body.person)
    except NotFound:
        raise NotFound("person.not_found") from None
    b = project_services.add_beneficiary(actor(request), project, person, body.added_on)
    return Status(201, {"id": b.pk, "name": person.name, "region": person.region.name,
                        "phone_masked": mask_phone(person.phone), "person": person.pk, "added_on": b.added_on,
                        "ended_on": b.ended_on})


class ProjectResidentEndIn(Schema):
    ended_on: Any = None


@router.post("/service-projects/{int:project_id}/residents/{int:resident_id}/end", response=ProjectResidentOut,
             summary="服务对象退出项目（县级；此后承接组织不再可见）")
def end_resident(request, project_id: Id, resident_id: Id, body: ProjectResidentEndIn):
    from ..people.rules import mask_phone

    user = request.auth
    project = selectors.get_project(user, project_id)
    b = selectors.beneficiaries_of(user, project).filter(pk=resident_id).first()
    if b is None:
        raise NotFound("project_resident.not_found")
    b = project_services.end_beneficiary(actor(request), b, body.ended_on)
    return {"id": b.pk, "name": b.person.name, "region": b.person.region.name, "phone_masked": mask_phone(b.person.phone),
            "person": b.person_id, "added_on": b.added_on, "ended_on": b.ended_on}


# --- registry: inspections, ratings, activities, filings, incubation -------------------------------

class OrgInspectionIn(Schema):
    year: Any = None
    kind: Any = "report"
    result: Any = None
    submitted_on: Any = None
    concluded_on: Any = None
    note: Any = ""


class OrgInspectionOut(Schema):
    id: int
    year: int
    kind: str
    result: str
    result_name: str
    submitted_on: date | None
    concluded_on: date
    note: str


def inspection_out(i) -> dict:
    return {"id": i.pk, "year": i.year, "kind": i.kind, "result": i.result, "result_name": str(i.get_result_display()),
            "submitted_on": i.submitted_on, "concluded_on": i.concluded_on, "note": i.note}


@router.get("/organizations/{int:org_id}/inspections", response=list[OrgInspectionOut], summary="社会组织年报（年检）记录")
def list_inspections(request, org_id: Id):
    org = selectors.get_organization(request.auth, org_id)
    return [inspection_out(i) for i in selectors.inspections_of(org)[:100]]


@router.post("/organizations/{int:org_id}/inspections", response={201: OrgInspectionOut},
             summary="登记年报（年检）结论（每年一次：409 inspection.duplicate；manage_organizations）")
def create_inspection(request, org_id: Id, body: OrgInspectionIn):
    org = selectors.get_organization(request.auth, org_id)
    return Status(201, inspection_out(registry_services.record_inspection(actor(request), org, **body.dict())))


class OrgRatingIn(Schema):
    grade: Any = None
    rated_on: Any = None
    decision_ref: Any = ""


class OrgRatingOut(Schema):
    id: int
    grade: int
    rated_on: date
    valid_until: date
    decision_ref: str


def rating_out(r) -> dict:
    return {"id": r.pk, "grade": r.grade, "rated_on": r.rated_on, "valid_until": r.valid_until,
            "decision_ref": r.decision_ref}


@router.get("/organizations/{int:org_id}/ratings", response=list[OrgRatingOut], summary="社会组织等级评估记录（1A–5A）")
def list_ratings(request, org_id: Id):
    org = selectors.get_organization(request.auth, org_id)
    return [rating_out(r) for r in org.ratings.order_by("-rated_on", "-id")[:100]]


@router.post("/organizations/{int:org_id}/ratings", response={201: OrgRatingOut},
             summary="登记等级评估（grade 1–5，有效期五年；manage_organizations）")
def create_rating(request, org_id: Id, body: OrgRatingIn):
    org = selectors.get_organization(request.auth, org_id)
    return Status(201, rating_out(registry_services.record_rating(actor(request), org, **body.dict())))


class OrgActivityIn(Schema):
    title: Any = None
    held_on: Any = None
    place: Any = ""
    participants: Any = 0
    description: Any = ""


class OrgActivityOut(Schema):
    id: int
    title: str
    held_on: date
    place: str
    participants: int
    description: str


def activity_out(a) -> dict:
    return {"id": a.pk, "title": a.title, "held_on": a.held_on, "place": a.place, "participants": a.participants,
            "description": a.description}


@router.get("/organizations/{int:org_id}/activities", response=list[OrgActivityOut], summary="社会组织开展的活动（最近 200 条）")
def list_activities(request, org_id: Id):
    org = selectors.get_organization(request.auth, org_id)
    return [activity_out(a) for a in org.activities.order_by("-held_on", "-id")[:200]]


@router.post("/organizations/{int:org_id}/activities", response={201: OrgActivityOut},
             summary="登记活动（本组织人员或辖区管理者）")
def create_activity(request, org_id: Id, body: OrgActivityIn):
    org = selectors.get_organization(request.auth, org_id)
    return Status(201, activity_out(registry_services.record_activity(actor(request), org, **body.dict())))


class OrgFilingIn(Schema):
    name: Any = None
    community: Any = None
    charter: Any = None
    members: Any = None
    responsible_person: Any = None
    filed_on: Any = None
    service_area: Any = ""
    phone: Any = ""


class OrgFilingOut(Schema):
    id: int
    organization: int
    name: str
    community: str
    responsible_person: str
    status: str
    status_name: str
    filed_on: date
    decided_on: date | None
    filing_number: str
    steps: list[dict]


def filing_out(f) -> dict:
    return {"id": f.pk, "organization": f.organization_id, "name": f.organization.name, "community": f.community_id,
            "responsible_person": f.responsible_person, "status": f.status,
            "status_name": str(f.get_status_display()), "filed_on": f.filed_on, "decided_on": f.decided_on,
            "filing_number": f.filing_number,
            "steps": [{"from": s.from_status, "to": s.to_status, "note": s.note, "at": s.at.isoformat()}
                      for s in f.steps.order_by("at", "id")]}


@router.get("/organization-filings", response=list[OrgFilingOut],
            summary="社区社会组织备案（本辖区；状态 status 筛选；最近 200 条）")
def list_filings(request, status: str = ""):
    qs = selectors.filings_for(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [filing_out(f) for f in qs.order_by("-filed_on", "-id").prefetch_related("steps")[:200]]


@router.post("/organization-filings", response={201: OrgFilingOut},
             summary="受理社区社会组织备案申请（社区；成员至少 3 人，一行一人或列表）")
def create_filing(request, body: OrgFilingIn):
    return Status(201, filing_out(registry_services.submit_filing(actor(request), **body.dict())))


@router.get("/organization-filings/{int:filing_id}", response=OrgFilingOut, summary="备案详情（含办理步骤）")
def get_filing(request, filing_id: Id):
    return filing_out(selectors.get_filing(request.auth, filing_id))


class OrgFilingStepIn(Schema):
    passed: bool
    note: Any = ""
    filing_number: Any = ""


@router.post("/organization-filings/{int:filing_id}/check", response=OrgFilingOut,
             summary="社区初审（passed；不通过须写明意见；状态不符：409 filing.state）")
def check_filing(request, filing_id: Id, body: OrgFilingStepIn):
    f = selectors.get_filing(request.auth, filing_id)
    return filing_out(registry_services.check_filing(actor(request), f, body.passed, body.note or ""))


@router.post("/organization-filings/{int:filing_id}/decide", response=OrgFilingOut,
             summary="街道（乡镇）审核决定（passed 即同意备案，可给备案编号；decide_filings）")
def decide_filing(request, filing_id: Id, body: OrgFilingStepIn):
    f = selectors.get_filing(request.auth, filing_id)
    return filing_out(registry_services.decide_filing(actor(request), f, body.passed, body.note or "",
                                                      body.filing_number or ""))


class IncubationBaseIn(Schema):
    name: Any = None
    region: Any = None
    operator: Id | None = None
    address: Any = ""
    floor_area: Any = None
    opened_on: Any = None


class IncubationBaseOut(Schema):
    id: int
    name: str
    region: str
    operator: int | None
    operator_name: str | None
    address: str
    floor_area: str | None
    opened_on: date | None
    incubations: list[dict]


def base_out(b) -> dict:
    return {"id": b.pk, "name": b.name, "region": b.region_id, "operator": b.operator_id,
            "operator_name": b.operator.name if b.operator_id else None, "address": b.address,
            "floor_area": str(b.floor_area) if b.floor_area is not None else None, "opened_on": b.opened_on,
            "incubations": [{"id": i.pk, "organization": i.organization_id, "organization_name": i.organization.name,
                             "entered_on": i.entered_on.isoformat(),
                             "exited_on": i.exited_on.isoformat() if i.exited_on else None, "outcome": i.outcome,
                             "services": i.service_count} for i in selectors.incubations_of(b)[:200]]}


@router.get("/incubation-bases", response=list[IncubationBaseOut], summary="社会组织孵化基地（本辖区或本组织运营的）")
def list_bases(request):
    return [base_out(b) for b in selectors.bases_for(request.auth).order_by("name")[:100]]


@router.post("/incubation-bases", response={201: IncubationBaseOut}, summary="登记孵化基地（manage_organizations）")
def create_base(request, body: IncubationBaseIn):
    data = body.dict()
    if data["operator"] is not None:
        data["operator"] = selectors.get_organization(request.auth, data["operator"])
    base = registry_services.create_base(actor(request), **data)
    return Status(201, base_out(selectors.get_base(request.auth, base.pk)))


@router.get("/incubation-bases/{int:base_id}", response=IncubationBaseOut, summary="孵化基地详情（入驻组织）")
def get_base(request, base_id: Id):
    return base_out(selectors.get_base(request.auth, base_id))


class IncubationAdmitIn(Schema):
    organization: Id
    entered_on: Any = None


@router.post("/incubation-bases/{int:base_id}/incubations", response={201: IncubationBaseOut},
             summary="组织入驻孵化基地（同一组织同时只能在孵一处：409 incubation.open）")
def admit(request, base_id: Id, body: IncubationAdmitIn):
    base = selectors.get_base(request.auth, base_id)
    org = selectors.get_organization(request.auth, body.organization)
    registry_services.admit(actor(request), base, org, body.entered_on)
    return Status(201, base_out(selectors.get_base(request.auth, base_id)))


class ReleaseIncubationIn(Schema):
    exited_on: Any = None
    outcome: Any = None


@router.post("/incubations/{int:incubation_id}/release", response=dict,
             summary="出壳或退出孵化（outcome：graduated 出壳、withdrawn 退出）")
def release_incubation(request, incubation_id: Id, body: ReleaseIncubationIn):
    inc = selectors.get_incubation(request.auth, incubation_id)
    inc = registry_services.release(actor(request), inc, body.exited_on, body.outcome)
    return {"id": inc.pk, "exited_on": inc.exited_on.isoformat(), "outcome": inc.outcome}


class IncubationServiceIn(Schema):
    kind: Any = None
    provided_on: Any = None
    hours: Any = 0
    description: Any = ""


@router.post("/incubations/{int:incubation_id}/services", response={201: dict},
             summary="登记孵化服务（培训、信息共享、项目支持、场地等）")
def record_incubation_service(request, incubation_id: Id, body: IncubationServiceIn):
    inc = selectors.get_incubation(request.auth, incubation_id)
    s = registry_services.record_incubation_service(actor(request), inc, **body.dict())
    return Status(201, {"id": s.pk, "kind": s.kind, "provided_on": s.provided_on.isoformat(), "hours": str(s.hours)})
