"""``/api/v1/service-items``, ``/api/v1/certificates``, ``/api/v1/community-tasks`` and the
public endpoints without an account under ``/api/v1/public/`` (service catalog, status
lookup by case number + last four phone digits, certificate verification)."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..api.auth import actor
from ..client_ip import client_ip
from ..api.types import Id
from ..errors import NotFound, ServiceError, ValidationFailed
from . import selectors, services
from .models import Certificate, CommunityTask

router = Router(tags=["便民服务中心"])


def _client(request) -> str:
    """The rate-limit key's address: the client behind the trusted proxies (client_ip)."""
    return client_ip(request) or "unknown"


class ServiceItemOut(Schema):
    code: str
    name: str
    area: str
    area_name: str
    description: str
    materials: list[str]
    time_limit_days: int
    department_names: str
    departments: list[int]
    community_completable: bool
    public: bool
    legal_basis: str


def _item_out(i) -> dict:
    return {"code": i.code, "name": i.name, "area": i.area, "area_name": i.get_area_display(),
            "description": i.description, "materials": i.materials, "time_limit_days": i.time_limit_days,
            "department_names": i.department_names, "departments": [d.pk for d in i.departments.all()],
            "community_completable": i.community_completable, "public": i.public, "legal_basis": i.legal_basis}


@router.get("/service-items", response=list[ServiceItemOut], summary="服务事项目录")
def service_items(request, area: str = ""):
    return [_item_out(i) for i in selectors.service_items(area=area)]


@router.get("/public/service-items", response=list[ServiceItemOut], auth=None, summary="公开的服务事项目录（无需登录）")
def public_service_items(request, area: str = ""):
    return [_item_out(i) for i in selectors.service_items(public_only=True, area=area)]


class StatusOut(Schema):
    number: str
    type: str
    title: str
    status: str
    closed: bool
    submitted_at: date
    accepted_at: date | None
    due_date: date | None
    closed_at: date | None


@router.get("/public/case-status", response=StatusOut, auth=None,
            summary="办理进度查询（编号 + 手机号后四位；限频；只显示状态和日期）")
def case_status(request, number: str = "", phone_tail: str = ""):
    return services.public_status(number, phone_tail, _client(request))


class VerifyOut(Schema):
    number: str
    kind: str
    community: str
    issued_at: date
    status: str
    holder: str


@router.get("/public/certificates/{number}", response=VerifyOut, auth=None,
            summary="证明真伪核验（编号 + 证明上印的核验码；限频）")
def verify_certificate(request, number: str, code: str = ""):
    """``?code=`` is the verification code printed on the certificate (hyphens, spaces and
    case do not matter). Without it: 422 ``verify.code_required``; a wrong code answers
    exactly like an unknown number (404 ``certificate.not_found``). 60 tries per client
    address per 10 minutes (429)."""
    if services.rate_hit(f"verify-ip:{_client(request)}", 600) > 60:
        raise services.TooManyRequests("verify.rate_limited", _("核验过于频繁，请稍后再试"))
    if not code.strip():
        raise ValidationFailed({"code": [{"code": "verify.code_required",
                                          "message": _("请输入证明上印的核验码")}]})
    out = services.verify_certificate(number, code)
    if out is None:
        err = ServiceError("certificate.not_found", _("未找到该证明，或核验码不符"))
        err.status = 404
        raise err
    return out


class SealKindOut(Schema):
    code: str
    name: str
    list_kind: str
    source: str
    region: str | None
    legal_basis: str
    document_number: str  # 文号 of the published list, as the administrator entered it
    reason: str
    has_template: bool


@router.get("/certificates/kinds", response=list[SealKindOut], summary="印章使用范围清单（可出具 / 不得出具）")
def seal_kinds(request, community: str = ""):
    return [{"code": s.code, "name": s.name, "list_kind": s.list_kind, "source": s.source, "region": s.region_id,
             "legal_basis": s.legal_basis, "document_number": s.document_number, "reason": s.reason,
             "has_template": bool(s.template)}
            for s in selectors.seal_scope_for(request.auth, community)]


class ServiceCertificateIn(Schema):
    person: Id
    kind: str
    purpose: str
    request_key: str = ""


class ServiceCertificateOut(Schema):
    number: str
    kind: str
    community: str
    community_name: str
    person: Id
    holder: str
    purpose: str
    body: str
    status: str
    issued_at: datetime
    issued_by: str
    verify_code: str  # printed on the certificate; public verification needs it


def _cert_out(c: Certificate) -> dict:
    return {"number": c.number, "kind": c.kind_name, "community": c.community_id,
            "community_name": c.community.name, "person": c.person_id, "holder": c.person.name,
            "purpose": c.purpose, "body": c.body, "status": c.status, "issued_at": timezone.localtime(c.issued_at),
            "issued_by": str(c.issued_by), "verify_code": c.verify_code}


@router.post("/certificates", response={201: ServiceCertificateOut}, summary="出具证明（负面清单内的拒绝并说明理由）")
def issue_certificate(request, body: ServiceCertificateIn):
    from ..people.selectors import get_person

    try:
        person = get_person(request.auth, body.person)
    except NotFound:
        raise ValidationFailed({"person": [{"code": "person.not_found",
                                            "message": _("居民不存在或不在您的管辖范围内")}]}) from None
    key = body.request_key or request.headers.get("Idempotency-Key", "")
    cert = services.issue_certificate(actor(request), person, body.kind, body.purpose, request_key=key)
    return Status(201, _cert_out(cert))


@router.get("/certificates/{number}", response=ServiceCertificateOut, summary="证明详情")
def get_certificate(request, number: str):
    return _cert_out(selectors.get_certificate(request.auth, number))


class ReasonIn(Schema):
    reason: str


@router.post("/certificates/{number}/revoke", response=ServiceCertificateOut, summary="作废证明")
def revoke_certificate(request, number: str, body: ReasonIn):
    cert = selectors.get_certificate(request.auth, number)
    return _cert_out(services.revoke_certificate(actor(request), cert, body.reason))


class DecisionIn(Schema):
    community: str
    kind_name: str
    allowed: bool
    reason: str = ""
    legal_basis: str = ""
    template: str = ""


class DecisionOut(Schema):
    id: int
    community: str
    kind_name: str
    allowed: bool
    reason: str
    legal_basis: str
    decided_by: str
    decided_at: datetime


@router.post("/certificate-decisions", response={201: DecisionOut}, summary="社区负责人对清单外证明事项作出决定")
def decide(request, body: DecisionIn):
    from ..regions.selectors import get_region

    community = get_region(request.auth, body.community)
    d = services.decide_certificate_kind(actor(request), community, body.kind_name, body.allowed, reason=body.reason,
                                         legal_basis=body.legal_basis, template=body.template)
    return Status(201, {"id": d.pk, "community": d.community_id, "kind_name": d.kind_name, "allowed": d.allowed,
                        "reason": d.reason, "legal_basis": d.legal_basis, "decided_by": str(d.decided_by),
                        "decided_at": timezone.localtime(d.decided_at)})


class AccessItemOut(Schema):
    code: str
    name: str
    category: str
    legal_basis: str
    document_number: str  # 文号 of the published access list, as the administrator entered it


@router.get("/community-tasks/access-list", response=list[AccessItemOut], summary="社区工作事项准入清单")
def access_list(request):
    return [{"code": i.code, "name": i.name, "category": i.category, "legal_basis": i.legal_basis,
             "document_number": i.document_number}
            for i in selectors.access_list_for(request.auth)]


class TaskIn(Schema):
    community: str
    title: str
    kind: str
    occurs_on: date
    access_item: str = ""
    note: str = ""


class CommunityTaskOut(Schema):
    id: int
    community: str
    department: str
    title: str
    kind: str
    access_item: str | None
    status: str
    status_name: str
    occurs_on: date
    decision_note: str


def _task_out(t: CommunityTask) -> dict:
    return {"id": t.pk, "community": t.community_id, "department": t.department.name if t.department else "",
            "title": t.title, "kind": t.kind, "access_item": t.access_item.code if t.access_item else None,
            "status": t.status, "status_name": t.get_status_display(), "occurs_on": t.occurs_on,
            "decision_note": t.decision_note}


@router.get("/community-tasks", response=list[CommunityTaskOut], summary="交办社区的事项")
def list_tasks(request, status: str = ""):
    qs = selectors.tasks_for(request.auth).order_by("-requested_at")
    if status:
        qs = qs.filter(status=status)
    return [_task_out(t) for t in qs[:500]]


@router.post("/community-tasks", response={201: CommunityTaskOut}, summary="向社区交办事项（清单外须街道审批）")
def assign_task(request, body: TaskIn):
    from ..regions.selectors import get_region

    community = get_region(request.auth, body.community)
    t = services.assign_community_task(actor(request), community, title=body.title, kind=body.kind,
                                       occurs_on=body.occurs_on, access_item=body.access_item, note=body.note)
    return Status(201, _task_out(t))


class TaskDecisionIn(Schema):
    approve: bool
    note: str = ""


@router.post("/community-tasks/{int:task_id}/decision", response=CommunityTaskOut, summary="街道审批清单外事项")
def decide_task(request, task_id: Id, body: TaskDecisionIn):
    task = selectors.get_task(request.auth, task_id)
    return _task_out(services.decide_community_task(actor(request), task, body.approve, body.note))


class TallyOut(Schema):
    community: str
    name: str
    task: int
    meeting: int
    activity: int
    report: int
    inspection: int
    binding: int
    pending: int
    refused: int
    rejected: int
    total: int


@router.get("/community-tasks/tally", response=list[TallyOut], summary="各社区每月被交办的会议、活动等统计")
def tally(request, month: str = ""):
    try:
        first = datetime.strptime(month, "%Y-%m").date() if month else timezone.localdate().replace(day=1)
    except ValueError:
        raise ValidationFailed({"month": [{"code": "month.invalid", "message": _("月份格式应为 YYYY-MM")}]}) from None
    return selectors.monthly_tally(request.auth, first)
