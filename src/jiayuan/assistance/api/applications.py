"""``/api/v1/assistance/applications``: one-door applications (一门受理、协同办理).

- ``GET  /assistance/help-kinds`` — the kinds of help one application may ask for, with
  their materials checklist and who handles them;
- ``POST /assistance/applications`` — take an application (201; 200 for a repeat with
  the same ``request_key`` / ``Idempotency-Key``);
- ``GET  /assistance/applications`` — list in scope (filters ``state``, ``kind``,
  ``open``, ``region``, ``q``, ``path``; paged);
- ``GET  /assistance/applications/{number}`` — detail: parts, members, incomes,
  assets, objections, assessment, deadlines, and the case (timeline, tasks, the
  ``actions`` I may take now);
- ``PUT  /assistance/applications/{number}/economic-status`` — the household
  economic-status record;
- ``POST /assistance/applications/{number}/objections`` and
  ``POST /assistance/applications/{number}/objections/{id}/resolution``.

Stages are taken through ``POST /api/v1/cases/{number}/transitions`` (with ``version``).

Every endpoint but ``help-kinds`` needs ``view_assistance`` (403 ``permission_denied``
otherwise: auditor, org staff, department staff, grid member); department staff follow
their parts of an application through ``/api/v1/cases`` (the engine's tasks).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from ...api.auth import actor
from ...api.types import BoundedList, Id, MAX_ITEMS, Page, PageSize, paging
from ...cases.api import CaseDetailOut, case_detail
from ...cases.selectors import decl_of
from .. import rules
from ..case_types import HELP_KINDS
from ..selectors import applications as selectors
from ..services import applications as services
from .programs import require_view

router = Router(tags=["社会救助申请"])


class HelpKindOut(Schema):
    code: str
    name: str
    program: bool
    department: str
    materials: list[str]


@router.get("/help-kinds", response=list[HelpKindOut], summary="可申请的救助类别（含申请材料清单、承办部门）")
def help_kinds(request):
    return [{"code": code, "name": k["name"], "program": bool(k.get("program")),
             "department": k.get("department", "民政"), "materials": k["materials"]} for code, k in HELP_KINDS.items()]


class PartIn(Schema):
    kind: str
    department: Id | str | None = None
    person: Id | None = None


class ApplicationIn(Schema):
    household: Id
    applicant: Id
    area: str = ""
    parts: BoundedList[PartIn | str, MAX_ITEMS]
    reason: str = ""
    materials: BoundedList[str, MAX_ITEMS] = []
    emergency: bool = False
    hardship: str = ""
    contact_phone: str = ""
    request_key: str = ""


class PartDeptRef(Schema):
    id: int
    code: str
    name: str


class PartOut(Schema):
    id: int
    kind: str
    name: str
    program: str | None
    department: PartDeptRef | None
    handled_by: str
    task_status: str
    status: str
    status_name: str
    result: str
    amount: Decimal | None
    person: int | None


class ApplicationMemberOut(Schema):
    person: int
    name: str
    co_resident: bool
    note: str


class IncomeOut(Schema):
    person: int | None
    name: str
    kind: str
    kind_name: str
    monthly_amount: Decimal
    note: str


class AssetOut(Schema):
    kind: str
    kind_name: str
    value: Decimal
    quantity: int
    note: str


class ObjectionOut(Schema):
    id: int
    received_on: date
    content: str
    resolution: str
    upheld: bool | None
    recorded_by: str


class ApplicationOut(Schema):
    number: str
    status: str
    state: str
    state_name: str
    is_open: bool
    path: str
    path_name: str
    area: str
    household: int
    household_number: str
    applicant: int
    applicant_name: str
    region: str
    reason: str
    parts: list[PartOut]
    materials: list[str]
    materials_missing: list[str]
    decision: str
    decision_reason: str
    decided_at: datetime | None
    accepted_on: date | None
    process_due: date | None
    process_due_estimated: bool = Field(description="办结时限为预估：所经年度尚未录入官方节假日安排，按法定节假日估算")
    deadline_estimated: bool = Field(description="本环节期限为预估（同上）")
    extended: bool
    created_at: datetime


class ApplicationDetailOut(ApplicationOut):
    members: list[ApplicationMemberOut]
    incomes: list[IncomeOut]
    assets: list[AssetOut]
    objections: list[ObjectionOut]
    notice_from: date | None
    notice_until: date | None
    home_visits: list[dict]
    assessment: dict
    case: CaseDetailOut


class ApplicationPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ApplicationOut]


def application_out(app) -> dict:
    case = app.case
    state = decl_of(case.case_type_id).state(case.state)
    dl = selectors.deadlines(app)
    return {
        "number": case.number, "status": state.public_name or state.name, "state": case.state,
        "state_name": state.name, "is_open": case.is_open, "path": app.path, "path_name": app.get_path_display(),
        "area": app.area, "household": app.household_id, "household_number": app.household.number,
        "applicant": app.applicant_id, "applicant_name": app.applicant.name, "region": app.region_id,
        "reason": app.reason, "parts": selectors.part_rows(app), "materials": case.data.get("materials", []),
        "materials_missing": app.materials_missing, "decision": app.decision, "decision_reason": app.decision_reason,
        "decided_at": timezone.localtime(app.decided_at) if app.decided_at else None,
        "accepted_on": dl["accepted_on"], "process_due": dl["process_due"], "extended": dl["extended"],
        "process_due_estimated": dl["process_due_estimated"], "deadline_estimated": dl["stage_due_estimated"],
        "created_at": timezone.localtime(app.created_at),
    }


def application_detail(user, app) -> dict:
    from ...people.models import Person

    kinds_i, kinds_a = rules.INCOME_KINDS, rules.ASSET_KINDS
    names = dict(Person.objects.filter(pk__in=[i.person_id for i in app.incomes.all() if i.person_id])
                 .values_list("pk", "name"))
    out = application_out(app)
    out.update({
        "members": [{"person": m.person_id, "name": m.person.name, "co_resident": m.co_resident, "note": m.note}
                    for m in selectors.members_of(app)],
        "incomes": [{"person": i.person_id, "name": names.get(i.person_id, ""), "kind": i.kind,
                     "kind_name": kinds_i.get(i.kind, i.kind), "monthly_amount": i.monthly_amount, "note": i.note}
                    for i in selectors.incomes_of(app)],
        "assets": [{"kind": a.kind, "kind_name": kinds_a.get(a.kind, a.kind), "value": a.value,
                    "quantity": a.quantity, "note": a.note} for a in selectors.assets_of(app)],
        "objections": [{"id": o.pk, "received_on": o.received_on, "content": o.content, "resolution": o.resolution,
                        "upheld": o.upheld, "recorded_by": o.recorded_by.full_name or o.recorded_by.username}
                       for o in selectors.objections_of(app)],
        "notice_from": app.notice_from, "notice_until": app.notice_until,
        "home_visits": app.case.data.get("home_visits") or [], "assessment": app.assessment or {},
        "case": case_detail(user, app.case),
    })
    return out


@router.post("/applications", response={200: ApplicationDetailOut, 201: ApplicationDetailOut},
             summary="一门受理：登记社会救助申请（一户一次申请多项救助）")
def create_application(request, body: ApplicationIn):
    require_view(request)
    key = body.request_key or request.headers.get("Idempotency-Key", "")
    parts = [p if isinstance(p, str) else p.dict() for p in body.parts]
    app, created = services.take_application(
        actor(request), body.household, body.applicant, body.area, parts, body.reason, body.materials, key,
        emergency=body.emergency, hardship=body.hardship, contact_phone=body.contact_phone,
        channel="api")
    app = selectors.get_application(request.auth, app.case.number)
    return Status(201 if created else 200, application_detail(request.auth, app))


@router.get("/applications", response=ApplicationPage, summary="社会救助申请列表（本辖区，最新在前）")
def list_applications(request, state: str = "", kind: str = "", open: bool | None = None, region: str = "",
                      q: str = "", path: str = "", page: Page = 1, page_size: PageSize = 50):
    require_view(request)
    page_size, page, start = paging(page, page_size)
    f = selectors.ApplicationFilters(state=state, kind=kind, open=open, region=region, q=q, path=path)
    qs = selectors.search_applications(request.auth, f)
    return {"count": qs.count(), "page": page, "page_size": page_size,
            "results": [application_out(a) for a in selectors.with_parts(qs[start:start + page_size])]}


@router.get("/applications/{number}", response=ApplicationDetailOut,
            summary="社会救助申请详情（救助事项、家庭经济状况、公示异议、审核测算、流转记录和可办理操作）")
def get_application(request, number: str):
    require_view(request)
    return application_detail(request.auth, selectors.get_application(request.auth, number))


# The rows of the economic-status record are taken as sent and checked by the service
# (services.applications._clean_record), so that every problem — a float or "1e3"
# amount, a fractional quantity, a note too long — comes back in Chinese under the key
# of its place (``incomes.0.monthly_amount``). Money is sent as text ("1200.50") or a
# whole number.
class ApplicationMemberIn(Schema):
    person: Any = None
    co_resident: Any = True
    note: Any = ""


class IncomeIn(Schema):
    person: Any = None
    kind: Any = ""
    monthly_amount: Any = None
    note: Any = ""


class AssetIn(Schema):
    kind: Any = ""
    value: Any = None
    quantity: Any = 1
    note: Any = ""


class EconomicStatusIn(Schema):
    members: BoundedList[ApplicationMemberIn, MAX_ITEMS] | None = None
    incomes: BoundedList[IncomeIn, MAX_ITEMS] = []
    assets: BoundedList[AssetIn, MAX_ITEMS] = []


@router.put("/applications/{number}/economic-status", response=ApplicationDetailOut,
            summary="登记家庭经济状况（共同生活成员、月收入、财产；整体替换）")
def put_economic_status(request, number: str, body: EconomicStatusIn):
    require_view(request)
    app = selectors.get_application(request.auth, number)
    services.record_economic_status(
        actor(request), app, members=[m.dict() for m in body.members] if body.members is not None else None,
        incomes=[i.dict() for i in body.incomes], assets=[a.dict() for a in body.assets])
    return application_detail(request.auth, selectors.get_application(request.auth, number))


class ObjectionIn(Schema):
    received_on: Any = None   # YYYY-MM-DD, checked by the service
    content: Any = ""


class ResolutionIn(Schema):
    resolution: Any = ""
    upheld: Any = None


@router.post("/applications/{number}/objections", response={201: ObjectionOut}, summary="登记公示异议")
def add_objection(request, number: str, body: ObjectionIn):
    require_view(request)
    app = selectors.get_application(request.auth, number)
    o = services.record_objection(actor(request), app, body.received_on, body.content)
    return Status(201, {"id": o.pk, "received_on": o.received_on, "content": o.content, "resolution": o.resolution,
                        "upheld": o.upheld, "recorded_by": o.recorded_by.full_name or o.recorded_by.username})


@router.post("/applications/{number}/objections/{int:objection_id}/resolution", response=ObjectionOut,
             summary="公示异议的核实处理（是否成立）")
def resolve_objection(request, number: str, objection_id: Id, body: ResolutionIn):
    require_view(request)
    app = selectors.get_application(request.auth, number)
    o = selectors.get_objection(request.auth, app, objection_id)
    o = services.resolve_objection(actor(request), o, body.resolution, body.upheld)
    return {"id": o.pk, "received_on": o.received_on, "content": o.content, "resolution": o.resolution,
            "upheld": o.upheld, "recorded_by": o.recorded_by.full_name or o.recorded_by.username}
