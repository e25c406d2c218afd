"""The monthly settlement of home-care orders with a provider (服务结算).

Only confirmed orders (已完成: checked in, checked out, confirmed by the elder or family)
of the provider, county and month are paid. Each line says which order and which
contract price produced it: price × quantity = gross, less the named deductions
(:func:`rules.line_amount`: location not matched, duration under the item's minimum,
complaint upheld, call-back found no service), = net.

Idempotent, by database constraint: one settlement per provider, county and month
(``eldercare_settlement_once``: two concurrent generations make one), and one live line
per order (``eldercare_order_settled_once``: an order is never settled twice).
Generating again (draft only) voids the live lines and writes the new generation;
reopening an approved settlement (with a reason) brings it back to draft; nothing is
ever added on top. Four eyes: the approver (``approve_payments``) is not who generated
it (service check and ``eldercare_settlement_four_eyes``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from ...organizations.models import SocialOrganization
from ...people.services import require
from ..models import Settlement, SettlementEvent, SettlementLine
from . import rules, selectors

__all__ = ["generate", "approve", "reopen", "export"]


def _event(s: Settlement, kind: str, actor: Actor, note: str = "") -> None:
    SettlementEvent.objects.create(settlement=s, kind=kind, actor=actor.user, at=timezone.now(), note=note[:300],
                                   data={"generation": s.generation, "orders": s.order_count, "gross": str(s.gross),
                                         "deduction": str(s.deduction), "net": str(s.net)})


def generate(actor: Actor, provider: SocialOrganization, county: str, month) -> Settlement:
    """Generate (or regenerate) the settlement of ``provider`` in ``county`` for
    ``month`` (first day; a past month). Needs ``manage_eldercare`` over the county.
    Conflict ``settlement.approved`` when it is approved (reopen first). Returns the
    settlement with its totals."""
    require(actor, Perm.MANAGE_ELDERCARE)
    county = str(county)
    if not (county.startswith(actor.user.scope_code) or actor.user.scope_code.startswith(county)):
        raise NotFound("county.not_found")
    if not isinstance(month, datetime.date):
        try:
            month = datetime.date.fromisoformat(str(month))
        except ValueError:
            month = None
    if month is None or month.day != 1 or month > timezone.localdate().replace(day=1):
        raise ValidationFailed(field_error("month", "month.invalid", _("结算月份应为本月或以前某月的1日")))
    try:
        with transaction.atomic():
            Settlement.objects.get_or_create(provider=provider, county_id=county, month=month)
    except IntegrityError:
        pass  # a concurrent generation created it: the one row is used below
    with transaction.atomic():
        s = Settlement.objects.select_for_update().get(provider=provider, county_id=county, month=month)
        if s.status == "approved":
            raise Conflict("settlement.approved", _("该月结算已审批，需先退回才能重新生成"))
        first = s.generated_at is None
        rates = selectors.deduction_rates()
        facts = selectors.settlement_facts(provider.pk, county, month)
        if not first:
            SettlementLine.objects.filter(settlement=s, live=True).update(live=False)
            s.generation += 1
        lines, gross, deduction = [], Decimal("0.00"), Decimal("0.00")
        known: dict = {}  # orders with the same price, quantity and facts have the same amounts: computed once
        for o in facts:
            f = o["facts"]  # what line_amount reads: the distance only when out of range, the duration only when short
            key = (o["price"], o["quantity"], f["location_ok"], None if f["location_ok"] else f["distance_m"],
                   f["min_minutes"], f["duration"] if f["duration"] < (f["min_minutes"] or 0) else None,
                   f["complaints_upheld"], f["callback_not_served"])
            got = known.get(key)
            if got is None:
                a = rules.line_amount(o["price"], o["quantity"], o["facts"], rates)
                got = known[key] = (a, [d.as_dict() for d in a.deductions])
            a, named = got
            lines.append(SettlementLine(settlement=s, generation=s.generation, order_id=o["id"], item_id=o["item_id"],
                                        price=a.price, quantity=a.quantity, gross=a.gross, deduction=a.deduction,
                                        net=a.net, deductions=named))
            gross += a.gross
            deduction += a.deduction
        try:
            SettlementLine.objects.bulk_create(lines, batch_size=2000)
        except IntegrityError:
            raise Conflict("order.settled", _("有工单已在其他结算中")) from None
        s.order_count, s.gross, s.deduction, s.net = len(lines), gross, deduction, gross - deduction
        s.status, s.generated_by, s.generated_at = "draft", actor.user, timezone.now()
        s.approved_by = s.approved_at = None
        s.save()
        _event(s, "generated" if first else "regenerated", actor)
        record(actor, "eldercare.settlement.generate", s, region_code=county,
               extra={"provider": provider.pk, "month": month.isoformat(), "generation": s.generation,
                      "orders": s.order_count, "net": str(s.net)})
        return s


@transaction.atomic
def approve(actor: Actor, settlement: Settlement) -> Settlement:
    """Approve a draft settlement (``approve_payments``; not the account that generated it)."""
    require(actor, Perm.APPROVE_PAYMENTS)
    s = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if not (s.county_id.startswith(actor.user.scope_code) or actor.user.scope_code.startswith(s.county_id)):
        raise NotFound("settlement.not_found")
    if s.status != "draft" or s.generated_at is None:
        raise Conflict("settlement.state", _("只能审批待审批的结算"))
    if s.generated_by_id == actor.user.pk:
        raise Forbidden("settlement.four_eyes", _("结算由您生成，须由另一人审批"))
    s.status, s.approved_by, s.approved_at = "approved", actor.user, timezone.now()
    s.save()
    _event(s, "approved", actor)
    record(actor, "eldercare.settlement.approve", s, region_code=s.county_id, extra={"net": str(s.net)})
    return s


@transaction.atomic
def reopen(actor: Actor, settlement: Settlement, reason: str) -> Settlement:
    """Bring an approved settlement back to draft, with a reason (``manage_eldercare``);
    its lines stay until it is generated again, which voids them."""
    require(actor, Perm.MANAGE_ELDERCARE)
    s = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if not (s.county_id.startswith(actor.user.scope_code) or actor.user.scope_code.startswith(s.county_id)):
        raise NotFound("settlement.not_found")
    if s.status != "approved":
        raise Conflict("settlement.state", _("只能退回已审批的结算"))
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed(field_error("reason", "reason.required", _("请填写退回原因")))
    s.status, s.approved_by, s.approved_at = "draft", None, None
    s.save()
    _event(s, "reopened", actor, reason)
    record(actor, "eldercare.settlement.reopen", s, region_code=s.county_id, extra={"reason": reason[:200]})
    return s


def export(actor: Actor, settlement: Settlement) -> tuple[bytes, str, str, int]:
    """The statement of a settlement for the provider and the finance office: one row per
    paid order (order, elder, item, date, contract price, quantity, gross, each named
    deduction, net) and the totals; audited. (data, Chinese file name, ASCII fallback, rows)."""
    from .. import exports
    rows = []
    for ln in selectors.live_lines(settlement):
        named = "；".join(f"{rules.DEDUCTIONS[d['code']]} {d['rate']}×{ln.gross}={d['amount']}" for d in ln.deductions)
        rows.append((ln.order.number, ln.order.person.name, ln.item.name, ln.order.scheduled_on.isoformat(), str(ln.price),
                     str(ln.quantity), str(ln.gross), named, str(ln.deduction), str(ln.net)))
    rows.append(("合计", "", "", "", "", "", str(settlement.gross), "", str(settlement.deduction), str(settlement.net)))
    title = f"{settlement.provider.name} {settlement.month:%Y年%m月} 居家养老服务结算单（第{settlement.generation}次生成）"
    data = exports.table_xlsx("结算单", title, ("工单号", "姓名", "服务项目", "服务日期", "合同单价（元）", "数量",
                                                "应付（元）", "扣减明细", "扣减（元）", "结算（元）"), rows)
    name = f"{settlement.provider.name}-居家养老服务结算单-{settlement.month:%Y-%m}.xlsx"
    fallback = f"eldercare-settlement-{settlement.county_id}-{settlement.provider_id}-{settlement.month:%Y-%m}.xlsx"
    record(actor, "eldercare.settlement.export", settlement, region_code=settlement.county_id,
           extra={"rows": len(rows) - 1})
    return data, name, fallback, len(rows) - 1
