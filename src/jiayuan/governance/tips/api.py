"""``/api/v1/tips`` — confidential tips (线索).

Contract (issue 15, kept exactly): ``GET /api/v1/tips/{id}`` answers 404 for every role
except the designated county handlers — the collector included, who gets the status
only from ``GET /api/v1/tips/{id}/status``. Every read is audited.
"""

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ...api.auth import actor
from ...api.types import Id
from ...errors import NotFound
from ...imports.export import content_disposition
from . import export, rules, selectors, services

router = Router(tags=["线索"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TipIn(Schema):
    region: str
    category: str
    content: str
    anonymous: bool = False
    informant_name: str = ""
    informant_contact: str = ""
    collected_on: date | None = None
    request_key: str = ""


class TipStatusOut(Schema):
    id: int
    number: str
    status: str
    status_name: str
    collected_on: date
    verified_on: date | None
    transferred_on: date | None
    concluded_on: date | None


class TipEventOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str
    on: date
    note: str


class TipOut(Schema):
    id: int
    number: str
    status: str
    status_name: str
    region: str
    region_name: str
    category: str
    category_name: str
    content: str
    anonymous: bool
    informant_name: str
    informant_contact: str
    collected_by: str
    collected_on: date
    verified_on: date | None
    recipient: str
    transferred_on: date | None
    outcome: str
    concluded_on: date | None
    feedback: str
    history: list[TipEventOut]


class TipRowOut(Schema):
    id: int
    number: str
    status: str
    status_name: str
    region: str
    category: str
    collected_on: date


class TipActionIn(Schema):
    action: str
    on: date | None = None
    recipient: str = ""
    outcome: str = ""
    note: str = ""


class TipStageCounts(Schema):
    collected: int
    transferred: int
    concluded: int


class TipCountRow(TipStageCounts):
    region: str
    region_name: str


class TipCountsOut(Schema):
    region: str
    region_name: str
    start: date
    end: date
    total: TipStageCounts
    rows: list[TipCountRow]


def _status_out(status: dict) -> dict:
    return {**status, "status_name": _(rules.STATE_NAMES[status["status"]])}


def _tip_out(c: services.TipContent) -> dict:
    t = c.tip
    return {"id": t.pk, "number": t.number, "status": t.state, "status_name": _(rules.STATE_NAMES[t.state]),
            "region": t.region_id, "region_name": t.region.name, "category": t.category,
            "category_name": _(rules.CATEGORIES[t.category]), "content": c.content, "anonymous": t.anonymous,
            "informant_name": c.informant_name, "informant_contact": c.informant_contact,
            "collected_by": str(t.collected_by), "collected_on": t.collected_on, "verified_on": t.verified_on,
            "recipient": t.recipient, "transferred_on": t.transferred_on, "outcome": t.outcome,
            "concluded_on": t.concluded_on, "feedback": c.feedback,
            "history": [{"action": e["action"], "from_state": e["from_state"], "to_state": e["to_state"],
                         "actor": str(e["actor"] or ""), "on": e["on"], "note": e["note"]} for e in c.events]}


@router.post("/tips", response={201: TipStatusOut}, summary="登记线索（登记人此后只能查看状态）")
def collect(request, body: TipIn):
    tip = services.collect_tip(actor(request), region_code=body.region, category=body.category, content=body.content,
                               anonymous=body.anonymous, informant_name=body.informant_name,
                               informant_contact=body.informant_contact, collected_on=body.collected_on,
                               request_key=body.request_key or request.headers.get("Idempotency-Key", ""))
    return Status(201, _status_out(selectors.status_of(tip)))


@router.get("/tips", response=list[TipRowOut],
            summary="线索列表：指定承办人看到本县（区）线索（不含内容），其他人只看到本人登记的线索的状态")
def list_tips(request, mine: bool = False):
    user = request.auth
    if not mine and selectors.handler_counties(user):
        tips = list(selectors.handled_tips(user)[:500])
        services.record_list_read(actor(request), len(tips))
        return [{"id": t.pk, "number": t.number, "status": t.state, "status_name": _(rules.STATE_NAMES[t.state]),
                 "region": t.region_id, "category": t.category, "collected_on": t.collected_on} for t in tips]
    return [{"id": t.pk, "number": t.number, "status": t.state, "status_name": _(rules.STATE_NAMES[t.state]),
             "region": "", "category": "", "collected_on": t.collected_on}
            for t in selectors.collected_tips(user)[:500]]


@router.get("/tips/counts", response=TipCountsOut, summary="线索按环节统计（采集、移交、办结；任一区划、任一期间）")
def counts(request, region: str = "", start: date | None = None, end: date | None = None):
    user = request.auth
    reg = selectors.count_region(user, region)
    end = end or timezone.localdate()
    start = start or end.replace(month=1, day=1)
    c = selectors.tip_counts(user, reg, start, end)
    return {"region": reg.code, "region_name": reg.name, "start": start, "end": end, "total": c["total"],
            "rows": [{"region": r["code"], "region_name": r["region"].name if r["region"] else r["code"],
                      "collected": r["collected"], "transferred": r["transferred"], "concluded": r["concluded"]}
                     for r in c["rows"]]}


@router.get("/tips/counts.xlsx", summary="线索按环节统计（Excel）")
def counts_export(request, region: str = "", start: date | None = None, end: date | None = None):
    user = request.auth
    reg = selectors.count_region(user, region)
    end = end or timezone.localdate()
    start = start or end.replace(month=1, day=1)
    c = selectors.tip_counts(user, reg, start, end)
    response = HttpResponse(export.counts_xlsx(reg, start, end, c), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(*export.counts_file_names(reg, start, end))
    return response


@router.get("/tips/{tip_id}", response=TipOut, summary="线索内容（仅本县（区）指定承办人；其他任何人 404，读取留痕）")
def detail(request, tip_id: Id):
    tip = selectors.get_tip_for_handler(request.auth, tip_id)
    return _tip_out(services.reveal_tip(actor(request), tip))


@router.get("/tips/{tip_id}/status", response=TipStatusOut, summary="线索状态（登记人与承办人；读取留痕）")
def status(request, tip_id: Id):
    tip = selectors.get_tip_status(request.auth, tip_id)
    return _status_out(services.read_status(actor(request), tip))


@router.post("/tips/{tip_id}/actions", response=TipStatusOut, summary="承办人办理：核实、移交、办结（附反馈）")
def act(request, tip_id: Id, body: TipActionIn):
    tip = selectors.get_tip_for_handler(request.auth, tip_id)
    tip = services.act_on_tip(actor(request), tip, body.action, on=body.on, recipient=body.recipient,
                              outcome=body.outcome, note=body.note)
    return _status_out(selectors.status_of(tip))


class TipHandlerIn(Schema):
    user: Id
    county: str


class TipHandlerOut(Schema):
    id: int
    user: int
    username: str
    full_name: str
    county: str
    county_name: str
    designated_at: str


def _handler_out(h) -> dict:
    return {"id": h.pk, "user": h.user_id, "username": h.user.username, "full_name": h.user.full_name,
            "county": h.county_id, "county_name": h.county.name,
            "designated_at": timezone.localtime(h.designated_at).isoformat()}


@router.get("/tip-handlers", response=list[TipHandlerOut], summary="线索承办人（指定记录）")
def handlers(request):
    return [_handler_out(h) for h in selectors.designations(request.auth)[:500]]


@router.post("/tip-handlers", response={201: TipHandlerOut}, summary="指定线索承办人（县（区）级干部账号）")
def designate(request, body: TipHandlerIn):
    account = selectors.designatable_accounts(request.auth).filter(pk=body.user).first()
    if account is None:
        from ...accounts.models import User

        account = User.objects.filter(pk=body.user, scope__code__startswith=request.auth.scope_code).first()
        if account is None:
            raise NotFound("user.not_found")
    return Status(201, _handler_out(services.designate_handler(actor(request), account, body.county)))


@router.delete("/tip-handlers/{handler_id}", response=TipHandlerOut, summary="终止线索承办人的指定")
def end(request, handler_id: Id):
    h = services.end_designation(actor(request), selectors.get_designation(request.auth, handler_id))
    return _handler_out(h)
