"""``/api/v1/cases``, ``/api/v1/attachments``, ``/api/v1/case-types``, ``/api/v1/departments``,
``/api/v1/calendar/years`` (the official holiday calendar: read by any account, entered by
the city administrator).

A transition names the ``version`` it acts on (409 ``case.version_conflict`` when someone
else acted first). ``request_key`` in the body, or an ``Idempotency-Key`` header, makes a
repeated submission (double click, retry) return the first result instead of acting twice.
"""

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import FileResponse
from django.utils import timezone
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict, Field

from ..api.auth import actor
from ..api.types import MAX_IDS, MAX_ITEMS, MAX_KEYS, MAX_PERSONS, BoundedList, Id, Int, Page, PageSize, paging
from . import rules, selectors, services
from .models import Attachment, Case

router = Router(tags=["案件"])


class DeptRef(Schema):
    id: int
    code: str
    name: str


class CaseOut(Schema):
    number: str
    type: str
    type_name: str
    state: str
    state_name: str
    is_open: bool
    flag: str
    region: str
    region_name: str
    category: str
    title: str
    description: str
    department: DeptRef | None
    due_at: datetime | None
    deadline_estimated: bool = Field(description="期限为预估：计算期限经过的年度尚未录入官方节假日安排，按法定节假日估算")
    escalation_level: int
    urge_count: int
    version: int
    channel: str
    lat: Decimal | None
    lon: Decimal | None
    address: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    width: int
    height: int
    url: str


class CaseEventOut(Schema):
    seq: int
    kind: str
    action: str
    action_name: str
    from_state: str
    to_state: str
    actor: str
    actor_role: str
    department: str
    at: datetime
    comment: str
    data: dict
    attachments: list[int]


class FieldOut(Schema):
    name: str
    type: str
    required: bool
    label: str
    choices: list[list[str]]


class ActionOut(Schema):
    action: str
    name: str
    comment: str
    comment_label: str
    min_attachments: int
    fields: list[FieldOut]
    style: str


class CaseTaskOut(Schema):
    department: DeptRef
    status: str
    is_lead: bool
    assigned_at: datetime
    done_at: datetime | None
    note: str


class PartyOut(Schema):
    person: int
    name: str
    role: str


class CaseDetailOut(CaseOut):
    subject_person: PartyOut | None
    data: dict
    timeline: list[CaseEventOut]
    actions: list[ActionOut]
    tasks: list[CaseTaskOut]
    parties: list[PartyOut]
    attachments: list[AttachmentOut]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseOut]


def _local(dt):
    return timezone.localtime(dt) if dt else None


def _dept(d):
    return {"id": d.pk, "code": d.code, "name": d.name} if d else None


def case_out(case: Case, now=None) -> dict:
    decl = selectors.decl_of(case.case_type_id)
    now = now or timezone.now()
    return {
        "number": case.number, "type": case.type_code, "type_name": decl.name, "state": case.state,
        "state_name": decl.state(case.state).name, "is_open": case.is_open,
        "flag": rules.deadline_flag(now, case.due_at, case.due_soon_at) if case.is_open else "",
        "region": case.region_id, "region_name": case.region.name, "category": case.category, "title": case.title,
        "description": case.description, "department": _dept(case.department), "due_at": _local(case.due_at),
        "deadline_estimated": bool(case.is_open and case.due_at and case.deadline_estimated),
        "escalation_level": case.escalation_level, "urge_count": case.urge_count, "version": case.version,
        "channel": case.channel, "lat": case.lat, "lon": case.lon, "address": case.address,
        "created_at": _local(case.created_at), "updated_at": _local(case.updated_at), "closed_at": _local(case.closed_at),
    }


def attachment_out(a: Attachment) -> dict:
    return {"id": a.pk, "content_type": a.content_type, "size": a.size, "width": a.width, "height": a.height,
            "url": f"/api/v1/attachments/{a.pk}"}


def action_out(t) -> dict:
    return {"action": t.action, "name": t.name, "comment": t.comment, "comment_label": t.comment_label,
            "min_attachments": t.min_attachments, "style": t.style,
            "fields": [{"name": f.name, "type": f.type, "required": f.required, "label": f.label,
                        "choices": [list(c) for c in f.choices]} for f in t.fields]}


def case_detail(user, case: Case) -> dict:
    case = Case.objects.select_related("case_type", "region", "department", "subject_person").get(pk=case.pk)
    d = case_out(case)
    sp = case.subject_person
    d["subject_person"] = {"person": sp.pk, "name": sp.name, "role": "subject"} if sp else None
    d["data"] = case.data
    d["timeline"] = [{
        "seq": e.seq, "kind": e.kind, "action": e.action, "action_name": e.action_name, "from_state": e.from_state,
        "to_state": e.to_state, "actor": e.actor_name, "actor_role": e.actor_role,
        "department": e.department.name if e.department else "", "at": _local(e.at), "comment": e.comment,
        "data": e.data, "attachments": [a.pk for a in e.attachments.all()],
    } for e in selectors.timeline(case)]
    d["actions"] = [action_out(t) for t in selectors.available_actions(user, case)]
    d["tasks"] = [{"department": _dept(t.department), "status": t.status, "is_lead": t.is_lead,
                   "assigned_at": _local(t.assigned_at), "done_at": _local(t.done_at), "note": t.note}
                  for t in case.tasks.select_related("department").order_by("id")]
    d["parties"] = [{"person": p.person_id, "name": p.person.name, "role": p.role}
                    for p in case.parties.select_related("person").order_by("id")]
    d["attachments"] = [attachment_out(a) for a in case.attachments.order_by("id")]
    return d


@router.get("/cases", response=CasePage, summary="案件列表（超期优先；mine=1 为我的待办）")
def list_cases(request, type: str = "", state: str = "", category: str = "", region: str = "",
               open: bool | None = None, flag: str = "", escalated: bool = False, q: str = "", mine: bool = False,
               page: Page = 1, page_size: PageSize = 50):
    page_size, page, start = paging(page, page_size)
    f = selectors.CaseFilters(type=type, state=state, category=category, region=region, open=open, flag=flag,
                              escalated=escalated, q=q, mine=mine)
    qs = selectors.search_cases(request.auth, f)
    now = timezone.now()
    return {"count": qs.count(), "page": page, "page_size": page_size,
            "results": [case_out(c, now) for c in qs[start:start + page_size]]}


class CaseCreateIn(Schema):
    """``type`` and the fields its intake reads (grid_event: region, category,
    description, lat, lon, address, persons, attachments, on_spot, on_spot_note;
    service_request: item, person, materials, description, contact_phone, attachments).

    The lists an intake reads are declared here with their maxima (422 past them, before
    the intake runs); any other field passes through to the intake as sent.
    """

    model_config = ConfigDict(extra="allow")
    type: str
    request_key: str = ""
    persons: BoundedList[Id, MAX_PERSONS] = []
    attachments: BoundedList[Id, MAX_IDS] = []
    materials: BoundedList[str, MAX_ITEMS] = []


@router.post("/cases", response={200: CaseDetailOut, 201: CaseDetailOut}, summary="登记案件（上报事件、窗口受理）")
def create_case(request, body: CaseCreateIn):
    payload = json.loads(request.body or b"{}")  # every field, for the type's intake
    key = body.request_key or request.headers.get("Idempotency-Key", "")
    case, created = services.create_case(actor(request), body.type, payload, request_key=key)
    return Status(201 if created else 200, case_detail(request.auth, case))


class CountOut(Schema):
    type_code: str
    state: str
    category: str
    n: int


@router.get("/case-counts", response=list[CountOut], summary="本辖区案件按类型、状态、类别计数")
def case_counts(request, type: str = "", region: str = ""):
    return selectors.counts_by_state(request.auth, type, region)


@router.get("/cases/{number}", response=CaseDetailOut, summary="案件详情（含流转记录和我现在可做的操作）")
def get_case(request, number: str):
    return case_detail(request.auth, selectors.get_case(request.auth, number))


class TransitionIn(Schema):
    action: str
    version: Int | None = None
    comment: str = ""
    attachments: BoundedList[Id, MAX_IDS] = []
    fields: Annotated[dict[str, Any], Field(max_length=MAX_KEYS)] = {}
    request_key: str = ""


@router.post("/cases/{number}/transitions", response=CaseDetailOut, summary="办理（流转）：须带 version")
def take_transition(request, number: str, body: TransitionIn):
    case = selectors.get_case(request.auth, number)
    key = body.request_key or request.headers.get("Idempotency-Key", "")
    case = services.transition(actor(request), case, body.action, version=body.version, comment=body.comment,
                               attachments=body.attachments, fields=body.fields, request_key=key)
    return case_detail(request.auth, case)


class UrgeIn(Schema):
    note: str


@router.post("/cases/{number}/urge", response=CaseDetailOut, summary="督办（记入流转记录）")
def urge_case(request, number: str, body: UrgeIn):
    case = selectors.get_case(request.auth, number)
    services.urge(actor(request), case, body.note)
    return case_detail(request.auth, case)


@router.post("/attachments", response={201: AttachmentOut}, summary="上传照片（JPEG/PNG/WebP），再在登记或办理时引用其 id")
def upload_attachment(request, file: File[UploadedFile]):
    return Status(201, attachment_out(services.store_attachment(actor(request), file)))


@router.get("/attachments/{int:attachment_id}", summary="下载照片（须能查看所属案件）")
def download_attachment(request, attachment_id: Id):
    att = selectors.get_attachment(request.auth, attachment_id)  # its case's scope and need-to-know
    return FileResponse(att.file.open("rb"), content_type=att.content_type)


class CaseTypeOut(Schema):
    code: str
    version: int
    name: str
    definition: dict


@router.get("/case-types", response=list[CaseTypeOut], summary="案件类型（声明，当前版本）")
def case_types(request):
    from .models import CaseType

    return list(CaseType.objects.filter(is_current=True).order_by("code").values("code", "version", "name", "definition"))


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    region: str
    phone: str


class DepartmentIn(Schema):
    code: str
    name: str
    region: str
    phone: str = ""


@router.get("/departments", response=list[DepartmentOut], summary="职能部门（可派遣的部门）；case=编号 时只列负责该案件区域的部门")
def departments(request, case: str = ""):
    if case:
        qs = selectors.departments_for_case(request.auth, selectors.get_case(request.auth, case))
    else:
        qs = selectors.departments_visible(request.auth)
    return [{"id": d.pk, "code": d.code, "name": d.name, "region": d.region_id, "phone": d.phone} for d in qs]


@router.post("/departments", response={201: DepartmentOut}, summary="新建职能部门")
def create_department(request, body: DepartmentIn):
    from ..regions.selectors import get_region

    region = get_region(request.auth, body.region)
    d = services.create_department(actor(request), body.code, body.name, region, body.phone)
    return Status(201, {"id": d.pk, "code": d.code, "name": d.name, "region": d.region_id, "phone": d.phone})


# --- the official calendar (法定节假日安排) ------------------------------------------------

class CalendarYearOut(Schema):
    year: int
    official: bool = Field(description="官方安排已录入（否则按法定节假日估算，期限标为预估）")
    source: str = Field(description="通知文号")
    status: str = Field(description="library（软件包导入）、entered（管理员录入），预估年度为空")
    entered_at: datetime | None


class CalendarDayOut(Schema):
    day: date
    kind: str = Field(description="holiday 放假，workday 调休上班")
    name: str


class CalendarYearDetailOut(CalendarYearOut):
    days: list[CalendarDayOut]


class HolidayLineIn(Schema):
    name: str
    first: date
    last: date


class CalendarYearIn(Schema):
    year: Annotated[int, Field(ge=1949, le=9999)]
    source: str = Field(description="通知文号，如 国办发明电〔2025〕7号")
    holidays: BoundedList[HolidayLineIn, MAX_ITEMS]
    workdays: BoundedList[date, MAX_ITEMS] = Field(default_factory=list, description="调休上班日（周六或周日）")


class RecomputedOut(Schema):
    number: str
    changes: dict


class CalendarEnteredOut(CalendarYearDetailOut):
    recomputed: list[RecomputedOut]


def _year_out(row, days=None) -> dict:
    out = {"year": row.year, "official": row.official, "source": row.source, "status": row.status,
           "entered_at": _local(row.entered_at)}
    if days is not None:
        out["days"] = [{"day": d, "kind": k, "name": n} for d, k, n in days]
    return out


@router.get("/calendar/years", response=list[CalendarYearOut], tags=["法定节假日"],
            summary="年度节假日安排：已录入的年度和按法定节假日估算的年度（至明年）")
def calendar_years(request):
    from . import calendar_selectors

    return [_year_out(r) for r in calendar_selectors.calendar_years()]


@router.post("/calendar/years", response={201: CalendarEnteredOut}, tags=["法定节假日"],
             summary="录入（或更正）一个年度的节假日安排，并重新计算未办结案件的期限（市级管理员）")
def enter_calendar_year(request, body: CalendarYearIn):
    from . import calendar_selectors, calendar_services
    from .statutory import HolidayLine

    result = calendar_services.enter_year(actor(request), body.year, body.source,
                                          [HolidayLine(h.name, h.first, h.last) for h in body.holidays],
                                          body.workdays)
    row = next(r for r in calendar_selectors.calendar_years() if r.year == body.year)
    return Status(201, {**_year_out(row, calendar_selectors.year_days(body.year)), "recomputed": result.recomputed})
