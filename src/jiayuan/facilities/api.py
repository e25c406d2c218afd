"""``/api/v1/facilities…``: community comprehensive service facilities (综合服务设施) with
their rooms, and the coverage of a region (urban communities and villages, area, m² per
100 households against the national target of 30). Writes take the ``version`` the
client saw (409 ``facility.conflict``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import MAX_IDS, BoundedList, Id, Int, Page, PageSize, paging
from ..errors import Forbidden, NotFound
from . import exports, selectors, services
from .models import ServiceFacility

router = Router(tags=["社区设施与经费"])


class FacilityRoomOut(Schema):
    id: int
    name: str
    function: str
    function_name: str
    floor_area: Decimal
    opening_hours: str


class AlsoServesOut(Schema):
    region: str
    region_name: str


class FacilityOut(Schema):
    id: int
    name: str
    region: str
    region_name: str
    also_serves: list[AlsoServesOut]
    address: str
    floor_area: Decimal
    opening_hours: str
    opened_on: date | None
    status: str
    status_name: str
    functions: list[str]
    rooms: list[FacilityRoomOut]
    note: str
    version: int
    updated_at: datetime


class FacilityPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[FacilityOut]


class FacilityIn(Schema):
    name: Any = None
    region: Any = None
    address: Any = None
    floor_area: Any = None
    opening_hours: Any = ""
    opened_on: Any = None
    status: Any = "in_use"
    note: Any = ""


class FacilityPatch(Schema):
    name: Any = None
    region: Any = None
    address: Any = None
    floor_area: Any = None
    opening_hours: Any = None
    opened_on: Any = None
    status: Any = None
    note: Any = None
    version: Int | None = None


class FacilityAlsoServesIn(Schema):
    also_serves: BoundedList[str, MAX_IDS]
    version: Int | None = None


class FacilityRoomIn(Schema):
    name: Any = None
    function: Any = None
    floor_area: Any = None
    opening_hours: Any = ""


class FacilityKindCoverageOut(Schema):
    units: int
    covered: int
    coverage: Decimal | None
    facilities: int
    area: Decimal
    households: int
    per_100_households: Decimal | None
    target: Decimal | None
    meets_target: bool | None


class FacilityCoverageRowOut(Schema):
    region: str
    region_name: str
    urban: FacilityKindCoverageOut
    rural: FacilityKindCoverageOut


class FacilityCoverageOut(FacilityCoverageRowOut):
    children: list[FacilityCoverageRowOut]
    uncovered: list[str]


def room_out(r) -> dict:
    return {"id": r.pk, "name": r.name, "function": r.function, "function_name": str(r.get_function_display()),
            "floor_area": r.floor_area, "opening_hours": r.opening_hours}


def facility_out(f: ServiceFacility) -> dict:
    also = sorted(f.also_serves.all(), key=lambda r: r.code)
    return {"id": f.pk, "name": f.name, "region": f.region_id, "region_name": f.region.name,
            "also_serves": [{"region": r.code, "region_name": r.name} for r in also], "address": f.address,
            "floor_area": f.floor_area, "opening_hours": f.opening_hours, "opened_on": f.opened_on,
            "status": f.status, "status_name": str(f.get_status_display()), "functions": selectors.functions_of(f),
            "rooms": [room_out(r) for r in f.rooms.all()], "note": f.note, "version": f.version,
            "updated_at": timezone.localtime(f.updated_at)}


def _kind(c) -> dict:
    return {"units": c.units, "covered": c.covered, "coverage": c.coverage, "facilities": c.facilities,
            "area": c.area, "households": c.households, "per_100_households": c.per_100, "target": c.target,
            "meets_target": c.meets_target}


def _row(row) -> dict:
    return {"region": row.region.code, "region_name": row.region.name, "urban": _kind(row.urban),
            "rural": _kind(row.rural)}


def _need(request, perm: Perm) -> None:
    if not request.auth.can(perm):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


@router.get("/facilities", response=FacilityPage,
            summary="综合服务设施列表（按区划 region、状态 status（in_use/closed/all）、功能 function 筛选；"
                    "format=xlsx 导出全部符合条件的设施，中文文件名）")
def list_facilities(request, region: str = "", status: str = "in_use", function: str = "",
                    page: Page = 1, page_size: PageSize = 50, format: str = "json"):
    _need(request, Perm.VIEW_FACILITIES)
    user = request.auth
    target = selectors.get_region(user, region) if region.strip() else selectors.home_region(user)
    qs = selectors.search_facilities(user, region=target.code if target else "",
                                     status="" if status == "all" else status, function=function)
    if format == "xlsx":
        today = timezone.localdate()
        return exports.workbook_response(
            exports.facilities_xlsx(target.name if target else _("全部区划"), qs, selectors.functions_of, today),
            *exports.facility_file_names(target, "综合服务设施", "facilities", today))
    page_size, page, start = paging(page, page_size)
    rows = list(qs[start:start + page_size])
    return {"count": qs.count(), "page": page, "page_size": page_size, "results": [facility_out(f) for f in rows]}


@router.post("/facilities", response={201: FacilityOut}, summary="登记综合服务设施（所属社区或行政村、地址、建筑面积平方米、开放时间）")
def create_facility(request, body: FacilityIn):
    f = services.create_facility(actor(request), body.dict())
    return Status(201, facility_out(selectors.get_facility(request.auth, f.pk)))


@router.get("/facilities/coverage", response=FacilityCoverageOut,
            summary="区域覆盖情况：城市社区与行政村覆盖率、设施总面积、每百户面积（户数取自居民档案；城市社区目标不低于 30 平方米）；"
                    "format=xlsx 导出")
def coverage(request, region: str = "", format: str = "json"):
    _need(request, Perm.VIEW_FACILITIES)
    user = request.auth
    target = selectors.get_region(user, region) if region else selectors.home_region(user)
    if target is None:
        raise NotFound("region.not_found")
    report = selectors.coverage_report(user, target)
    if format == "xlsx":
        today = timezone.localdate()
        return exports.workbook_response(exports.coverage_xlsx(report, today),
                                         *exports.facility_file_names(target, "设施覆盖情况", "facility-coverage", today))
    return {**_row(report.total), "children": [_row(r) for r in report.rows],
            "uncovered": [u.code for u in report.uncovered]}


@router.get("/facilities/{int:facility_id}", response=FacilityOut, summary="综合服务设施详情（含功能室）")
def get_facility(request, facility_id: Id):
    return facility_out(selectors.get_facility(request.auth, facility_id))


@router.patch("/facilities/{int:facility_id}", response=FacilityOut, summary="修改综合服务设施（只改所给字段；带 version）")
def update_facility(request, facility_id: Id, body: FacilityPatch):
    f = selectors.get_facility(request.auth, facility_id)
    data = {k: v for k, v in body.dict().items() if k != "version" and v is not None}
    services.update_facility(actor(request), f, data, version=body.version)
    return facility_out(selectors.get_facility(request.auth, facility_id))


@router.put("/facilities/{int:facility_id}/also-serves", response=FacilityOut,
            summary="设定设施另外服务的社区或行政村（共享设施；区划代码，至多 200 个，空列表为清除；带 version）")
def set_also_serves(request, facility_id: Id, body: FacilityAlsoServesIn):
    f = selectors.get_facility(request.auth, facility_id)
    services.set_also_serves(actor(request), f, body.also_serves, version=body.version)
    return facility_out(selectors.get_facility(request.auth, facility_id))


@router.post("/facilities/{int:facility_id}/rooms", response={201: FacilityOut},
             summary="添加功能室（功能、面积；功能室面积合计不超过设施建筑面积）")
def add_room(request, facility_id: Id, body: FacilityRoomIn):
    f = selectors.get_facility(request.auth, facility_id)
    services.add_room(actor(request), f, body.dict())
    return Status(201, facility_out(selectors.get_facility(request.auth, facility_id)))


@router.delete("/facilities/{int:facility_id}/rooms/{int:room_id}", response=FacilityOut, summary="删除功能室")
def remove_room(request, facility_id: Id, room_id: Id):
    f = selectors.get_facility(request.auth, facility_id)
    services.remove_room(actor(request), f, room_id)
    return facility_out(selectors.get_facility(request.auth, facility_id))


# --- community work funds ------------------------------------------------------------------------

class FundStandardIn(Schema):
    county: Any = None
    year: Any = None
    minimum: Any = None
    maximum: Any = None
    basis: Any = ""


class FundStandardOut(Schema):
    county: str
    county_name: str
    year: int
    minimum: Decimal
    maximum: Decimal
    basis: str


class CommunityFundBudgetIn(Schema):
    community: Any = None
    year: Any = None
    budget_amount: Any = None
    note: Any = ""


class CommunityFundEntryIn(Schema):
    kind: Any = None
    category: Any = None
    amount: Any = None
    on: Any = None
    note: Any = ""


class CommunityFundEntryOut(Schema):
    id: int
    kind: str
    kind_name: str
    category: str
    category_name: str
    amount: Decimal
    on: date
    note: str


class CommunityFundCategoryOut(Schema):
    category: str
    category_name: str
    allocated: Decimal
    spent: Decimal


class CommunityFundOut(Schema):
    id: int
    community: str
    community_name: str
    year: int
    budget_amount: Decimal
    standard_minimum: Decimal | None
    standard_maximum: Decimal | None
    standing: str
    standing_name: str
    allocated: Decimal
    spent: Decimal
    balance: Decimal
    by_category: list[CommunityFundCategoryOut]
    entries: list[CommunityFundEntryOut]
    note: str
    version: int


class CommunityFundRowOut(Schema):
    community: str
    community_name: str
    fund: int | None
    budget_amount: Decimal | None
    standard_minimum: Decimal | None
    standard_maximum: Decimal | None
    standing: str
    standing_name: str
    allocated: Decimal
    spent: Decimal
    balance: Decimal


class CommunityFundSummaryOut(Schema):
    region: str
    region_name: str
    year: int
    budget_total: Decimal
    allocated_total: Decimal
    spent_total: Decimal
    below_standard: list[str]
    standards: list[FundStandardOut]
    rows: list[CommunityFundRowOut]


def standard_out(s) -> dict:
    return {"county": s.county_id, "county_name": s.county.name, "year": s.year, "minimum": s.minimum,
            "maximum": s.maximum, "basis": s.basis}


def fund_out(f) -> dict:
    row = selectors.fund_row(f)
    entries = list(f.entries.order_by("on", "id"))
    return {"id": f.pk, "community": f.community_id, "community_name": f.community.name, "year": f.year,
            "budget_amount": f.budget_amount, "standard_minimum": row.minimum, "standard_maximum": row.maximum,
            "standing": row.standing, "standing_name": row.standing_label, "allocated": row.allocated,
            "spent": row.spent, "balance": row.balance,
            "by_category": [{"category": c["category"], "category_name": c["label"], "allocated": c["allocated"],
                             "spent": c["spent"]} for c in selectors.totals_by_category(f)],
            "entries": [{"id": e.pk, "kind": e.kind, "kind_name": str(e.get_kind_display()), "category": e.category,
                         "category_name": str(e.get_category_display()), "amount": e.amount, "on": e.on,
                         "note": e.note} for e in entries],
            "note": f.note, "version": f.version}


@router.get("/facilities/fund-standards", response=list[FundStandardOut],
            summary="社区工作经费标准（各县区每年的下限和上限，元）")
def list_standards(request, year: Int | None = None):
    _need(request, Perm.VIEW_FACILITIES)
    return [standard_out(s) for s in selectors.standards_for(request.auth, year)[:200]]


@router.put("/facilities/fund-standards", response=FundStandardOut,
            summary="设定县区某年度社区工作经费标准（如 50000–120000 元）")
def put_standard(request, body: FundStandardIn):
    s = services.set_standard(actor(request), body.county, body.year, body.minimum, body.maximum, body.basis or "")
    return standard_out(s)


@router.get("/facilities/funds", response=CommunityFundSummaryOut,
            summary="区域内各社区某年度工作经费：预算安排、标准、拨付、支出、结余，低于标准的社区；format=xlsx 导出")
def fund_summary(request, year: Int, region: str = "", format: str = "json"):
    _need(request, Perm.VIEW_FACILITIES)
    user = request.auth
    target = selectors.get_region(user, region) if region.strip() else selectors.home_region(user)
    if target is None:
        raise NotFound("region.not_found")
    s = selectors.fund_summary(user, target, services.checked_year(year))
    if format == "xlsx":
        today = timezone.localdate()
        return exports.workbook_response(exports.funds_xlsx(s, today),
                                         *exports.facility_file_names(target, f"社区工作经费-{s.year}年",
                                                                      f"community-funds-{s.year}", today))
    return {"region": target.code, "region_name": target.name, "year": s.year, "budget_total": s.budget_total,
            "allocated_total": s.allocated_total, "spent_total": s.spent_total,
            "below_standard": [r.community.code for r in s.below], "standards": [standard_out(x) for x in s.standards],
            "rows": [{"community": r.community.code, "community_name": r.community.name,
                      "fund": r.fund.pk if r.fund else None, "budget_amount": r.amount, "standard_minimum": r.minimum,
                      "standard_maximum": r.maximum, "standing": r.standing, "standing_name": r.standing_label,
                      "allocated": r.allocated, "spent": r.spent, "balance": r.balance} for r in s.rows]}


@router.put("/facilities/funds", response=CommunityFundOut, summary="设定社区某年度工作经费预算安排（元）")
def put_budget(request, body: CommunityFundBudgetIn):
    f = services.set_budget(actor(request), body.community, body.year, body.budget_amount, body.note or "")
    return fund_out(selectors.get_fund(request.auth, f.pk))


@router.get("/facilities/funds/{int:fund_id}", response=CommunityFundOut, summary="社区工作经费详情（拨付、支出明细，分类合计）")
def get_fund(request, fund_id: Id):
    return fund_out(selectors.get_fund(request.auth, fund_id))


@router.post("/facilities/funds/{int:fund_id}/entries", response={201: CommunityFundOut},
             summary="记一笔拨付（kind=allocation，县区）或支出（kind=spending），按类别，金额为元")
def add_entry(request, fund_id: Id, body: CommunityFundEntryIn):
    f = selectors.get_fund(request.auth, fund_id)
    services.add_entry(actor(request), f, body.kind, body.category, body.amount, body.on, body.note or "")
    return Status(201, fund_out(selectors.get_fund(request.auth, fund_id)))
