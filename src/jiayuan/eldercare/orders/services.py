"""Writes of home-care orders: contracts with providers, the duties of provider staff,
monthly care plans generating work orders, the order's steps on a phone (dispatch,
check-in with location, check-out with a photo, confirmation by the elder or family),
call-backs and re-checks, complaints. One transaction each, audit included; every state
change of an order also writes an :class:`~jiayuan.eldercare.models.OrderEvent` (who,
when, from → to, why). The monthly settlement is in :mod:`.settlement_services`.

Errors: Forbidden (role or duty), NotFound (out of scope or need-to-know, as for a
missing record), ValidationFailed (``field_error`` shape), Conflict (state moved on,
duplicates)."""

from __future__ import annotations

import calendar
import datetime
import hashlib
import io
import secrets
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ... import security
from ...errors import Conflict, Forbidden, NotFound, TooManyRequests, ValidationFailed, field_error
from ...organizations.models import OrganizationMember, SocialOrganization
from ...people.models import Person
from ...people.services import require
from ...regions.models import Region
from ..models import (CallBack, CareDuty, CarePlan, CarePlanLine, Complaint, ContractItem, Entitlement,
                      HomeCareItem, OrderEvent, OrderPhoto, ProviderContract, WorkOrder)
from . import rules, selectors


def _in_scope(user, code: str) -> bool:
    return code.startswith(user.scope_code) or user.scope_code.startswith(code)


def _date(value, field: str) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationFailed(field_error(field, f"{field}.format", _("日期格式错误：应为 YYYY-MM-DD"))) from None


def _decimal(value, field: str, label: str, places: int = 2) -> Decimal:
    if isinstance(value, (float, bool)):
        value = None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError, TypeError):
        d = None
    if d is None or not d.is_finite() or d <= 0 or d.as_tuple().exponent < -places or d > Decimal("100000"):
        raise ValidationFailed(field_error(field, f"{field}.invalid", _("%(label)s应为大于 0 的数") % {"label": label}))
    return d


# --- contracts and duties --------------------------------------------------------------

@transaction.atomic
def sign_contract(actor: Actor, county: str, provider: SocialOrganization, *, number: str, start, end,
                  prices: dict) -> ProviderContract:
    """The county's contract with ``provider``: ``number`` (unique in the county), the
    period ``start``–``end`` and ``prices`` ``{catalogue item id: price yuan}`` (items of
    the county's catalogue). Needs ``manage_eldercare`` over the county."""
    require(actor, Perm.MANAGE_ELDERCARE)
    region = Region.objects.filter(code=str(county), level=Region.Level.COUNTY).first()
    if region is None or not _in_scope(actor.user, region.code):
        raise NotFound("county.not_found")
    if provider.status != "active":
        raise ValidationFailed(field_error("provider", "provider.inactive", _("该组织不在正常状态")))
    number = str(number or "").strip()[:50]
    if not number:
        raise ValidationFailed(field_error("number", "number.required", _("请填写合同编号")))
    s, e = _date(start, "start"), _date(end, "end")
    if e < s:
        raise ValidationFailed(field_error("end", "end.before_start", _("截止日期不能早于起始日期")))
    if not prices:
        raise ValidationFailed(field_error("prices", "prices.required", _("请至少约定一个服务项目的价格")))
    items = {i.pk: i for i in HomeCareItem.objects.filter(county=region, pk__in=[int(k) for k in prices])}
    rows = []
    for k, v in prices.items():
        item = items.get(int(k))
        if item is None:
            raise ValidationFailed(field_error("prices", "prices.item", _("服务项目不在本县（区）目录中")))
        rows.append((item, _decimal(v, "prices", _("合同单价"))))
    try:
        with transaction.atomic():
            c = ProviderContract.objects.create(provider=provider, county=region, number=number, start=s, end=e,
                                                signed_by=actor.user)
    except IntegrityError:
        raise Conflict("contract.duplicate", _("合同编号 %(n)s 已存在") % {"n": number}) from None
    ContractItem.objects.bulk_create([ContractItem(contract=c, item=i, price=p) for i, p in rows])
    record(actor, "eldercare.contract.sign", c, region_code=region.code,
           extra={"provider": provider.pk, "number": number, "prices": {i.code: str(p) for i, p in rows}})
    return c


@transaction.atomic
def set_duty(actor: Actor, provider: SocialOrganization, user: User, duty: str, active: bool = True) -> CareDuty:
    """Give (or take back) an account a duty for ``provider``: ``dispatcher`` or
    ``care_worker``. The account must be an ``org_staff`` account and an active member
    of the organization (organizations.OrganizationMember). Needs ``manage_eldercare``
    over the provider: registered in the actor's scope or above it (a city-wide
    provider), or under a contract of a county in the actor's scope; otherwise
    :class:`NotFound` ``provider.not_found``."""
    require(actor, Perm.MANAGE_ELDERCARE)
    if not (selectors.contract_candidates(actor.user).filter(pk=provider.pk).exists()
            or selectors.contracts_for(actor.user).filter(provider=provider).exists()):
        raise NotFound("provider.not_found")
    if duty not in rules.DUTIES:
        raise ValidationFailed(field_error("duty", "duty.unknown", _("职责应为调度员或护理员")))
    if user.role != "org_staff" or not OrganizationMember.objects.filter(organization=provider, user=user,
                                                                         active=True).exists():
        raise ValidationFailed(field_error("user", "user.not_member", _("该账号不是本机构在岗的社会组织人员")))
    row, _created = CareDuty.objects.get_or_create(provider=provider, user=user, duty=duty,
                                                   defaults={"created_by": actor.user, "active": active})
    if row.active != active:
        row.active = active
        row.save(update_fields=["active"])
    record(actor, "eldercare.duty.set", row, extra={"provider": provider.pk, "user": user.username, "duty": duty,
                                                      "active": active})
    return row


# --- plans and orders ------------------------------------------------------------------

def _event(order: WorkOrder, action: str, before: str, actor: Actor, note: str = "", data: dict | None = None,
           at: datetime.datetime | None = None):
    OrderEvent.objects.create(order=order, action=action, from_state=before, to_state=order.status,
                              actor=actor.user if getattr(actor.user, "pk", None) else None, at=at or timezone.now(),
                              note=note[:300], data=data or {})


@transaction.atomic
def make_plan(actor: Actor, person: Person, month, contract: ProviderContract, lines: list[dict], *,
              home_lat, home_lon, address: str = "") -> CarePlan:
    """The month's care plan of ``person`` (with an active entitlement): ``lines`` of
    ``{"item": id, "quantity": units a visit, "days": [day of month, …]}`` priced by
    ``contract``; the planned amount (Σ price × quantity × visits) may not exceed the
    entitlement's monthly amount. Writes one pending work order per line and day, and
    an event each. ``home_lat``/``home_lon``: the home's location (WGS-84 degrees).
    Needs ``manage_eldercare``; the person in scope; one plan per person and month."""
    require(actor, Perm.MANAGE_ELDERCARE)
    if not (person.region_id or "").startswith(actor.user.scope_code):
        raise NotFound("person.not_found")
    m = _date(month, "month")
    if m.day != 1:
        raise ValidationFailed(field_error("month", "month.first", _("服务月份应为某月1日")))
    ent = Entitlement.objects.filter(person=person, status="active", start_month__lte=m).first()
    if ent is None:
        raise ValidationFailed(field_error("person", "entitlement.none", _("该老人没有生效的居家养老服务待遇")))
    if contract.status != "active" or not (contract.start <= m <= contract.end) or contract.county_id != ent.county_id:
        raise ValidationFailed(field_error("contract", "contract.not_in_force", _("所选合同在该月不在履行期内")))
    try:
        lat, lon = float(home_lat), float(home_lon)
        rules.distance_m(lat, lon, lat, lon)
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed(field_error("home_lat", "location.invalid", _("请填写老人住址的经纬度"))) from None
    last = calendar.monthrange(m.year, m.month)[1]
    checked = []
    total = Decimal("0.00")
    for i, line in enumerate(lines or []):
        ci = ContractItem.objects.select_related("item").filter(contract=contract, item_id=line.get("item")).first()
        if ci is None:
            raise ValidationFailed(field_error(f"lines.{i}.item", "item.not_in_contract", _("服务项目不在合同中")))
        qty = _decimal(line.get("quantity", 1), f"lines.{i}.quantity", _("每次数量"), 1)
        days = sorted({int(d) for d in line.get("days") or []})
        if not days or days[0] < 1 or days[-1] > last:
            raise ValidationFailed(field_error(f"lines.{i}.days", "days.invalid", _("服务日期应为本月中的日子")))
        checked.append((ci, qty, days))
        total += rules.yuan(ci.price * qty) * len(days)
    if not checked:
        raise ValidationFailed(field_error("lines", "lines.required", _("请至少安排一个服务项目")))
    if total > ent.amount:
        raise ValidationFailed(field_error("lines", "plan.over_entitlement",
                                           _("计划金额 %(total)s 元超过每月服务金额 %(amount)s 元") % {
                                               "total": total, "amount": ent.amount}))
    try:
        with transaction.atomic():
            plan = CarePlan.objects.create(
                person=person, entitlement=ent, contract=contract, provider_id=contract.provider_id,
                county_id=ent.county_id, month=m, address=(address or person.address or "")[:200] or "-",
                home_lat=Decimal(str(round(lat, 6))), home_lon=Decimal(str(round(lon, 6))),
                confirm_code=f"{secrets.randbelow(1_000_000):06d}", planned_amount=total, created_by=actor.user)
    except IntegrityError:
        raise Conflict("plan.duplicate", _("该老人本月已有服务计划")) from None
    orders = []
    for ci, qty, days in checked:
        pl = CarePlanLine.objects.create(plan=plan, item=ci.item, price=ci.price, quantity=qty, days=days)
        for d in days:
            orders.append(WorkOrder(plan=plan, line=pl, person=person, provider_id=contract.provider_id,
                                    county_id=ent.county_id, region_id=person.region_id, item=ci.item, month=m,
                                    scheduled_on=m.replace(day=d), price=ci.price, quantity=qty))
    WorkOrder.objects.bulk_create(orders)
    created = list(WorkOrder.objects.filter(plan=plan))
    now = timezone.now()
    OrderEvent.objects.bulk_create([OrderEvent(order=o, action="create", to_state="pending", actor=actor.user, at=now,
                                               note=_("由月度服务计划生成")) for o in created])
    record(actor, "eldercare.plan.create", plan, region_code=person.region_id,
           extra={"person": person.pk, "month": m.isoformat(), "orders": len(created), "amount": str(total)})
    return plan


def _lock(order: WorkOrder, action: str, version: int | None = None) -> WorkOrder:
    locked = WorkOrder.objects.select_for_update().select_related("item", "plan").get(pk=order.pk)
    if version is not None and locked.version != int(version):
        raise Conflict("order.conflict", _("该工单已被他人处理，请刷新后重试"))
    if rules.next_state(locked.status, action) is None:
        raise Conflict("order.state", _("工单当前状态为“%(s)s”，不能%(a)s") % {
            "s": _(rules.STATES[locked.status]), "a": _(rules.ACTIONS[action])})
    return locked


def _move(locked: WorkOrder, action: str, actor: Actor, note: str = "", data: dict | None = None,
          at: datetime.datetime | None = None, **fields):
    before = locked.status
    locked.status = rules.next_state(before, action)
    for k, v in fields.items():
        setattr(locked, k, v)
    locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db()
    _event(locked, action, before, actor, note, data, at)
    record(actor, f"eldercare.order.{action}", locked, region_code=locked.region_id,
           changes={"status": [before, locked.status]}, extra=data or {})
    return locked


@transaction.atomic
def dispatch(actor: Actor, order: WorkOrder, worker: User, note: str = "",
             now: datetime.datetime | None = None) -> WorkOrder:
    """Dispatch (or re-dispatch) ``order`` to ``worker``, a care worker of the order's
    provider. Only a dispatcher of that provider."""
    if order.provider_id not in selectors.duty_providers(actor.user, "dispatcher"):
        raise NotFound("order.not_found")
    if worker not in selectors.workers_of(order.provider_id):
        raise ValidationFailed(field_error("worker", "worker.unknown", _("请选择本机构在岗的护理员")))
    locked = _lock(order, "dispatch")
    return _move(locked, "dispatch", actor, note, {"worker": worker.username}, now, worker=worker)


def _own(actor: Actor, order: WorkOrder) -> None:
    if order.worker_id != getattr(actor.user, "pk", None) or order.provider_id not in selectors.duty_providers(
            actor.user, "care_worker"):
        raise NotFound("order.not_found")


@transaction.atomic
def check_in(actor: Actor, order: WorkOrder, *, lat, lon, now: datetime.datetime | None = None) -> WorkOrder:
    """The care worker checks in at the elder's home with the phone's location: the
    distance to the plan's home location is stored and ``location_ok`` set when within
    the radius in force (:func:`selectors.radius_m`). A check-in without a location is
    refused. Only on the scheduled day (the order's time limit). ``now``: the time of the
    step (default: the clock; demo data and tests pass a past one)."""
    now = now or timezone.now()
    _own(actor, order)
    try:
        if isinstance(lat, bool) or isinstance(lon, bool):  # JSON true is no degree (float(True) is 1.0)
            raise TypeError("location is a boolean")
        la, lo = float(lat), float(lon)
        dist = rules.distance_m(la, lo, float(order.plan.home_lat), float(order.plan.home_lon))
    except (TypeError, ValueError, OverflowError):  # OverflowError: float() of a JSON integer of 400 digits
        raise ValidationFailed(field_error("location", "location.required",
                                           _("未取得手机定位，请允许定位后再签到"))) from None
    if order.scheduled_on != timezone.localdate(now):
        raise ValidationFailed(field_error("scheduled_on", "order.not_today",
                                           _("该工单的服务日期是 %(d)s，只能当天签到") % {"d": order.scheduled_on}))
    locked = _lock(order, "check_in")
    ok = rules.within_radius(dist, selectors.radius_m())
    return _move(locked, "check_in", actor, "", {"distance_m": round(dist), "location_ok": ok}, now,
                 checkin_at=now, checkin_lat=Decimal(str(round(la, 6))), checkin_lon=Decimal(str(round(lo, 6))),
                 checkin_distance_m=round(dist), location_ok=ok)


def _photo(uploaded) -> tuple[bytes, str]:
    """``(data, format)`` of an uploaded photo, checked as every photo upload of the
    project is (:func:`jiayuan.storage.check_image`: JPEG, PNG or WebP, 10 MiB, 40
    million pixels; 422 on ``photo``)."""
    from ...storage import check_image

    data, fmt, _w, _h = check_image(uploaded, field="photo")
    return data, fmt


@transaction.atomic
def check_out(actor: Actor, order: WorkOrder, *, photo=None, notes: str = "",
              now: datetime.datetime | None = None) -> WorkOrder:
    """The care worker checks out: the duration (whole minutes since check-in) is
    stored; a photo is required when the item's evidence asks for one."""
    _own(actor, order)
    now = now or timezone.now()
    locked = _lock(order, "check_out")
    if photo is None and "photo" in (locked.item.evidence or []):
        raise ValidationFailed(field_error("photo", "photo.required", _("该服务项目需要上传服务照片")))
    minutes = rules.duration_minutes((now - locked.checkin_at).total_seconds())
    if photo is not None:
        data, fmt = _photo(photo)
        _store_image(locked, data, fmt, OrderPhoto.Kind.CHECKOUT)
    return _move(locked, "check_out", actor, "", {"duration": minutes}, now, checkout_at=now, duration=minutes,
                 notes=str(notes or "")[:300])


SIGNATURE_MAX_BYTES = 512 * 1024


def _signature(data_url: str) -> tuple[bytes, str]:
    """The image of a drawn signature sent as a ``data:image/png;base64,…`` URL (what a
    canvas gives), checked to be a real image of at most 512 KB."""
    import base64
    import binascii
    head, _sep, payload = str(data_url or "").strip().partition(",")
    if not head.startswith("data:image/") or not head.endswith(";base64") or not payload:
        raise ValidationFailed(field_error("signature", "signature.required", _("请老人或家属在屏幕上签名")))
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data or len(data) > SIGNATURE_MAX_BYTES:
        raise ValidationFailed(field_error("signature", "signature.invalid", _("签名图片无效或超过 512 KB")))
    try:
        return _photo(io.BytesIO(data))
    except ValidationFailed:
        raise ValidationFailed(field_error("signature", "signature.invalid", _("签名图片无效或超过 512 KB"))) from None


def _store_image(order: WorkOrder, data: bytes, fmt: str, kind: str) -> OrderPhoto:
    sha = hashlib.sha256(data).hexdigest()
    p = OrderPhoto(order=order, kind=kind, image_format=fmt, size=len(data), sha256=sha)
    p.file.save("photo", ContentFile(data), save=False)
    p.save()
    return p


CODE_TRIES_PER_DAY = 10
"""Wrong confirmation codes a plan takes in a day; then the code is refused until the next
day (a care worker could otherwise try the million codes and confirm without the elder)."""


def _check_code(order: WorkOrder, code, now: datetime.datetime | None) -> None:
    """ValidationFailed ``code.wrong`` for a code not the plan's, counted (committed even as
    the step fails); TooManyRequests ``code.rate_limited`` once the plan has had
    :data:`CODE_TRIES_PER_DAY` wrong ones today."""
    key, now = f"eldercare-code:{order.plan_id}", now or timezone.now()
    if security.rate_count(key, 86400, now) >= CODE_TRIES_PER_DAY:
        raise TooManyRequests("code.rate_limited", _("确认码错误次数过多，请改用手写签名确认，或明天再试"))
    # as bytes: compare_digest refuses (TypeError) a str with a character outside ASCII
    if not secrets.compare_digest(str(code or "").strip().encode(), order.plan.confirm_code.encode()):
        security.rate_hit(key, 86400, now)
        raise ValidationFailed(field_error("code", "code.wrong", _("确认码不正确")))


def confirm(actor: Actor, order: WorkOrder, *, code: str = "", by: str = "elder", name: str = "",
            method: str = "code", signature: str = "", now: datetime.datetime | None = None) -> WorkOrder:
    """The elder (or a family member) confirms the service on the worker's phone, one of
    two ways (``method``): ``code`` — the code the elder holds (the plan's confirmation
    code; a wrong one is refused); ``signature`` — a signature drawn on the phone's
    screen, sent as a ``data:image/png;base64,…`` URL, kept as an image of the order
    (:class:`OrderPhoto` ``signature``). The method is stored on the order and in the
    history's event (``data.method``); a family member gives a name either way. After
    :data:`CODE_TRIES_PER_DAY` wrong codes of a plan in a day its code is refused (429
    ``code.rate_limited``): the signature remains."""
    _own(actor, order)
    if method not in rules.CONFIRM_METHODS:
        raise ValidationFailed(field_error("method", "method.unknown", _("确认方式应为确认码或手写签名")))
    if by not in rules.CONFIRM_BY:
        raise ValidationFailed(field_error("by", "by.unknown", _("确认人应为老人本人或家属")))
    if method == "code":
        if rules.next_state(order.status, "confirm") is None:
            with transaction.atomic():
                _lock(order, "confirm")  # the wrong state (409) before a code is counted
        _check_code(order, code, now)  # outside the step's transaction: a wrong code stays counted
    with transaction.atomic():
        return _confirm(actor, order, by=by, name=name, method=method, signature=signature, now=now)


def _confirm(actor: Actor, order: WorkOrder, *, by: str, name: str, method: str, signature: str,
             now: datetime.datetime | None) -> WorkOrder:
    locked = _lock(order, "confirm")
    image = None
    if method != "code":
        image = _signature(signature)
    if by == "family" and not str(name or "").strip():
        raise ValidationFailed(field_error("name", "name.required", _("家属确认请填写姓名")))
    data = {"by": by, "method": method}
    if image is not None:
        data["signature"] = _store_image(locked, image[0], image[1], OrderPhoto.Kind.SIGNATURE).pk
    return _move(locked, "confirm", actor, "", data, now, confirmed_by=by, confirm_method=method,
                 confirmer_name=str(name or "").strip()[:30], done_at=now or timezone.now())


@transaction.atomic
def void(actor: Actor, order: WorkOrder, reason: str) -> WorkOrder:
    """Void an order not yet started (dispatcher of the provider, or the county), with a reason."""
    county = actor.user.can(Perm.MANAGE_ELDERCARE) and _in_scope(actor.user, order.county_id)
    if not county and order.provider_id not in selectors.duty_providers(actor.user, "dispatcher"):
        raise NotFound("order.not_found")
    if not str(reason or "").strip():
        raise ValidationFailed(field_error("reason", "reason.required", _("请填写作废原因")))
    locked = _lock(order, "void")
    return _move(locked, "void", actor, str(reason).strip())


# --- call-backs, re-checks, complaints -------------------------------------------------

@transaction.atomic
def record_callback(actor: Actor, order: WorkOrder, *, method: str, result: str, note: str = "") -> CallBack:
    """A call-back (``phone``) or sampled on-site re-check (``visit``) of a completed
    order by staff of its region (``supervise_homecare``). One of each per order."""
    require(actor, Perm.SUPERVISE_HOMECARE)
    order = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if not order.region_id.startswith(actor.user.scope_code):
        raise NotFound("order.not_found")
    if order.status != "done":
        raise Conflict("order.state", _("只能回访已完成的工单"))
    if method not in rules.CALLBACK_METHODS or result not in rules.CALLBACK_RESULTS:
        raise ValidationFailed(field_error("result", "result.unknown", _("请选择回访方式和结果")))
    try:
        with transaction.atomic():
            cb = CallBack.objects.create(order=order, method=method, result=result, note=str(note or "")[:300],
                                         by=actor.user, at=timezone.now())
    except IntegrityError:
        raise Conflict("callback.duplicate", _("该工单已以此方式回访")) from None
    _event(order, "callback", order.status, actor, note, {"method": method, "result": result})
    record(actor, "eldercare.order.callback", order, region_code=order.region_id,
           extra={"method": method, "result": result})
    return cb


@transaction.atomic
def record_complaint(actor: Actor, order: WorkOrder, *, complainant: str, content: str) -> Complaint:
    """Record a complaint about an order (``supervise_homecare``, order in scope)."""
    require(actor, Perm.SUPERVISE_HOMECARE)
    if not order.region_id.startswith(actor.user.scope_code):
        raise NotFound("order.not_found")
    content = str(content or "").strip()[:500]
    if not content:
        raise ValidationFailed(field_error("content", "content.required", _("请填写投诉内容")))
    c = Complaint.objects.create(order=order, complainant=str(complainant or "").strip()[:30] or "-",
                                 content=content, received_by=actor.user, received_at=timezone.now())
    _event(order, "complaint", order.status, actor, content[:300])
    record(actor, "eldercare.complaint.create", c, region_code=order.region_id, extra={"order": order.pk})
    return c


@transaction.atomic
def decide_complaint(actor: Actor, complaint: Complaint, *, upheld: bool, decision: str) -> Complaint:
    """The county decides a complaint: upheld (a named deduction in the month's
    settlement) or not, with the reasons. Needs ``manage_eldercare`` over the order's county."""
    require(actor, Perm.MANAGE_ELDERCARE)
    c = Complaint.objects.select_for_update().select_related("order").get(pk=complaint.pk)
    if not _in_scope(actor.user, c.order.county_id):
        raise NotFound("complaint.not_found")
    if c.status != "open":
        raise Conflict("complaint.decided", _("该投诉已处理"))
    decision = str(decision or "").strip()[:300]
    if not decision:
        raise ValidationFailed(field_error("decision", "decision.required", _("请填写处理意见")))
    c.status = "upheld" if upheld else "rejected"
    c.decided_by, c.decided_at, c.decision = actor.user, timezone.now(), decision
    c.save()
    _event(c.order, "complaint_decided", c.order.status, actor, decision, {"complaint": c.pk, "status": c.status})
    record(actor, "eldercare.complaint.decide", c, region_code=c.order.region_id, extra={"status": c.status})
    return c


def export_orders(actor: Actor, day: datetime.date) -> tuple[bytes, str, str, int]:
    """The orders of ``day`` the user may read as a workbook (staff with ``export``, or a
    dispatcher), audited: (data, Chinese file name, ASCII fallback, rows)."""
    from .. import exports
    user = actor.user
    if not (user.can(Perm.EXPORT) or selectors.is_dispatcher(user)):
        raise Forbidden("permission_denied", _("您的角色无权导出"))
    qs = selectors.orders_for(user).filter(scheduled_on=day).order_by("status", "id")
    rows = [(o.number, o.person.name, o.item.name, str(o.quantity), str(o.price), _(rules.STATES[o.status]),
             o.worker.username if o.worker else "", o.checkin_distance_m if o.checkin_distance_m is not None else "",
             o.duration) for o in qs]
    data = exports.table_xlsx("工单", f"居家养老服务工单 {day:%Y-%m-%d}",
                              ("工单号", "姓名", "服务项目", "数量", "合同单价（元）", "状态", "护理员", "签到距离（米）",
                               "服务时长（分钟）"), rows)
    region = Region.objects.filter(code=user.scope_code).first()
    name, fallback = exports.file_names("居家养老服务工单", "orders", region, day)
    record(actor, "eldercare.order.export", None, region_code=user.scope_code, extra={"day": day.isoformat(),
                                                                                      "rows": len(rows)})
    return data, name, fallback, len(rows)


__all__ = ["sign_contract", "set_duty", "make_plan", "dispatch", "check_in", "check_out", "confirm", "void",
           "record_callback", "record_complaint", "decide_complaint", "export_orders"]
