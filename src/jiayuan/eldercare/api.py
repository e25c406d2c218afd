"""``/api/v1/eldercare/…``: elderly capacity assessments (GB/T 42195-2022).

- ``POST /eldercare/assessments/score`` scores a form and records nothing: 200 with
  ``total``, ``dimensions``, ``initial_level``, ``level`` and ``adjustments``.
- ``POST /eldercare/assessments`` records an assessment (person, reason, date, two
  assessors, the same inputs), computed by the same rule: 201 with the same fields.
- An item missing, unknown or out of its range answers 422 with the standard error
  body, the field naming the item (``items.stairs``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import Id, Int, Page, PageSize, paging
from ..errors import Forbidden, NotFound, ValidationFailed
from ..imports.export import content_disposition
from ..people import selectors as people_selectors
from ..regions import selectors as region_selectors
from . import rules, selectors, services
from .exports import XLSX
from .models import CapacityAssessment, Entitlement, Level, Reason
from .orders import rules as order_rules
from .orders import selectors as order_selectors
from .orders.api import HomeCareSettlementDetailOut, settlement_detail_out
from .orders.api import display_name as _who
from .orders.api import router as orders_router

router = Router(tags=["养老服务"])


class AssessmentScoreIn(Schema):
    items: Any = None
    coma: Any = False
    diagnoses: Any = None
    risk_events: Any = None


class AssessmentScoreOut(Schema):
    total: int
    dimensions: dict[str, int]
    initial_level: str
    initial_level_name: str
    level: str
    level_name: str
    adjustments: list[dict]
    cumulative: bool


class AssessmentIn(AssessmentScoreIn):
    person: Id
    reason: Any = None
    assessed_on: Any = None
    date: Any = None
    assessors: Any = None
    note: Any = ""


class AssessmentAssessorOut(Schema):
    id: int
    name: str


class AssessmentOut(AssessmentScoreOut):
    id: int
    person: int
    person_name: str
    region: str
    reason: str
    reason_name: str
    assessed_on: datetime.date
    assessors: list[AssessmentAssessorOut]
    items: dict[str, int]
    coma: bool
    diagnoses: list[str]
    risk_events: list[str]
    next_due: datetime.date
    note: str
    created_at: datetime.datetime


class AssessmentPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AssessmentOut]


def adjustment_out(adj: dict) -> dict:
    """An adjustment with its Chinese (or English) name and the level names."""
    return {**adj, "name": _(rules.ADJUSTMENT_NAMES[adj["code"]]), "from_name": _(rules.LEVEL_NAMES[adj["from"]]),
            "to_name": _(rules.LEVEL_NAMES[adj["to"]])}


def score_out(result: rules.Result, cumulative: bool) -> dict:
    return {"total": result.total, "dimensions": dict(result.dimensions), "initial_level": result.initial_level,
            "initial_level_name": _(rules.LEVEL_NAMES[result.initial_level]), "level": result.level,
            "level_name": _(rules.LEVEL_NAMES[result.level]),
            "adjustments": [adjustment_out(a.as_dict()) for a in result.adjustments], "cumulative": cumulative}


def assessment_out(a: CapacityAssessment) -> dict:
    """An assessment as the API shows it."""
    return {
        "id": a.pk, "person": a.person_id, "person_name": a.person.name, "region": a.person.region_id,
        "reason": a.reason, "reason_name": a.get_reason_display(), "assessed_on": a.assessed_on,
        "assessors": [{"id": u.pk, "name": u.full_name or u.username} for u in (a.assessor_1, a.assessor_2)],
        "items": a.items, "coma": a.coma, "diagnoses": a.diagnoses, "risk_events": a.risk_events,
        "total": a.total, "dimensions": {"self_care": a.self_care, "mobility": a.mobility, "mental": a.mental,
                                         "perception": a.perception},
        "initial_level": a.initial_level, "initial_level_name": a.get_initial_level_display(),
        "level": a.level, "level_name": a.get_level_display(),
        "adjustments": [adjustment_out(x) for x in a.adjustments], "cumulative": a.cumulative,
        "next_due": a.next_due, "note": a.note, "created_at": timezone.localtime(a.created_at),
    }


def _bad(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [{"code": code, "message": message}]})


def _require_reader(user) -> None:
    if not selectors.can_read(user):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


@router.post("/eldercare/assessments/score", response=AssessmentScoreOut,
             summary="老年人能力评估计分（GB/T 42195-2022；不保存）：26项得分、昏迷、诊断、近30天照护风险事件 → 总分、初步等级、等级变更、最终等级")
def score_assessment(request, body: AssessmentScoreIn):
    if not request.auth.can(Perm.ASSESS_ELDERLY):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    result = services.score(body.items, body.coma, body.diagnoses, body.risk_events)
    return score_out(result, selectors.adjustments_cumulative())


@router.post("/eldercare/assessments", response={201: AssessmentOut},
             summary="登记老年人能力评估（两名评估员；原因 first/routine/immediate/review；结果按与计分接口相同的规则计算，历史记录不覆盖）")
def record_assessment(request, body: AssessmentIn):
    if not request.auth.can(Perm.ASSESS_ELDERLY):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    try:
        person = people_selectors.get_person(request.auth, body.person)
    except (Http404, NotFound):
        raise _bad("person", "person.not_found", _("居民不存在或不在您的管辖范围内")) from None
    assessors = body.assessors
    if not isinstance(assessors, list) or len(assessors) != 2:
        raise _bad("assessors", "assessors.two", _("评估员应为两名账号的编号，如 [12, 15]"))
    a = services.record_assessment(
        actor(request), person, reason=body.reason, assessed_on=body.assessed_on or body.date,
        assessor_1=assessors[0], assessor_2=assessors[1], items=body.items, coma=body.coma,
        diagnoses=body.diagnoses, risk_events=body.risk_events, note=body.note or "")
    return Status(201, assessment_out(a))


def _filters(user, region: str, level: str, reason: str, person: int | None, latest: bool,
             due_by: datetime.date | None, q: str = "") -> selectors.AssessmentFilters:
    if level and level not in Level.values:
        raise _bad("level", "level.unknown", _("能力等级应为 intact、mild、moderate、severe 或 total"))
    if reason and reason not in Reason.values:
        raise _bad("reason", "reason.unknown", _("评估原因应为 first、routine、immediate 或 review"))
    return selectors.AssessmentFilters(region=region.strip(), level=level, reason=reason, person=person,
                                       latest=latest, due_by=due_by, q=q.strip())


@router.get("/eldercare/assessments", response=AssessmentPage,
            summary="老年人能力评估列表（按区划 region、等级 level、原因 reason、居民 person 筛选；latest=true 每人只列最近一次；due_by 列出届时应复评的）")
def list_assessments(request, region: str = "", level: str = "", reason: str = "", person: Id | None = None,
                     latest: bool = False, due_by: datetime.date | None = None, page: Page = 1,
                     page_size: PageSize = 50):
    user = request.auth
    _require_reader(user)
    f = _filters(user, region, level, reason, person, latest, due_by)
    page_size, page, start = paging(page, page_size)
    qs = selectors.search_assessments(user, f)
    rows = list(qs[start:start + page_size])
    count = len(rows) if page == 1 and len(rows) < page_size else qs.count()
    return {"count": count, "page": page, "page_size": page_size, "results": [assessment_out(a) for a in rows]}


@router.get("/eldercare/assessments/export", summary="导出老年人能力评估（xlsx，中文文件名；不含诊断）",
            response={200: None})
def export_assessments(request, region: str = "", level: str = "", reason: str = "", latest: bool = False,
                       due_by: datetime.date | None = None):
    user = request.auth
    _require_reader(user)
    f = _filters(user, region, level, reason, None, latest, due_by)
    reg = None
    if f.region:
        try:
            reg = region_selectors.get_region(user, f.region)
        except (Http404, NotFound):
            raise NotFound("region.not_found") from None
    elif user.scope_id:
        reg = user.scope
    data, name, fallback, n = services.export_assessments(actor(request), f, reg)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


@router.get("/eldercare/assessments/{int:assessment_id}", response=AssessmentOut, summary="老年人能力评估详情")
def get_assessment(request, assessment_id: Id):
    _require_reader(request.auth)
    return assessment_out(selectors.get_assessment(request.auth, assessment_id))


# --- day-care facilities -------------------------------------------------------------------

class DayCareFacilityIn(Schema):
    kind: Any = None
    name: Any = None
    region: Any = None
    address: Any = ""
    floor_area: Any = None
    seats: Any = 0
    beds: Any = 0
    operator: Any = None
    opened_on: Any = None
    closed_on: Any = None
    services: Any = None
    note: Any = ""
    version: Int | None = None


class DayCareAssignmentOut(Schema):
    id: int
    region: str
    region_name: str
    start: datetime.date
    end: datetime.date | None


class DayCareSubsidyOut(Schema):
    id: int
    year: int
    kind: str
    kind_name: str
    amount: str
    source: str
    approval: str
    approved_on: datetime.date


class DayCareFacilityOut(Schema):
    id: int
    kind: str
    kind_name: str
    name: str
    region: str
    region_name: str
    address: str
    floor_area: str
    seats: int
    beds: int
    operator: int | None
    operator_name: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None
    status: str
    services: list[str]
    note: str
    version: int
    assignments: list[DayCareAssignmentOut]
    subsidies: list[DayCareSubsidyOut]


class DayCareFacilityPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[DayCareFacilityOut]


class DayCareAssignmentIn(Schema):
    region: Any = None
    start: Any = None
    end: Any = None


class DayCareSubsidyIn(Schema):
    year: Any = None
    kind: Any = None
    amount: Any = None
    source: Any = None
    approval: Any = None
    approved_on: Any = None


class DayCareAttendanceIn(Schema):
    day: Any = None
    count: Any = None
    person: Id | None = None


class DayCareAttendanceOut(Schema):
    facility: int
    day: datetime.date
    person_visits: int


class DayCareCoverageOut(Schema):
    region: str
    on: datetime.date
    urban_served: int
    urban_total: int
    urban: float | None
    rural_served: int
    rural_total: int
    rural: float | None
    uncovered: list[dict]


def facility_out(f, full: bool = True) -> dict:
    today = timezone.localdate()
    return {
        "id": f.pk, "kind": f.kind, "kind_name": f.get_kind_display(), "name": f.name, "region": f.region_id,
        "region_name": f.region.name, "address": f.address, "floor_area": str(f.floor_area), "seats": f.seats,
        "beds": f.beds, "operator": f.operator_id, "operator_name": f.operator.name if f.operator_id else "",
        "opened_on": f.opened_on, "closed_on": f.closed_on, "status": f.status_on(today), "services": f.services,
        "note": f.note, "version": f.version,
        "assignments": [{"id": a.pk, "region": a.region_id, "region_name": a.region.name, "start": a.start,
                         "end": a.end} for a in selectors.assignments_of(f)] if full else [],
        "subsidies": [{"id": s.pk, "year": s.year, "kind": s.kind, "kind_name": s.get_kind_display(),
                       "amount": str(s.amount), "source": s.source, "approval": s.approval,
                       "approved_on": s.approved_on} for s in selectors.subsidies_of(f)] if full else [],
    }


def _require_view(user) -> None:
    if not user.can(Perm.VIEW_ELDERCARE):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


@router.get("/eldercare/facilities", response=DayCareFacilityPage,
            summary="日间照料中心、互助幸福院列表（按类型 kind、区划 region、状态 status=operating/planned/closed 筛选）")
def list_facilities(request, kind: str = "", region: str = "", status: str = "", q: str = "", page: Page = 1,
                    page_size: PageSize = 50):
    user = request.auth
    _require_view(user)
    if status not in ("", "operating", "planned", "closed"):
        raise _bad("status", "status.unknown", _("状态应为 operating、planned 或 closed"))
    page_size, page, start = paging(page, page_size)
    qs = selectors.search_facilities(user, selectors.FacilityFilters(kind=kind, region=region.strip(), status=status,
                                                                     q=q.strip()))
    rows = list(qs[start:start + page_size])
    count = len(rows) if page == 1 and len(rows) < page_size else qs.count()
    return {"count": count, "page": page, "page_size": page_size,
            "results": [facility_out(f, full=False) for f in rows]}


@router.post("/eldercare/facilities", response={201: DayCareFacilityOut}, summary="登记日间照料设施")
def create_facility(request, body: DayCareFacilityIn):
    f = services.save_facility(actor(request), body.dict(exclude={"version"}))
    return Status(201, facility_out(f))


@router.get("/eldercare/facilities/{int:facility_id}", response=DayCareFacilityOut, summary="设施详情（服务范围、补贴）")
def get_facility(request, facility_id: Id):
    _require_view(request.auth)
    return facility_out(selectors.get_facility(request.auth, facility_id))


@router.put("/eldercare/facilities/{int:facility_id}", response=DayCareFacilityOut, summary="修改设施（带 version）")
def update_facility(request, facility_id: Id, body: DayCareFacilityIn):
    _require_view(request.auth)
    f = selectors.get_facility(request.auth, facility_id)
    return facility_out(services.save_facility(actor(request), body.dict(exclude={"version"}), f,
                                               version=body.version))


@router.post("/eldercare/facilities/{int:facility_id}/assignments", response={201: DayCareFacilityOut},
             summary="为设施增加服务的社区（村）")
def add_assignment(request, facility_id: Id, body: DayCareAssignmentIn):
    _require_view(request.auth)
    f = selectors.get_facility(request.auth, facility_id)
    services.assign(actor(request), f, body.region, body.start, body.end)
    return Status(201, facility_out(f))


@router.post("/eldercare/facilities/{int:facility_id}/subsidies", response={201: DayCareFacilityOut},
             summary="登记设施的建设补贴或运营补贴（元）")
def add_subsidy(request, facility_id: Id, body: DayCareSubsidyIn):
    _require_view(request.auth)
    f = selectors.get_facility(request.auth, facility_id)
    services.record_subsidy(actor(request), f, **body.dict())
    return Status(201, facility_out(f))


@router.post("/eldercare/facilities/{int:facility_id}/attendance", response=DayCareAttendanceOut,
             summary="登记到访：带 person 为实名签到，否则 count 为当日人次")
def add_attendance(request, facility_id: Id, body: DayCareAttendanceIn):
    _require_view(request.auth)
    f = selectors.get_facility(request.auth, facility_id)
    if body.person is not None:
        try:
            person = people_selectors.get_person(request.auth, body.person)
        except (Http404, NotFound):
            raise _bad("person", "person.not_found", _("居民不存在或不在您的管辖范围内")) from None
        c = services.check_in(actor(request), f, person, body.day)
        day = c.day
    else:
        day = services.record_daily_count(actor(request), f, body.day, body.count).day
    return {"facility": f.pk, "day": day, "person_visits": selectors.person_visits([f], day, day)[f.pk]}


@router.get("/eldercare/coverage", response=DayCareCoverageOut,
            summary="日间照料覆盖率：城市 = 已分配设施的城市社区 ÷ 全部城市社区；农村 = 已分配的行政村 ÷ 全部行政村（任一区划、任一日期）")
def get_coverage(request, region: str = "", on: datetime.date | None = None):
    user = request.auth
    _require_view(user)
    reg = None
    if region.strip():
        try:
            reg = region_selectors.get_region(user, region.strip())
        except (Http404, NotFound):
            raise NotFound("region.not_found") from None
    cov = selectors.coverage(user, reg, on or timezone.localdate())
    return {"region": reg.code if reg else user.scope_code, "on": cov.on, "urban_served": cov.urban_served,
            "urban_total": cov.urban_total, "urban": cov.urban, "rural_served": cov.rural_served,
            "rural_total": cov.rural_total, "rural": cov.rural,
            "uncovered": [{"code": c, "kind": k, "name": n} for c, k, n in cov.uncovered]}


# --- home care: catalogue, standards, eligibility, entitlements ---------------------------

class HomeCareItemIn(Schema):
    county: Any = None
    code: Any = None
    kind: Any = None
    name: Any = None
    unit: Any = None
    price: Any = None
    min_minutes: Any = 0
    evidence: Any = None
    active: Any = True


class HomeCareItemOut(Schema):
    id: int
    county: str
    code: str
    kind: str
    kind_name: str
    name: str
    unit: str
    unit_name: str
    price: str
    min_minutes: int
    evidence: list[str]
    active: bool


class HomeCareStandardIn(Schema):
    county: Any = None
    category: Any = None
    level: Any = ""
    effective_from: Any = None
    amount: Any = None
    hours: Any = 0
    basis: Any = None


class HomeCareStandardOut(Schema):
    id: int
    county: str
    category: str
    category_name: str
    level: str
    effective_from: datetime.date
    amount: str
    hours: str
    basis: str


class HomeCareEntitlementIn(Schema):
    person: Id
    start_month: Any = None
    family_planning: bool = False


class HomeCareEntitlementEndIn(Schema):
    end_month: Any = None
    reason: Any = None


class HomeCareEntitlementOut(Schema):
    id: int
    person: int
    person_name: str
    county: str
    category: str
    category_name: str
    level: str
    amount: str
    hours: str
    start_month: datetime.date
    end_month: datetime.date | None
    status: str
    categories: list[str]


class HomeCareEligibilityOut(Schema):
    person: int
    month: datetime.date
    categories: list[str]
    capacity_level: str | None
    category: str | None
    amount: str | None
    hours: str | None


def item_out(i) -> dict:
    return {"id": i.pk, "county": i.county_id, "code": i.code, "kind": i.kind, "kind_name": _(rules.HOMECARE_KINDS[i.kind]),
            "name": i.name, "unit": i.unit, "unit_name": _(rules.HOMECARE_UNITS[i.unit]), "price": str(i.price),
            "min_minutes": i.min_minutes, "evidence": i.evidence, "active": i.active}


def standard_out(s) -> dict:
    return {"id": s.pk, "county": s.county_id, "category": s.category,
            "category_name": _(rules.ENTITLEMENT_CATEGORIES[s.category]), "level": s.level,
            "effective_from": s.effective_from, "amount": str(s.amount), "hours": str(s.hours), "basis": s.basis}


def entitlement_out(e) -> dict:
    return {"id": e.pk, "person": e.person_id, "person_name": e.person.name, "county": e.county_id,
            "category": e.category, "category_name": _(rules.ENTITLEMENT_CATEGORIES[e.category]), "level": e.level,
            "amount": str(e.amount), "hours": str(e.hours), "start_month": e.start_month, "end_month": e.end_month,
            "status": e.status, "categories": (e.basis or {}).get("categories", [])}


def _county_param(user, county: str) -> str:
    county = (county or user.scope_code)[:6]
    if len(county) != 6 or not county.isdigit():
        raise _bad("county", "county.invalid", _("请指定县（区）代码（6位）"))
    return county


@router.get("/eldercare/homecare/items", response=list[HomeCareItemOut], summary="县（区）居家养老上门服务目录")
def list_items(request, county: str = ""):
    _require_view(request.auth)
    return [item_out(i) for i in selectors.items_for(request.auth, _county_param(request.auth, county))]


@router.post("/eldercare/homecare/items", response={201: HomeCareItemOut}, summary="增加服务目录项目（单价为元，最短时长为分钟）")
def create_item(request, body: HomeCareItemIn):
    data = body.dict()
    return Status(201, item_out(services.save_item(actor(request), data.pop("county"), data)))


@router.get("/eldercare/homecare/standards", response=list[HomeCareStandardOut], summary="居家养老服务标准（按对象类别、能力等级、起始月份）")
def list_standards(request, county: str = ""):
    _require_view(request.auth)
    return [standard_out(s) for s in selectors.standards_of(request.auth, _county_param(request.auth, county))]


@router.post("/eldercare/homecare/standards", response={201: HomeCareStandardOut}, summary="设定居家养老服务标准（自某月起，不改旧行）")
def create_standard(request, body: HomeCareStandardIn):
    d = body.dict()
    return Status(201, standard_out(services.set_standard(actor(request), d.pop("county"), **d)))


@router.get("/eldercare/eligibility/{int:person_id}", response=HomeCareEligibilityOut,
            summary="居家养老服务对象认定：由居民库标签、最近一次能力评估和年龄得出类别，按当月标准取最高一项")
def get_eligibility(request, person_id: Id, month: datetime.date | None = None, family_planning: bool = False):
    _require_view(request.auth)
    try:
        person = people_selectors.get_person(request.auth, person_id)
    except (Http404, NotFound):
        raise NotFound("person.not_found") from None
    month = (month or timezone.localdate()).replace(day=1)
    r = selectors.eligibility(person, month, {"family_planning": family_planning})
    choice = r["choice"]
    return {"person": person.pk, "month": month, "categories": r["categories"],
            "capacity_level": r["facts"]["capacity_level"], "category": choice[0] if choice else None,
            "amount": str(choice[1]) if choice else None, "hours": str(choice[2]) if choice else None}


@router.get("/eldercare/entitlements", response=list[HomeCareEntitlementOut], summary="居家养老服务待遇（享受中）")
def list_entitlements(request, status: str = "active"):
    _require_view(request.auth)
    qs = selectors.entitlements_for(request.auth)
    if status:
        qs = qs.filter(status=status)
    return [entitlement_out(e) for e in qs.order_by("-start_month", "id")[:1000]]


@router.post("/eldercare/entitlements", response={201: HomeCareEntitlementOut},
             summary="县级审批居家养老服务待遇（金额、时长按标准计算，不手填）")
def approve(request, body: HomeCareEntitlementIn):
    try:
        person = people_selectors.get_person(request.auth, body.person)
    except (Http404, NotFound):
        raise _bad("person", "person.not_found", _("居民不存在或不在您的管辖范围内")) from None
    e = services.approve_entitlement(actor(request), person, body.start_month, family_planning=body.family_planning)
    return Status(201, entitlement_out(e))


@router.post("/eldercare/entitlements/{int:entitlement_id}/end", response=HomeCareEntitlementOut, summary="终止居家养老服务待遇")
def end(request, entitlement_id: Id, body: HomeCareEntitlementEndIn):
    _require_view(request.auth)
    try:
        e = selectors.entitlements_for(request.auth).get(pk=entitlement_id)
    except Entitlement.DoesNotExist:
        raise NotFound("entitlement.not_found") from None
    return entitlement_out(services.end_entitlement(actor(request), e, body.end_month, body.reason))


# --- home-care orders and settlements (read) ---------------------------------------------
# Scoped and need-to-know exactly as the pages (eldercare/orders/views.py), through the same
# selectors: a care worker reads the orders of a day dispatched to them (name, service
# address, item — no more); an order's history is for the board's users (civil-affairs
# staff of the order's region, the provider's dispatcher) — a care worker's own order
# answers like one that does not exist, as their phone never shows it; settlements as
# ``orders.selectors.settlements_for``.


class HomeCareWorkerOrderOut(Schema):
    id: int
    status: str
    status_name: str
    person_name: str
    address: str
    item: str
    unit: str
    quantity: str
    min_minutes: int
    checkin_at: datetime.datetime | None
    checkout_at: datetime.datetime | None


class HomeCareWorkerDayOut(Schema):
    day: datetime.date
    count: int
    done: int
    orders: list[HomeCareWorkerOrderOut]


class HomeCareOrderEventOut(Schema):
    at: datetime.datetime
    action: str
    action_name: str
    from_state: str
    to_state: str
    state_name: str
    actor: str
    note: str
    method: str = ""


class HomeCareOrderCallbackOut(Schema):
    at: datetime.datetime
    method: str
    method_name: str
    result: str
    result_name: str
    by: str
    note: str


class HomeCareOrderComplaintOut(Schema):
    id: int
    received_at: datetime.datetime
    complainant: str
    content: str
    status: str
    status_name: str
    decision: str
    decided_at: datetime.datetime | None


class HomeCareOrderHistoryOut(Schema):
    id: int
    status: str
    status_name: str
    person: int
    person_name: str
    provider: str
    worker: str
    item: str
    scheduled_on: datetime.date
    events: list[HomeCareOrderEventOut]
    callbacks: list[HomeCareOrderCallbackOut]
    complaints: list[HomeCareOrderComplaintOut]


@router.get("/eldercare/my/orders", response=HomeCareWorkerDayOut,
            summary="护理员某日的上门服务工单（默认今天；只含老人姓名、服务地址和服务项目）")
def my_orders(request, day: datetime.date | None = None):
    """The care worker's orders of ``day`` (default today, the city's date) dispatched to
    them, void ones left out: 403 for an account without an active care-worker duty (as
    the phone page)."""
    user = request.auth
    if not order_selectors.is_worker(user):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    day = day or timezone.localdate()
    rows = order_selectors.worker_day(user, day)
    return {"day": day, "count": len(rows), "done": sum(r["status"] == "done" for r in rows), "orders": [
        {"id": r["id"], "status": r["status"], "status_name": _(order_rules.STATES[r["status"]]),
         "person_name": r["person__name"], "address": r["plan__address"], "item": r["item__name"],
         "unit": r["item__unit"], "quantity": str(r["quantity"]), "min_minutes": r["item__min_minutes"],
         "checkin_at": r["checkin_at"], "checkout_at": r["checkout_at"]} for r in rows]}


@router.get("/eldercare/orders/{int:order_id}/history", response=HomeCareOrderHistoryOut,
            summary="居家养老服务工单的流转记录、回访和投诉")
def order_history(request, order_id: Id):
    """The order's events (dispatch, check-in, check-out, confirmation …), call-backs and
    complaints, oldest first. 404 ``order.not_found`` outside the reader's scope, and for a
    care worker who is not also a board user (need-to-know: the phone shows no history)."""
    user = request.auth
    if not (user.can(Perm.VIEW_ELDERCARE) or order_selectors.is_dispatcher(user)):
        raise NotFound("order.not_found")
    o = order_selectors.get_order(user, order_id)
    events = [{"at": e.at, "action": e.action,
               "action_name": _(order_rules.ACTIONS.get(e.action, order_rules.EVENT_NAMES.get(e.action, e.action))),
               "from_state": e.from_state, "to_state": e.to_state,
               "state_name": _(order_rules.STATES[e.to_state]) if e.to_state in order_rules.STATES else "",
               "actor": _who(e.actor), "note": e.note,
               "method": (e.data or {}).get("method", "") if e.action == "confirm" else ""}
              for e in o.events.select_related("actor").order_by("at", "id")]
    callbacks = [{"at": c.at, "method": c.method, "method_name": _(order_rules.CALLBACK_METHODS.get(c.method, c.method)),
                  "result": c.result, "result_name": _(order_rules.CALLBACK_RESULTS.get(c.result, c.result)),
                  "by": _who(c.by), "note": c.note}
                 for c in o.callbacks.select_related("by").order_by("at", "id")]
    complaints = [{"id": c.pk, "received_at": c.received_at, "complainant": c.complainant, "content": c.content,
                   "status": c.status, "status_name": c.get_status_display(), "decision": c.decision,
                   "decided_at": c.decided_at} for c in o.complaints.order_by("received_at", "id")]
    return {"id": o.pk, "status": o.status, "status_name": _(order_rules.STATES[o.status]), "person": o.person_id,
            "person_name": o.person.name, "provider": o.provider.name, "worker": _who(o.worker),
            "item": o.item.name, "scheduled_on": o.scheduled_on, "events": events, "callbacks": callbacks,
            "complaints": complaints}


@router.get("/eldercare/settlements/{int:settlement_id}", response=HomeCareSettlementDetailOut,
            summary="居家养老服务结算单（明细、扣减、审批记录）")
def get_settlement(request, settlement_id: Id):
    """One settlement with its live lines (each order, the elder's name, the item, the
    amounts and the named deductions) and its events. 404 ``settlement.not_found``
    outside the reader's scope or provider."""
    user = request.auth
    if not (user.can(Perm.VIEW_ELDERCARE) or order_selectors.is_dispatcher(user)):
        raise NotFound("settlement.not_found")
    return settlement_detail_out(order_selectors.get_settlement(user, settlement_id))


router.add_router("", orders_router)
