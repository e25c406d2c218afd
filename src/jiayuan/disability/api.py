"""``/api/v1/disability-certificates``: second-generation disability certificates.

The number is shown masked (``620702********123452``: the ID part masked, the type and
grade digits visible); ``POST /disability-certificates/{id}/reveal`` returns it whole to
a role that may see ID numbers, audited as a read of the holder's ID number. Writes take
the ``version`` the client saw (409 ``disability.conflict`` if someone else wrote first).
"""

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import Id, Int, Page, PageSize, paging
from ..errors import Forbidden, NotFound, ValidationFailed
from ..people import selectors as people_selectors
from . import selectors, services
from .models import DisabilityCertificate

router = Router(tags=["残疾人"])

class DisabilityCertificateOut(Schema):
    id: int
    person: int
    person_name: str
    region: str
    number: str
    disability_type: int
    disability_type_name: str
    grade: int
    grade_name: str
    issued_on: date
    valid_until: date | None
    long_term_care_need: bool
    status: str
    status_name: str
    status_reason: str
    note: str
    version: int
    created_at: datetime
    updated_at: datetime


class CertificatePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[DisabilityCertificateOut]


class DisabilityCertificateIn(Schema):
    person: Id
    number: Any = None
    issued_on: Any = None
    valid_until: Any = None
    long_term_care_need: bool = False
    note: Any = ""
    replaces: Id | None = None
    replaces_version: Int | None = None


class RevokeIn(Schema):
    reason: Any = ""
    version: Int | None = None


class CareNeedIn(Schema):
    long_term_care_need: bool
    version: Int | None = None
    note: Any = ""


class CertificateRevealIn(Schema):
    purpose: str = ""


class CertificateRevealOut(Schema):
    number: str


def certificate_out(c: DisabilityCertificate) -> dict:
    """A certificate as the API shows it (number masked)."""
    return {
        "id": c.pk, "person": c.person_id, "person_name": c.person.name, "region": c.person.region_id,
        "number": selectors.masked_number(c), "disability_type": c.disability_type,
        "disability_type_name": c.get_disability_type_display(), "grade": c.grade,
        "grade_name": c.get_grade_display(), "issued_on": c.issued_on, "valid_until": c.valid_until,
        "long_term_care_need": c.long_term_care_need, "status": c.status, "status_name": c.get_status_display(),
        "status_reason": c.status_reason, "note": c.note, "version": c.version,
        "created_at": timezone.localtime(c.created_at), "updated_at": timezone.localtime(c.updated_at),
    }


def _bad(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [{"code": code, "message": message}]})


@router.get("/disability-certificates", response=CertificatePage,
            summary="残疾人证列表（按类别 type 1–7、等级 grade 1–4、区划 region、长期照护需求 care_need、状态 status 筛选；默认只列有效证）")
def list_certificates(request, type: Int | None = None, grade: Int | None = None, region: str = "",
                      care_need: bool | None = None, status: str = "valid", person: Id | None = None,
                      page: Page = 1, page_size: PageSize = 50):
    user = request.auth
    if not user.can(Perm.VIEW_REGISTRY):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    if type is not None and type not in range(1, 8):
        raise _bad("type", "type.range", _("残疾类别应为 1–7"))
    if grade is not None and grade not in range(1, 5):
        raise _bad("grade", "grade.range", _("残疾等级应为 1–4"))
    if status not in ("", *DisabilityCertificate.Status.values, "all"):
        raise _bad("status", "status.unknown", _("状态应为 valid、replaced、revoked 或 all"))
    page_size, page, start = paging(page, page_size)
    f = selectors.CertificateFilters(disability_type=type, grade=grade, region=region.strip(), care_need=care_need,
                                     status="" if status == "all" else status, person=person)
    qs = selectors.search_certificates(user, f)
    rows = list(qs[start:start + page_size])
    count = len(rows) if page == 1 and len(rows) < page_size else qs.count()
    return {"count": count, "page": page, "page_size": page_size, "results": [certificate_out(c) for c in rows]}


@router.post("/disability-certificates", response={201: DisabilityCertificateOut},
             summary="登记残疾人证（证号须为持证人身份证号 + 类别 + 等级；已有有效证时新证替换旧证）")
def record_certificate(request, body: DisabilityCertificateIn):
    try:
        person = people_selectors.get_person(request.auth, body.person)
    except NotFound:
        raise _bad("person", "person.not_found", _("居民不存在或不在您的管辖范围内")) from None
    cert = services.record_certificate(
        actor(request), person, body.number, body.issued_on, body.valid_until, body.long_term_care_need,
        body.note or "", replaces=body.replaces, replaces_version=body.replaces_version)
    return Status(201, certificate_out(cert))


@router.get("/disability-certificates/{int:cert_id}", response=DisabilityCertificateOut, summary="残疾人证详情（证号脱敏）")
def get_certificate(request, cert_id: Id):
    return certificate_out(selectors.get_certificate(request.auth, cert_id))


@router.post("/disability-certificates/{int:cert_id}/revoke", response=DisabilityCertificateOut, summary="注销残疾人证（须填原因）")
def revoke_certificate(request, cert_id: Id, body: RevokeIn):
    cert = selectors.get_certificate(request.auth, cert_id)
    return certificate_out(services.revoke_certificate(actor(request), cert, body.reason, version=body.version))


@router.post("/disability-certificates/{int:cert_id}/care-need", response=DisabilityCertificateOut,
             summary="设置长期照护需求（6个月以上；护理补贴的条件之一）")
def set_care_need(request, cert_id: Id, body: CareNeedIn):
    cert = selectors.get_certificate(request.auth, cert_id)
    return certificate_out(services.set_care_need(actor(request), cert, body.long_term_care_need,
                                                  version=body.version, note=body.note or ""))


@router.post("/disability-certificates/{int:cert_id}/reveal", response=CertificateRevealOut,
             summary="查看完整残疾人证号（记入审计，与查看身份证号相同）")
def reveal(request, cert_id: Id, body: CertificateRevealIn | None = None):
    cert = selectors.get_certificate(request.auth, cert_id)
    return {"number": services.reveal_number(actor(request), cert, purpose=body.purpose if body else "")}


class NetworkCoverageOut(Schema):
    region: str
    units: int
    with_association: int
    with_helper_group: int
    with_both: int
    association_percent: float
    helper_group_percent: float


@router.get("/disability/network/coverage", response=NetworkCoverageOut,
            summary="助残服务网络覆盖率：区划（默认本人管辖范围）内村（社区）有残协、有助残小组、两者都有的个数和比例")
def network_coverage(request, region: str = ""):
    from ..errors import NotFound

    user = request.auth
    if not user.can(Perm.MANAGE_DISABILITY):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    code = region.strip()[:15] or user.scope_code
    if not code.startswith(user.scope_code) or not code.isdigit():
        raise NotFound("region.not_found")
    c = selectors.coverage(code)
    return {"region": code, "units": c.units, "with_association": c.with_association,
            "with_helper_group": c.with_helper_group, "with_both": c.with_both,
            "association_percent": c.association_percent, "helper_group_percent": c.helper_group_percent}
