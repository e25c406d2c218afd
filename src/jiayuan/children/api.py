"""``/api/v1/children``: children's files (need-to-know, every read audited), visits,
grades, the review of re-derived categories, and the 儿童主任/督导员 coverage.

Contract (issue 13, kept exactly): ``GET /api/v1/children?overdue=1`` lists the files in
the user's view whose visit is overdue, each with at least ``{"person", "categories",
"risk", "next_visit_due"}``; category codes ``left_behind``, ``in_difficulty``,
``de_facto_unsupported``. A file the user may not read is 404 ``child_file.not_found``.
"""

from datetime import date
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import BoundedList, Id, Int, Page, PageSize, paging
from ..errors import Forbidden, ValidationFailed
from . import homes, labels, rules, selectors, services
from .models import ChildFile

router = Router(tags=["儿童关爱"])

Text = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]


class ChildCategoryOut(Schema):
    code: str
    name: str
    kinds: list[str]
    facts: list[str]


class ChildFileOut(Schema):
    id: int
    person: int
    person_name: str
    region: str
    categories: list[str]
    risk: str
    risk_name: str
    next_visit_due: date
    last_visit_on: date | None
    overdue: bool
    flagged: bool
    status: str
    version: int


class ChildFileDetailOut(ChildFileOut):
    category_details: list[ChildCategoryOut]
    proposed: list[ChildCategoryOut] | None
    team: list[dict]
    school: str
    school_grade: str
    health: str
    needs: str


class ChildFilePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ChildFileOut]


class ChildFileOpenIn(Schema):
    person: Id
    school: Text = ""
    school_grade: Annotated[str, Field(max_length=20)] = ""
    health: Text = ""
    needs: LongText = ""
    own_illness: bool = False
    guardianship_problem: bool = False


class ChildVisitIn(Schema):
    visited_on: date
    place: Annotated[str, Field(max_length=100)]
    findings: LongText
    risk: Annotated[str, Field(max_length=20)]
    reason: Text = ""
    face_to_face: bool = True


class ChildVisitOut(Schema):
    id: int
    visited_on: date
    visitor: str
    place: str
    face_to_face: bool
    findings: str
    risk_before: str
    risk_after: str
    risk_reason: str


class ChildRegradeIn(Schema):
    risk: Annotated[str, Field(max_length=20)]
    reason: Text
    version: Int | None = None


class ChildConfirmIn(Schema):
    version: Int | None = None
    note: Text = ""


def file_out(f: ChildFile, today: date) -> dict:
    return {"id": f.pk, "person": f.person_id, "person_name": f.person.name, "region": f.region_id,
            "categories": list(f.categories), "risk": f.risk, "risk_name": labels.grade_name(f.risk),
            "next_visit_due": f.next_visit_due, "last_visit_on": f.last_visit_on,
            "overdue": f.next_visit_due < today, "flagged": f.proposed is not None, "status": f.status,
            "version": f.version}


def file_detail_out(f: ChildFile) -> dict:
    out = file_out(f, selectors.today())
    out.update(category_details=labels.describe(f.category_facts),
               proposed=labels.describe(f.proposed) if f.proposed is not None else None,
               team=[{"slot": m.slot, "slot_name": labels.slot_name(m.slot), "name": m.display_name}
                     for m in f.team.select_related("user")],
               school=f.school, school_grade=f.school_grade, health=f.health, needs=f.needs)
    return out


@router.get("/children", response=ChildFilePage,
            summary="儿童档案列表（仅本人可查看的档案：儿童主任、督导员、关爱团队、县市民政；overdue=1 只列探访逾期的）")
def list_files(request, overdue: bool = False, flagged: bool = False,
               category: Annotated[str, Field(max_length=30)] = "", risk: Annotated[str, Field(max_length=20)] = "",
               region: Annotated[str, Field(max_length=15)] = "", page: Page = 1, page_size: PageSize = 50):
    if category and category not in rules.CATEGORIES:
        raise ValidationFailed({"category": [{"code": "category.unknown", "message": _("类别无效")}]})
    page_size, page, start = paging(page, page_size)
    today = selectors.today()
    qs = selectors.search_files(request.auth, selectors.FileFilters(
        category=category, risk=risk, region=region.strip(), overdue=overdue, flagged=flagged), on=today)
    rows = list(qs[start:start + page_size])
    count = len(rows) if page == 1 and len(rows) < page_size else qs.count()
    services.record_list_read(actor(request), [f.pk for f in rows], "api")
    return {"count": count, "page": page, "page_size": page_size, "results": [file_out(f, today) for f in rows]}


@router.post("/children", response={201: ChildFileDetailOut}, summary="为居民库中的未满18周岁儿童建档（类别由系统认定）")
def open_file(request, body: ChildFileOpenIn):
    data = body.dict()
    person = data.pop("person")
    f = services.open_file(actor(request), person, data)
    return Status(201, file_detail_out(f))


@router.get("/children/{int:file_id}", response=ChildFileDetailOut, summary="儿童档案详情（类别及认定依据；记入审计）")
def get_file(request, file_id: Id):
    f = selectors.get_file(request.auth, file_id)
    services.record_read(actor(request), f, "api")
    return file_detail_out(f)


@router.get("/children/{int:file_id}/visits", response=list[ChildVisitOut], summary="探访记录（最近 200 条）")
def list_visits(request, file_id: Id):
    f = selectors.get_file(request.auth, file_id)
    services.record_read(actor(request), f, "visits")
    return [{"id": v.pk, "visited_on": v.visited_on, "visitor": str(v.visitor), "place": v.place,
             "face_to_face": v.face_to_face, "findings": v.findings, "risk_before": v.risk_before,
             "risk_after": v.risk_after, "risk_reason": v.risk_reason}
            for v in f.visits.select_related("visitor").order_by("-visited_on", "-id")[:200]]


@router.post("/children/{int:file_id}/visits", response={201: ChildFileOut},
             summary="记录探访（日期、地点、情况、评定风险等级；等级变化须说明理由），返回档案与新的探访期限")
def record_visit(request, file_id: Id, body: ChildVisitIn):
    f = selectors.get_file(request.auth, file_id)
    services.record_visit(actor(request), f, visited_on=body.visited_on, place=body.place, findings=body.findings,
                          risk=body.risk, reason=body.reason, face_to_face=body.face_to_face)
    f.refresh_from_db()
    return Status(201, file_out(f, selectors.today()))


@router.post("/children/{int:file_id}/regrade", response=ChildFileOut, summary="调整风险等级（须说明理由；探访期限随之改变）")
def regrade(request, file_id: Id, body: ChildRegradeIn):
    f = selectors.get_file(request.auth, file_id)
    f = services.regrade(actor(request), f, body.risk, body.reason, version=body.version)
    return file_out(f, selectors.today())


@router.post("/children/{int:file_id}/confirm", response=ChildFileDetailOut, summary="确认重新认定的类别")
def confirm(request, file_id: Id, body: ChildConfirmIn):
    f = selectors.get_file(request.auth, file_id)
    services.confirm_review(actor(request), f, version=body.version, note=body.note)
    return file_detail_out(selectors.get_file(request.auth, file_id))


class ChildReferralIn(Schema):
    agency: Annotated[str, Field(max_length=30)]
    reason: Annotated[str, Field(max_length=2000)]
    agency_name: Annotated[str, Field(max_length=100)] = ""
    request_key: Annotated[str, Field(max_length=64)] = ""


class ChildReferralOut(Schema):
    number: str
    agency: str
    agency_name: str
    state: str
    state_name: str
    is_open: bool
    due_at: str | None
    outcome: str
    result: str


def referral_out(r: dict) -> dict:
    c = r["case"]
    return {"number": c.number, "agency": c.data.get("agency", ""), "agency_name": r["agency_name"],
            "state": c.state, "state_name": _(r["state"]), "is_open": c.is_open,
            "due_at": c.due_at.isoformat() if c.due_at else None, "outcome": _(r["outcome"]) if r["outcome"] else "",
            "result": r["result"]}


@router.get("/children/{int:file_id}/referrals", response=list[ChildReferralOut],
            summary="该儿童的转介（案件编号、转介单位、状态、期限、办结结果）；在 /api/v1/cases/{number} 办理")
def list_referrals(request, file_id: Id):
    f = selectors.get_file(request.auth, file_id)
    services.record_read(actor(request), f, "referrals")
    return [referral_out(r) for r in selectors.referrals_of(request.auth, f)]


@router.post("/children/{int:file_id}/referrals", response={201: ChildReferralOut},
             summary="转介（12355、公安、学校、医院、民政、法院等）：在案件引擎上开一件儿童转介，只有能看该儿童档案的人可见")
def open_referral(request, file_id: Id, body: ChildReferralIn):
    f = selectors.get_file(request.auth, file_id)
    case = services.open_referral(actor(request), f, body.agency, body.reason, body.agency_name,
                                  request_key=body.request_key)
    row = next(r for r in selectors.referrals_of(request.auth, f) if r["case"].pk == case.pk)
    return Status(201, referral_out(row))


class ChildCloseIn(Schema):
    reason: Annotated[str, Field(max_length=20)]
    note: Text = ""
    on: date | None = None
    version: Int | None = None


class ChildReopenIn(Schema):
    note: Text
    version: Int | None = None


@router.post("/children/{int:file_id}/close", response=ChildFileOut,
             summary="销档（原因：年满16/18周岁、父母返乡、迁出等；有未办结转介时不能销档）")
def close_file(request, file_id: Id, body: ChildCloseIn):
    f = selectors.get_file(request.auth, file_id)
    f = services.close_file(actor(request), f, body.reason, body.note, on=body.on, version=body.version)
    return file_out(selectors.get_file(request.auth, f.pk), selectors.today())


@router.post("/children/{int:file_id}/reopen", response=ChildFileOut, summary="恢复已销档的档案（须说明原因）")
def reopen_file(request, file_id: Id, body: ChildReopenIn):
    f = selectors.get_file(request.auth, file_id)
    f = services.reopen_file(actor(request), f, body.note, version=body.version)
    return file_out(selectors.get_file(request.auth, f.pk), selectors.today())


class ChildrenDutyGapOut(Schema):
    code: str
    name: str
    level: str
    holder: str | None


@router.get("/children-duties", response=list[ChildrenDutyGapOut],
            summary="各乡镇（街道）儿童督导员、各村（社区）儿童主任的配备情况（holder 为空即缺）")
def duty_coverage(request, region: Annotated[str, Field(max_length=15)] = ""):
    if not request.auth.can(Perm.MANAGE_CHILDREN_DUTIES):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    towns, villages = selectors.duty_coverage(request.auth, region.strip())
    return [{"code": r.region.code, "name": r.region.name, "level": r.region.level,
             "holder": str(r.duty.user) if r.duty else None} for r in towns + villages]


class ChildrensHomeOut(Schema):
    id: int
    name: str
    region: str
    operator: str | None
    capacity: int
    services: list[str]
    opened_on: date
    children_cared_for: int
    attendance_days: int


@router.get("/children-homes", response=list[ChildrensHomeOut],
            summary="留守儿童之家列表，及统计期（start–end，默认今年）内关爱的儿童人数（按到托记录去重）和到托人次")
def list_homes(request, start: date | None = None, end: date | None = None):
    from .models import HOME_SERVICES

    today = selectors.today()
    start = start or today.replace(month=1, day=1)
    end = end or today
    if end < start:
        raise ValidationFailed({"end": [{"code": "period.invalid", "message": _("截止日期早于起始日期")}]})
    return [{"id": h.pk, "name": h.name, "region": h.region_id, "operator": h.operator.name if h.operator else None,
             "capacity": h.capacity, "services": [str(HOME_SERVICES.get(s, s)) for s in h.services],
             "opened_on": h.opened_on, "children_cared_for": h.cared_count, "attendance_days": h.attendance_count}
            for h in selectors.homes_with_counts(request.auth, start, end)[:500]]


# --- children's homes: writes (register, change, enrol, leave, attendance) -----------------------

HomeName = Annotated[str, Field(max_length=100)]


ServiceCode = Annotated[str, Field(max_length=30)]


class ChildrensHomeIn(Schema):
    name: HomeName
    region: Annotated[str, Field(max_length=12)]
    capacity: Int
    services: BoundedList[ServiceCode, 20] = []
    opened_on: date
    operator: Int | None = None
    address: Annotated[str, Field(max_length=200)] = ""


class ChildrensHomePatch(Schema):
    # a field not listed (the region, a misspelt one) is a 422 naming it, not a silent 200
    model_config = ConfigDict(extra="forbid")

    name: HomeName | None = None
    capacity: Int | None = None
    services: BoundedList[ServiceCode, 20] | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    operator: Int | None = None
    address: Annotated[str, Field(max_length=200)] | None = None
    version: Int | None = None


class ChildrensHomeDetailOut(Schema):
    id: int
    name: str
    region: str
    region_name: str
    operator: int | None
    operator_name: str | None
    address: str
    capacity: int
    services: list[str]
    service_names: list[str]
    opened_on: date
    closed_on: date | None
    version: int


class HomeEnrolmentIn(Schema):
    person: Id
    enrolled_on: date


class HomeLeaveIn(Schema):
    left_on: date


class HomeEnrolmentOut(Schema):
    id: int
    person: int
    person_name: str
    enrolled_on: date
    left_on: date | None


class HomeAttendanceIn(Schema):
    present: BoundedList[Id, 1000]


class HomeAttendanceOut(Schema):
    day: date
    present: list[int]
    count: int


def home_out(h) -> dict:
    from .models import HOME_SERVICES

    return {"id": h.pk, "name": h.name, "region": h.region_id, "region_name": h.region.name,
            "operator": h.operator_id, "operator_name": h.operator.name if h.operator_id else None,
            "address": h.address, "capacity": h.capacity, "services": list(h.services),
            "service_names": [str(HOME_SERVICES.get(x, x)) for x in h.services], "opened_on": h.opened_on,
            "closed_on": h.closed_on, "version": h.version}


def enrolment_out(e) -> dict:
    return {"id": e.pk, "person": e.person_id, "person_name": e.person.name, "enrolled_on": e.enrolled_on,
            "left_on": e.left_on}


def _home_worker(request, home_id):
    """The home (404 out of scope) if the user works at it (its children are personal
    data), 403 otherwise."""
    home = selectors.get_home(request.auth, home_id)
    if not selectors.works_at_home(request.auth, home):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    return home


@router.post("/children-homes", response={201: ChildrensHomeDetailOut},
             summary="登记留守儿童之家（所在村、社区或乡镇，运营机构，可容纳人数，服务内容）")
def create_home(request, body: ChildrensHomeIn):
    h = homes.register_home(actor(request), name=body.name, region_code=body.region.strip(), capacity=body.capacity,
                            services=body.services, opened_on=body.opened_on, operator_id=body.operator,
                            address=body.address)
    return Status(201, home_out(selectors.get_home(request.auth, h.pk)))


@router.get("/children-homes/{int:home_id}", response=ChildrensHomeDetailOut, summary="留守儿童之家详情")
def get_home(request, home_id: Id):
    return home_out(selectors.get_home(request.auth, home_id))


@router.patch("/children-homes/{int:home_id}", response=ChildrensHomeDetailOut,
              summary="修改留守儿童之家（只改所给字段；closed_on 停用，null 恢复；带 version）")
def update_home(request, home_id: Id, body: ChildrensHomePatch):
    h = selectors.get_home(request.auth, home_id)
    given = body.dict(exclude_unset=True)
    version = given.pop("version", None)
    for key in ("name", "capacity", "services", "opened_on", "address"):
        if key in given and given[key] is None:
            raise ValidationFailed({key: [{"code": f"{key}.invalid", "message": _("不能为空")}]})
    homes.update_home(actor(request), h, given, version=version)
    return home_out(selectors.get_home(request.auth, home_id))


@router.get("/children-homes/{int:home_id}/enrolments", response=list[HomeEnrolmentOut],
            summary="在托儿童（day 当天在册的，默认今天；仅在该儿童之家工作的人员可见）")
def list_enrolments(request, home_id: Id, day: date | None = None):
    home = _home_worker(request, home_id)
    return [enrolment_out(e) for e in selectors.enrolled_on(home, day or selectors.today())]


@router.post("/children-homes/{int:home_id}/enrolments", response={201: HomeEnrolmentOut},
             summary="登记儿童入托（居民库中未满18周岁的儿童）")
def enrol(request, home_id: Id, body: HomeEnrolmentIn):
    home = _home_worker(request, home_id)
    e = homes.enrol(actor(request), home, body.person, body.enrolled_on)
    return Status(201, enrolment_out(e))


@router.post("/children-homes/{int:home_id}/enrolments/{int:enrolment_id}/leave", response=HomeEnrolmentOut,
             summary="登记儿童离开（不早于入托日期和最后一次到托日期）")
def leave(request, home_id: Id, enrolment_id: Id, body: HomeLeaveIn):
    home = _home_worker(request, home_id)
    e = homes.leave(actor(request), home, enrolment_id, body.left_on)
    return enrolment_out(e)


@router.get("/children-homes/{int:home_id}/attendance/{day}", response=HomeAttendanceOut, summary="某日到托儿童")
def get_attendance(request, home_id: Id, day: date):
    home = _home_worker(request, home_id)
    present = sorted(selectors.present_on(home, day))
    return {"day": day, "present": present, "count": len(present)}


@router.put("/children-homes/{int:home_id}/attendance/{day}", response=HomeAttendanceOut,
            summary="记录某日到托（present：当日在册的入托登记编号；重新记录即替换当日记录）")
def put_attendance(request, home_id: Id, day: date, body: HomeAttendanceIn):
    home = _home_worker(request, home_id)
    homes.record_attendance(actor(request), home, day, body.present)
    present = sorted(selectors.present_on(home, day))
    return {"day": day, "present": present, "count": len(present)}
