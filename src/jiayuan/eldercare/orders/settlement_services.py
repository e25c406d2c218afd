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

import calendar
import datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from ...organizations.models import SocialOrganization
from ...people.services import require
from ..models import (CallBack, Complaint, HomeCareItem, ProviderContract, Settlement, SettlementEvent, SettlementLine,
                      WorkOrder)
from . import rules, selectors

__all__ = ["generate", "approve", "reopen", "export"]


def _event(s: Settlement, kind: str, actor: Actor, note: str = "") -> None:
    SettlementEvent.objects.create(settlement=s, kind=kind, actor=actor.user, at=timezone.now(), note=note[:300],
                                   data={"generation": s.generation, "orders": s.order_count, "gross": str(s.gross),
                                         "deduction": str(s.deduction), "net": str(s.net)})


def generate(actor: Actor, provider: SocialOrganization, county: str, month) -> Settlement:
    """Generate (or regenerate) the settlement of ``provider`` in ``county`` for
    ``month`` (first day; a past month, in the term of a contract of the provider with
    the county: 422 ``month.no_contract`` otherwise). Needs ``manage_eldercare`` over the county;
    ``county`` is a county's 6-digit code (NotFound ``county.not_found`` for anything else,
    a city's ``6207`` included).
    Conflict ``settlement.approved`` when it is approved (reopen first). Returns the
    settlement with its totals."""
    require(actor, Perm.MANAGE_ELDERCARE)
    county = str(county)
    if len(county) != 6 or not county.isdigit() or not (
            county.startswith(actor.user.scope_code) or actor.user.scope_code.startswith(county)):
        raise NotFound("county.not_found")
    if not isinstance(month, datetime.date):
        try:
            month = datetime.date.fromisoformat(str(month))
        except ValueError:
            month = None
    if month is None or month.day != 1 or month > timezone.localdate().replace(day=1):
        raise ValidationFailed(field_error("month", "month.invalid", _("结算月份应为本月或以前某月的1日")))
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    in_force = ProviderContract.objects.filter(provider=provider, county_id=county, start__lte=last, end__gte=month)
    if not in_force.exists():
        # no contract that month, so no order to settle: an empty settlement of year 1 is no settlement
        raise ValidationFailed(field_error("month", "month.no_contract", _("该服务机构在该月没有履行中的服务合同")))
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
        if not first:
            SettlementLine.objects.filter(settlement=s, live=True).update(live=False)
            s.generation += 1
        try:
            if connection.vendor in SET_BASED:
                count, gross, deduction = _write_lines_sql(s, rates)
            else:
                count, gross, deduction = _write_lines_python(s, rates)
        except IntegrityError:
            raise Conflict("order.settled", _("有工单已在其他结算中")) from None
        s.order_count, s.gross, s.deduction, s.net = count, gross, deduction, gross - deduction
        s.status, s.generated_by, s.generated_at = "draft", actor.user, timezone.now()
        s.approved_by = s.approved_at = None
        s.save()
        _event(s, "generated" if first else "regenerated", actor)
        record(actor, "eldercare.settlement.generate", s, region_code=county,
               extra={"provider": provider.pk, "month": month.isoformat(), "generation": s.generation,
                      "orders": s.order_count, "net": str(s.net)})
        return s


SET_BASED = ("postgresql",)
"""Database vendors on which the lines are written by one ``INSERT … SELECT``
(:func:`_write_lines_sql`); elsewhere (SQLite, the demo) they are computed in Python by
:func:`rules.line_amount` (:func:`_write_lines_python`). Both give the same lines
(``test_settlement_sql.py`` runs both on the same orders)."""


def _write_lines_python(s: Settlement, rates: dict) -> tuple[int, Decimal, Decimal]:
    """Write the lines of ``s.generation`` computed by :func:`rules.line_amount` from
    :func:`selectors.settlement_facts` (three queries), inserted by ``bulk_create``.
    Returns (lines, gross, deduction)."""
    lines, gross, deduction = [], Decimal("0.00"), Decimal("0.00")
    known: dict = {}  # orders with the same price, quantity and facts have the same amounts: computed once
    for o in selectors.settlement_facts(s.provider_id, s.county_id, s.month):
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
    SettlementLine.objects.bulk_create(lines, batch_size=2000)
    return len(lines), gross, deduction


def _write_lines_sql(s: Settlement, rates: dict) -> tuple[int, Decimal, Decimal]:
    """PostgreSQL: write the lines of ``s.generation`` in one ``INSERT … SELECT`` over the
    confirmed orders of the settlement's provider, county and month, the deductions as
    set-based ``CASE`` expressions — the same rules as :func:`rules.line_amount`, with
    the same named deductions in the same order and the same JSON:

    - gross = price × quantity rounded to the fen (``round(…, 2)``: half away from zero,
      which is half up for these non-negative amounts);
    - ``location_mismatch`` when the check-in was not within the radius (detail: the
      distance), ``short_duration`` when the item has a minimum and the duration is under
      it (detail: duration, minimum), ``complaint_upheld`` when the order has an upheld
      complaint (detail: how many), ``callback_not_served`` when a call-back found no
      service; each rate × gross rounded to the fen;
    - deduction = the sum, capped at the gross; net = gross − deduction.

    Upheld complaints and call-backs are found by two grouped subqueries (the few
    complaints and call-backs joined to their orders of the month), hashed against the
    orders, not one probe per order. The totals come back from the
    same statement (``RETURNING`` aggregated). Returns (lines, gross, deduction)."""
    qn = connection.ops.quote_name
    r = {code: Decimal(rates[code]) for code in rules.DEDUCTIONS}

    def named(code: str, amount: str, detail: str) -> str:
        return (f"CASE WHEN {amount} IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object("
                f"'code', '{code}', 'rate', %(t_{code})s::text, 'amount', {amount}::text, 'detail', {detail})) END")

    deductions = " || ".join([
        named("location_mismatch", "d_loc", "jsonb_build_object('distance_m', distance_m)"),
        named("short_duration", "d_short", "jsonb_build_object('duration', duration, 'min_minutes', min_minutes)"),
        named("complaint_upheld", "d_comp", "jsonb_build_object('complaints', upheld)"),
        named("callback_not_served", "d_cb", "'{}'::jsonb"),
    ])
    sql = f"""
        WITH o AS (
            SELECT w.id, w.item_id, w.price, w.quantity, w.location_ok, w.checkin_distance_m AS distance_m,
                   w.duration, coalesce(i.min_minutes, 0) AS min_minutes, round(w.price * w.quantity, 2) AS gross
            FROM {qn(WorkOrder._meta.db_table)} w JOIN {qn(HomeCareItem._meta.db_table)} i ON i.id = w.item_id
            WHERE w.provider_id = %(provider)s AND w.county_code = %(county)s AND w.month = %(month)s
              AND w.status = 'done'
        ), c AS (
            SELECT x.order_id, count(*) AS n
            FROM {qn(Complaint._meta.db_table)} x JOIN {qn(WorkOrder._meta.db_table)} w ON w.id = x.order_id
            WHERE x.status = 'upheld' AND w.provider_id = %(provider)s AND w.county_code = %(county)s
              AND w.month = %(month)s
            GROUP BY x.order_id
        ), b AS (
            SELECT DISTINCT x.order_id
            FROM {qn(CallBack._meta.db_table)} x JOIN {qn(WorkOrder._meta.db_table)} w ON w.id = x.order_id
            WHERE x.result = 'not_served' AND w.provider_id = %(provider)s AND w.county_code = %(county)s
              AND w.month = %(month)s
        ), d AS (
            SELECT o.*, coalesce(c.n, 0) AS upheld,
                   CASE WHEN NOT o.location_ok THEN round(o.gross * %(r_location_mismatch)s, 2) END AS d_loc,
                   CASE WHEN o.min_minutes > 0 AND o.duration < o.min_minutes
                        THEN round(o.gross * %(r_short_duration)s, 2) END AS d_short,
                   CASE WHEN c.n > 0 THEN round(o.gross * %(r_complaint_upheld)s, 2) END AS d_comp,
                   CASE WHEN b.order_id IS NOT NULL THEN round(o.gross * %(r_callback_not_served)s, 2) END AS d_cb
            FROM o LEFT JOIN c ON c.order_id = o.id LEFT JOIN b ON b.order_id = o.id
        ), l AS (
            SELECT d.*, least(gross, coalesce(d_loc, 0) + coalesce(d_short, 0) + coalesce(d_comp, 0)
                                     + coalesce(d_cb, 0)) AS deduction
            FROM d
        ), ins AS (
            INSERT INTO {qn(SettlementLine._meta.db_table)}
                (settlement_id, generation, order_id, item_id, price, quantity, gross, deduction, net, deductions,
                 live)
            SELECT %(settlement)s, %(generation)s, id, item_id, price, quantity, gross, deduction, gross - deduction,
                   {deductions}, true
            FROM l ORDER BY id
            RETURNING gross, deduction
        )
        SELECT count(*), coalesce(sum(gross), 0), coalesce(sum(deduction), 0) FROM ins"""
    params = {"provider": s.provider_id, "county": s.county_id, "month": s.month, "settlement": s.pk,
              "generation": s.generation, **{f"r_{k}": v for k, v in r.items()},
              **{f"t_{k}": str(v) for k, v in r.items()}}
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '64MB'")  # the sort and hashes over the month's orders in memory
        cur.execute(sql, params)
        count, gross, deduction = cur.fetchone()
    return count, rules.yuan(gross), rules.yuan(deduction)


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
