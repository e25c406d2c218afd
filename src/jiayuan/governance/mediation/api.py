"""``/api/v1/mediation-cases`` and ``/api/v1/mediation-committees`` — people's mediation.
The case itself (its timeline, 调解不成, 终止) is also at ``/api/v1/cases/{number}``."""

from datetime import date

from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status

from ...api.auth import actor
from ...api.types import BoundedList, Id
from ...errors import Forbidden
from ...accounts.permissions import Perm
from ..regions import region_in_scope
from . import rules, selectors, services

router = Router(tags=["人民调解"])


class MediationPartyIn(Schema):
    name: str
    role: str = "party"
    stance: str = "not_asked"
    phone: str = ""
    address: str = ""


class MediationOpenIn(Schema):
    region: str
    category: str
    start_mode: str
    parties: BoundedList[MediationPartyIn, 10]
    facts: str
    request: str = ""
    request_key: str = ""


class MediationPartyOut(Schema):
    name: str
    role: str
    stance: str


class MediationAgreementOut(Schema):
    facts_and_issues: str
    terms: str
    performance_manner: str
    performance_deadline: date
    signed_on: date
    court_confirmation_deadline: date


class MediationSessionOut(Schema):
    held_on: date
    place: str
    attendees: str
    record: str


class MediationFollowUpOut(Schema):
    visited_on: date
    performance: str
    note: str


class MediationOut(Schema):
    number: str
    title: str
    state: str
    category: str
    start_mode: str
    region: str
    committee: int | None
    parties: list[MediationPartyOut]
    facts: str
    mediators: list[str]
    sessions: list[MediationSessionOut]
    agreement: MediationAgreementOut | None
    followups: list[MediationFollowUpOut]


class MediationRow(Schema):
    number: str
    title: str
    state: str
    category: str
    region: str
    registered_at: str


def _out(v: selectors.MediationView) -> dict:
    c = v.case
    a = v.agreement
    return {"number": c.number, "title": c.title, "state": c.state, "category": c.category,
            "start_mode": c.data.get("start_mode", ""), "region": c.region_id,
            "committee": v.file.committee_id if v.file else None,
            "parties": [{"name": p["name"], "role": p["role"], "stance": p["stance"]} for p in c.data.get("parties", [])],
            "facts": c.description, "mediators": [m.name for m in v.mediators],
            "sessions": [{"held_on": s.held_on, "place": s.place, "attendees": s.attendees, "record": s.record}
                         for s in v.sessions],
            "agreement": None if a is None else {
                "facts_and_issues": a.facts_and_issues, "terms": a.terms, "performance_manner": a.performance_manner,
                "performance_deadline": a.performance_deadline, "signed_on": a.signed_on,
                "court_confirmation_deadline": a.court_confirmation_deadline},
            "followups": [{"visited_on": f.visited_on, "performance": f.performance, "note": f.note}
                          for f in v.followups]}


def _require_reader(user):
    if not user.can(Perm.VIEW_MEDIATION):
        raise Forbidden("permission_denied", "您的角色不能查看人民调解案件")


@router.get("/mediation-cases", response=list[MediationRow], summary="人民调解案件（最新在前，最多 500 件）")
def list_cases(request, state: str = ""):
    _require_reader(request.auth)
    qs = selectors.mediation_cases(request.auth)
    if state:
        qs = qs.filter(state=state)
    return [{"number": c.number, "title": c.title, "state": c.state, "category": c.category, "region": c.region_id,
             "registered_at": timezone.localtime(c.created_at).isoformat()} for c in qs[:500]]


@router.post("/mediation-cases", response={201: MediationOut},
             summary="受理调解（当事人一方明确拒绝调解的，记录拒绝并以 422 mediation.party_refused 拒绝受理）")
def open_case(request, body: MediationOpenIn):
    _require_reader(request.auth)
    payload = body.dict()
    key = payload.pop("request_key") or request.headers.get("Idempotency-Key", "")
    case = services.open_mediation(actor(request), payload, request_key=key)
    return Status(201, _out(selectors.mediation_view(request.auth, case.number)))


@router.get("/mediation-cases/{number}", response=MediationOut, summary="调解案件：当事人、调解员、调解记录、协议、回访")
def detail(request, number: str):
    _require_reader(request.auth)
    return _out(selectors.mediation_view(request.auth, number))


class MediationMediatorsIn(Schema):
    members: BoundedList[Id, 9]


@router.post("/mediation-cases/{number}/mediators", response=MediationOut, summary="指派调解员（已登记的案件随之开始调解）")
def assign(request, number: str, body: MediationMediatorsIn):
    _require_reader(request.auth)
    v = selectors.mediation_view(request.auth, number)
    services.assign_mediators(actor(request), v.case, body.members)
    return _out(selectors.mediation_view(request.auth, number))


class MediationSessionIn(Schema):
    held_on: date
    place: str = ""
    attendees: str = ""
    record: str


@router.post("/mediation-cases/{number}/sessions", response={201: MediationOut}, summary="记录调解过程")
def session(request, number: str, body: MediationSessionIn):
    _require_reader(request.auth)
    v = selectors.mediation_view(request.auth, number)
    services.record_session(actor(request), v.case, held_on=body.held_on, place=body.place,
                            attendees=body.attendees, record_text=body.record)
    return Status(201, _out(selectors.mediation_view(request.auth, number)))


class MediationAgreementIn(Schema):
    facts_and_issues: str
    terms: str
    performance_manner: str
    performance_deadline: date
    signed_on: date


@router.post("/mediation-cases/{number}/agreement", response={201: MediationOut},
             summary="记录调解协议（计算申请司法确认的截止日：生效后 30 日，遇法定休假日顺延）")
def agreement(request, number: str, body: MediationAgreementIn):
    _require_reader(request.auth)
    v = selectors.mediation_view(request.auth, number)
    services.record_agreement(actor(request), v.case, **body.dict())
    return Status(201, _out(selectors.mediation_view(request.auth, number)))


class MediationFollowUpIn(Schema):
    visited_on: date
    performance: str
    note: str = ""
    close: bool = False


@router.post("/mediation-cases/{number}/followups", response={201: MediationOut}, summary="记录履行回访")
def followup(request, number: str, body: MediationFollowUpIn):
    _require_reader(request.auth)
    v = selectors.mediation_view(request.auth, number)
    services.record_followup(actor(request), v.case, **body.dict())
    return Status(201, _out(selectors.mediation_view(request.auth, number)))


class MediationPoliceIn(Schema):
    department: Id
    risk: str


class MediationPoliceOut(Schema):
    id: int
    case: str
    department: str
    risk: str
    received: bool


@router.post("/mediation-cases/{number}/police-reports", response={201: MediationPoliceOut},
             summary="报告公安机关（可能激化的纠纷）")
def police(request, number: str, body: MediationPoliceIn):
    _require_reader(request.auth)
    v = selectors.mediation_view(request.auth, number)
    r = services.report_police(actor(request), v.case, department_id=body.department, risk=body.risk)
    return Status(201, {"id": r.pk, "case": v.case.number, "department": r.department.name, "risk": r.risk,
                        "received": False})


class MediationResultRow(Schema):
    category: str
    category_name: str
    cases: int
    agreements: int
    performed: int


class MediationResultsOut(Schema):
    region: str
    start: date
    end: date
    cases: int
    agreements: int
    performed: int
    refused: int
    rows: list[MediationResultRow]


@router.get("/mediation-results", response=MediationResultsOut, summary="调解统计（任一区划、任一期间：受理、达成协议、已履行）")
def results(request, region: str = "", start: date | None = None, end: date | None = None):
    user = request.auth
    _require_reader(user)
    reg = region_in_scope(user, region)
    end = end or timezone.localdate()
    start = start or end.replace(month=1, day=1)
    r = selectors.results(user, reg, start, end)
    return {"region": reg.code, "start": start, "end": end, "cases": r["cases"], "agreements": r["agreements"],
            "performed": r["performed"], "refused": r["refused"],
            "rows": [{"category": x["code"], "category_name": rules.CATEGORIES.get(x["code"], ""),
                      "cases": x["cases"], "agreements": x["agreements"], "performed": x["performed"]}
                     for x in r["rows"]]}


class MediationMemberOut(Schema):
    id: int
    name: str
    role: str
    user: int | None


class MediationCommitteeOut(Schema):
    id: int
    name: str
    region: str
    members: list[MediationMemberOut]


@router.get("/mediation-committees", response=list[MediationCommitteeOut], summary="人民调解委员会及其委员")
def committees(request):
    _require_reader(request.auth)
    return [{"id": c.pk, "name": c.name, "region": c.region_id,
             "members": [{"id": m.pk, "name": m.name, "role": m.role, "user": m.user_id}
                         for m in selectors.members_of(c)]}
            for c in selectors.committees(request.auth)[:500]]
