"""``/api/v1/eldercare/…`` writes of home-care orders and settlements, and reads of
contracts and care plans. Thin: each handler finds the object through the pages'
selectors (scope and need-to-know), calls the one service of the step, and answers.

Errors, as every write API of the project (standard body ``{"error": {"code",
"message", "fields"}}``): 403 ``permission_denied`` for an account that holds neither the
duty nor the right the step needs (a care worker's steps need an active care-worker duty;
dispatching a dispatcher's; voiding a dispatcher's or ``manage_eldercare``; settlements
``manage_eldercare`` or ``approve_payments``); 404 ``order.not_found`` /
``settlement.not_found`` / ``contract.not_found`` / ``plan.not_found`` for an object outside
the reader's scope or not theirs, as for an unknown id; 409 ``order.state`` /
``settlement.state`` / ``settlement.approved`` when the object is not in a state the step
starts from; 422 naming the field (``worker``, ``location``, ``photo``, ``code``,
``signature``, ``reason``, ``month``, ``provider`` …); 429 ``code.rate_limited`` once a
plan has had 10 wrong confirmation codes in a day (the signature remains).

Steps of an order:

- ``POST /eldercare/orders/{id}/dispatch`` ``{"worker": id, "note"}``
- ``POST /eldercare/orders/{id}/check-in`` ``{"lat", "lon"}`` (WGS-84 degrees, the phone's)
- ``POST /eldercare/orders/{id}/check-out`` multipart ``photo`` (when the item asks for
  one), ``notes``; the duration is the whole minutes since the check-in
- ``POST /eldercare/orders/{id}/confirm`` ``{"method": "code", "code", "by", "name"}`` or
  ``{"method": "signature", "signature": "data:image/png;base64,…", "by", "name"}``
- ``POST /eldercare/orders/{id}/void`` ``{"reason"}``

Settlements: ``POST /eldercare/settlements`` ``{"provider", "month": "YYYY-MM", "county"}``
generates (201) or regenerates a draft (200); ``POST …/{id}/approve``;
``POST …/{id}/reopen`` ``{"reason"}``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...api.auth import actor
from ...api.types import Id, Page, PageSize, paging
from ...errors import Forbidden, NotFound, ValidationFailed, field_error
from ...organizations.models import SocialOrganization
from ..models import Settlement
from . import rules, selectors, services, settlement_services

router = Router(tags=["养老服务"])


def _forbidden() -> Forbidden:
    return Forbidden("permission_denied", _("您的角色无权执行此操作"))


def _page(qs, page: int, page_size: int, out) -> dict:
    """One page of ``qs`` (already ordered) as the list endpoints answer it, each row through ``out``."""
    page_size, page, start = paging(page, page_size)
    rows = list(qs[start:start + page_size])
    count = len(rows) if page == 1 and len(rows) < page_size else qs.count()
    return {"count": count, "page": page, "page_size": page_size, "results": [out(r) for r in rows]}


def _narrowed(qs, provider: int | None, status: str, statuses, message: str):
    """``qs`` of one ``provider`` and one ``status`` when given; 422 ``status.unknown`` for
    a status not in ``statuses``."""
    if provider is not None:
        qs = qs.filter(provider_id=provider)
    if status:
        if status not in statuses:
            raise ValidationFailed(field_error("status", "status.unknown", message))
        qs = qs.filter(status=status)
    return qs


def _month(value: Any, field: str = "month") -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value or "").strip() + "-01")
    except ValueError:
        raise ValidationFailed(field_error(field, f"{field}.invalid", _("月份格式应为 YYYY-MM"))) from None


# --- orders -------------------------------------------------------------------------------

class HomeCareOrderOut(Schema):
    id: int
    number: str
    status: str
    status_name: str
    scheduled_on: datetime.date
    person_name: str
    item: str
    quantity: str
    worker: str
    checkin_at: datetime.datetime | None
    checkin_distance_m: int | None
    location_ok: bool
    checkout_at: datetime.datetime | None
    duration: int
    confirmed_by: str
    confirm_method: str
    done_at: datetime.datetime | None
    deadline: datetime.date | None
    deadline_name: str
    overdue: bool
    version: int


def order_out(o) -> dict:
    """An order as its steps answer it: the visit's facts, no personal data beyond the
    elder's name (a care worker reads this too)."""
    limit = selectors.deadline_of(o)
    late = selectors.overdue_code(o, timezone.localdate())
    return {"id": o.pk, "number": o.number, "status": o.status, "status_name": _(rules.STATES[o.status]),
            "scheduled_on": o.scheduled_on, "person_name": o.person.name, "item": o.item.name,
            "quantity": str(o.quantity), "worker": o.worker.username if o.worker_id else "",
            "checkin_at": o.checkin_at, "checkin_distance_m": o.checkin_distance_m, "location_ok": o.location_ok,
            "checkout_at": o.checkout_at, "duration": o.duration, "confirmed_by": o.confirmed_by,
            "confirm_method": o.confirm_method, "done_at": o.done_at,
            "deadline": limit[1] if limit else None, "deadline_name": _(rules.DEADLINES[limit[0]]) if limit else "",
            "overdue": late is not None, "version": o.version}


class HomeCareDispatchIn(Schema):
    worker: Id
    note: str = ""


class HomeCareCheckInIn(Schema):
    lat: Any = None
    lon: Any = None


class HomeCareConfirmIn(Schema):
    method: str = "code"
    code: str = ""
    signature: str = ""
    by: str = "elder"
    name: str = ""


class HomeCareReasonIn(Schema):
    reason: str = ""


def _worker_order(request, order_id: int):
    if not selectors.is_worker(request.auth):
        raise _forbidden()
    return selectors.worker_order(request.auth, order_id)


@router.post("/eldercare/orders/{int:order_id}/dispatch", response=HomeCareOrderOut,
             summary="派单（服务机构调度员；可改派给本机构另一名在岗护理员）")
def dispatch(request, order_id: Id, body: HomeCareDispatchIn):
    user = request.auth
    if not selectors.is_dispatcher(user):
        raise _forbidden()
    order = selectors.get_order(user, order_id)
    worker = User.objects.filter(pk=body.worker).first()
    if worker is None:
        raise ValidationFailed(field_error("worker", "worker.unknown", _("请选择本机构在岗的护理员")))
    return order_out(services.dispatch(actor(request), order, worker, body.note))


@router.post("/eldercare/orders/{int:order_id}/check-in", response=HomeCareOrderOut,
             summary="护理员签到（手机定位，服务当天；距老人住址在半径内为位置相符）")
def check_in(request, order_id: Id, body: HomeCareCheckInIn):
    order = _worker_order(request, order_id)
    return order_out(services.check_in(actor(request), order, lat=body.lat, lon=body.lon))


@router.post("/eldercare/orders/{int:order_id}/check-out", response=HomeCareOrderOut,
             summary="护理员签退（multipart：photo 服务照片——服务项目要求时必传，notes 服务记录；时长按签到起整分钟计）")
def check_out(request, order_id: Id, photo: File[UploadedFile] = None, notes: Form[str] = ""):
    order = _worker_order(request, order_id)
    return order_out(services.check_out(actor(request), order, photo=photo, notes=notes))


@router.post("/eldercare/orders/{int:order_id}/confirm", response=HomeCareOrderOut,
             summary="老人或家属确认服务（method=code 输入老人持有的6位确认码，或 method=signature 手写签名图片 data URL）")
def confirm(request, order_id: Id, body: HomeCareConfirmIn):
    order = _worker_order(request, order_id)
    return order_out(services.confirm(actor(request), order, code=body.code, by=body.by, name=body.name,
                                      method=body.method, signature=body.signature))


@router.post("/eldercare/orders/{int:order_id}/void", response=HomeCareOrderOut,
             summary="作废未开始的工单（服务机构调度员或县级民政，须填原因）")
def void(request, order_id: Id, body: HomeCareReasonIn):
    user = request.auth
    if not (user.can(Perm.MANAGE_ELDERCARE) or selectors.is_dispatcher(user)):
        raise _forbidden()
    order = selectors.get_order(user, order_id)
    return order_out(services.void(actor(request), order, body.reason))


# --- settlements --------------------------------------------------------------------------

class HomeCareSettlementOut(Schema):
    id: int
    provider: int
    provider_name: str
    county: str
    month: datetime.date
    status: str
    status_name: str
    order_count: int
    gross: str
    deduction: str
    net: str
    generated_at: datetime.datetime | None
    approved_at: datetime.datetime | None


class HomeCareSettlementPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[HomeCareSettlementOut]


class HomeCareSettlementDeductionOut(Schema):
    code: str
    name: str
    rate: str
    amount: str


class HomeCareSettlementLineOut(Schema):
    order: int
    person_name: str
    item: str
    scheduled_on: datetime.date
    price: str
    quantity: str
    gross: str
    deduction: str
    net: str
    deductions: list[HomeCareSettlementDeductionOut]


class HomeCareSettlementEventOut(Schema):
    at: datetime.datetime
    kind: str
    kind_name: str
    actor: str
    note: str


class HomeCareSettlementDetailOut(HomeCareSettlementOut):
    lines: list[HomeCareSettlementLineOut]
    events: list[HomeCareSettlementEventOut]


class HomeCareSettlementGenerateIn(Schema):
    provider: Id
    month: str
    county: str = ""


def display_name(user) -> str:
    """An account as people read it: its full name, else its user name."""
    return (user.full_name or user.username) if user else ""


def settlement_out(s) -> dict:
    return {"id": s.pk, "provider": s.provider_id, "provider_name": s.provider.name, "county": s.county_id,
            "month": s.month, "status": s.status, "status_name": s.get_status_display(),
            "order_count": s.order_count, "gross": f"{s.gross:.2f}", "deduction": f"{s.deduction:.2f}",
            "net": f"{s.net:.2f}", "generated_at": s.generated_at, "approved_at": s.approved_at}


def settlement_detail_out(s) -> dict:
    """A settlement with its live lines (each order, the elder's name, the item, the
    amounts and the named deductions) and its events."""
    lines = [{"order": ln.order_id, "person_name": ln.order.person.name, "item": ln.item.name,
              "scheduled_on": ln.order.scheduled_on, "price": f"{ln.price:.2f}", "quantity": str(ln.quantity),
              "gross": f"{ln.gross:.2f}", "deduction": f"{ln.deduction:.2f}", "net": f"{ln.net:.2f}",
              "deductions": [{"code": d["code"], "name": _(rules.DEDUCTIONS.get(d["code"], d["code"])),
                              "rate": str(d["rate"]), "amount": str(d["amount"])} for d in ln.deductions]}
             for ln in selectors.live_lines(s)[:2000]]
    events = [{"at": e.at, "kind": e.kind, "kind_name": _(rules.SETTLEMENT_EVENTS.get(e.kind, e.kind)),
               "actor": display_name(e.actor), "note": e.note}
              for e in s.events.select_related("actor").order_by("at", "id")]
    return {**settlement_out(s), "lines": lines, "events": events}


def _settler(user) -> None:
    if not (user.can(Perm.MANAGE_ELDERCARE) or user.can(Perm.APPROVE_PAYMENTS)):
        raise _forbidden()


@router.get("/eldercare/settlements", response=HomeCareSettlementPage,
            summary="居家养老服务月度结算列表（按服务机构 provider、月份 month=YYYY-MM、状态 status 筛选）")
def list_settlements(request, provider: Id | None = None, month: str = "", status: str = "", page: Page = 1,
                     page_size: PageSize = 50):
    """Settlements the reader may see (county staff; a provider's dispatcher, theirs),
    newest month first. 403 for other accounts (as the page); 422 ``month.invalid`` for a
    month not ``YYYY-MM``, ``status.unknown`` for a status not draft or approved."""
    user = request.auth
    _board(user)
    qs = _narrowed(selectors.settlements_for(user), provider, status, Settlement.Status.values, _("状态不正确"))
    if month:
        qs = qs.filter(month=_month(month))
    return _page(qs.order_by("-month", "provider__name", "id"), page, page_size, settlement_out)


@router.post("/eldercare/settlements", response={200: HomeCareSettlementDetailOut, 201: HomeCareSettlementDetailOut},
             summary="生成（或重新生成未审批的）服务机构某县（区）某月的结算：只结算已确认完成的工单")
def generate_settlement(request, body: HomeCareSettlementGenerateIn):
    user = request.auth
    if not user.can(Perm.MANAGE_ELDERCARE):
        raise _forbidden()
    month = _month(body.month)
    contracts = selectors.contracts_for(user).filter(provider_id=body.provider)
    if body.county:
        contracts = contracts.filter(county_id=body.county.strip())
    county = contracts.values_list("county_id", flat=True).first()
    provider = SocialOrganization.objects.filter(pk=body.provider).first() if county else None
    if provider is None:
        raise ValidationFailed(field_error("provider", "provider.not_found",
                                           _("该服务机构在您管辖的县（区）没有服务合同")))
    s = settlement_services.generate(actor(request), provider, county, month)
    return Status(201 if s.events.count() == 1 else 200, settlement_detail_out(s))


@router.post("/eldercare/settlements/{int:settlement_id}/approve", response=HomeCareSettlementDetailOut,
             summary="审批结算（approve_payments；不能审批自己生成的结算）")
def approve_settlement(request, settlement_id: Id):
    user = request.auth
    _settler(user)
    s = selectors.get_settlement(user, settlement_id)
    settlement_services.approve(actor(request), s)
    return settlement_detail_out(selectors.get_settlement(user, s.pk))


@router.post("/eldercare/settlements/{int:settlement_id}/reopen", response=HomeCareSettlementDetailOut,
             summary="退回已审批的结算（须填原因），退回后可重新生成")
def reopen_settlement(request, settlement_id: Id, body: HomeCareReasonIn):
    user = request.auth
    _settler(user)
    s = selectors.get_settlement(user, settlement_id)
    settlement_services.reopen(actor(request), s, body.reason)
    return settlement_detail_out(selectors.get_settlement(user, s.pk))


# --- contracts and care plans (read) ------------------------------------------------------

class HomeCareContractItemOut(Schema):
    item: int
    code: str
    name: str
    unit: str
    price: str


class HomeCareContractOut(Schema):
    id: int
    number: str
    provider: int
    provider_name: str
    county: str
    start: datetime.date
    end: datetime.date
    status: str
    status_name: str
    items: list[HomeCareContractItemOut]


class HomeCareContractPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[HomeCareContractOut]


def contract_out(c) -> dict:
    return {"id": c.pk, "number": c.number, "provider": c.provider_id, "provider_name": c.provider.name,
            "county": c.county_id, "start": c.start, "end": c.end, "status": c.status,
            "status_name": c.get_status_display(),
            "items": [{"item": ci.item_id, "code": ci.item.code, "name": ci.item.name, "unit": ci.item.unit,
                       "price": f"{ci.price:.2f}"} for ci in c.items.select_related("item").order_by("item__code")]}


def _board(user, missing: str | None = None) -> None:
    """Contracts and plans are read by county staff and providers' dispatchers: others get
    403 on a list, and 404 ``missing`` on one record (as an unknown one)."""
    if not (user.can(Perm.VIEW_ELDERCARE) or selectors.is_dispatcher(user)):
        raise NotFound(missing) if missing else _forbidden()


@router.get("/eldercare/contracts", response=HomeCareContractPage,
            summary="居家养老服务合同（按服务机构 provider、状态 status 筛选；县级民政、服务机构调度员）")
def list_contracts(request, provider: Id | None = None, status: str = "", page: Page = 1, page_size: PageSize = 50):
    user = request.auth
    _board(user)
    qs = _narrowed(selectors.contracts_for(user), provider, status, ("active", "ended"), _("状态应为 active 或 ended"))
    return _page(qs.order_by("-start", "id"), page, page_size, contract_out)


@router.get("/eldercare/contracts/{int:contract_id}", response=HomeCareContractOut, summary="居家养老服务合同详情（服务项目与单价）")
def get_contract(request, contract_id: Id):
    user = request.auth
    _board(user, "contract.not_found")
    return contract_out(selectors.get_contract(user, contract_id))


class HomeCarePlanLineOut(Schema):
    item: int
    name: str
    price: str
    quantity: str
    days: list[int]
    amount: str


class HomeCarePlanOut(Schema):
    id: int
    person: int
    person_name: str
    month: datetime.date
    provider: int
    provider_name: str
    contract: int
    contract_number: str
    address: str
    planned_amount: str
    entitlement_amount: str
    lines: list[HomeCarePlanLineOut]
    orders: dict[str, int]


class HomeCarePlanPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[HomeCarePlanOut]


def plan_out(p, full: bool = True) -> dict:
    lines = [{"item": ln.item_id, "name": ln.item.name, "price": f"{ln.price:.2f}", "quantity": str(ln.quantity),
              "days": ln.days, "amount": f"{rules.yuan(ln.price * ln.quantity) * len(ln.days):.2f}"}
             for ln in p.lines.select_related("item").order_by("id")] if full else []
    return {"id": p.pk, "person": p.person_id, "person_name": p.person.name, "month": p.month,
            "provider": p.provider_id, "provider_name": p.provider.name, "contract": p.contract_id,
            "contract_number": p.contract.number, "address": p.address, "planned_amount": f"{p.planned_amount:.2f}",
            "entitlement_amount": f"{p.entitlement.amount:.2f}", "lines": lines,
            "orders": selectors.plan_orders(p) if full else {}}


@router.get("/eldercare/plans", response=HomeCarePlanPage,
            summary="月度服务计划（按月份 month=YYYY-MM、老人 person、服务机构 provider 筛选；不含确认码）")
def list_plans(request, month: str = "", person: Id | None = None, provider: Id | None = None, page: Page = 1,
               page_size: PageSize = 50):
    user = request.auth
    _board(user)
    qs = selectors.plans_for(user).select_related("entitlement")
    if month:
        qs = qs.filter(month=_month(month))
    if person is not None:
        qs = qs.filter(person_id=person)
    if provider is not None:
        qs = qs.filter(provider_id=provider)
    return _page(qs.order_by("-month", "person__name", "id"), page, page_size, lambda x: plan_out(x, False))


@router.get("/eldercare/plans/{int:plan_id}", response=HomeCarePlanOut, summary="月度服务计划详情（服务项目、日期、金额、工单状态）")
def get_plan(request, plan_id: Id):
    user = request.auth
    _board(user, "plan.not_found")
    return plan_out(selectors.get_plan(user, plan_id))
