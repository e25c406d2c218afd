"""The settlement's two ways of writing lines give the same lines: one ``INSERT … SELECT``
on PostgreSQL (``settlement_services._write_lines_sql``) and ``rules.line_amount`` in
Python elsewhere (``_write_lines_python``, the SQLite demo). Orders with every
combination of the facts a deduction reads, a price × quantity that needs rounding half
up (12.35 × 1.5 = 18.525), rates that are not the defaults, and orders that must not be
paid; amounts worked by hand on both databases, and line for line equal across the two
ways on PostgreSQL."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jiayuan.eldercare.models import CallBack, Complaint, Settlement, SettlementLine, WorkOrder
from jiayuan.eldercare.orders import settlement_services as settle

from .test_orders import COUNTY, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _orders(world, users):
    """Done orders of this month (besides the plan's six, left pending): every
    combination of item (助洁, minimum 60 minutes / 助餐, none), price × quantity
    (30.00 × 2 / 12.35 × 1.5), location (within / 334 m / no location), duration
    (45 / 120 minutes), upheld complaints (0 / 1 / 2, with an open and a rejected one
    beside them), call-backs (none / satisfied / not served by phone and on a visit).
    Also orders that are not paid: one awaiting confirmation, one of another month.
    Returns {name: order} for those worked by hand."""
    base = WorkOrder.objects.filter(plan=world["plan"]).first()
    worker, now = world["staff"]["huli1"], timezone.now()
    common = {"plan": base.plan, "line": base.line, "person": base.person, "provider": base.provider,
              "county_id": COUNTY, "region_id": base.region_id, "month": base.month,
              "scheduled_on": base.scheduled_on, "worker": worker, "checkin_at": now - timedelta(hours=2),
              "checkout_at": now, "done_at": now, "status": "done", "confirmed_by": "elder"}
    rows, named = [], {}
    combos = list(itertools.product((world["clean"], world["meal"]), ((Decimal("30.00"), Decimal("2")),
                                                                      (Decimal("12.35"), Decimal("1.5"))),
                                    ((True, 20), (False, 334), (False, None)), (45, 120), (0, 1, 2),
                                    ("", "satisfied", "not_served")))
    for item, (price, qty), (ok, dist), minutes, upheld, callback in combos:
        rows.append(WorkOrder(**common, item=item, price=price, quantity=qty, location_ok=ok,
                              checkin_distance_m=dist, duration=minutes))
    rows.append(WorkOrder(**{**common, "status": "to_confirm", "done_at": None}, item=world["clean"],
                          price=Decimal("30.00"), quantity=Decimal("2"), location_ok=True, duration=120))
    last_month = (base.month - timedelta(days=1)).replace(day=1)
    rows.append(WorkOrder(**{**common, "month": last_month, "scheduled_on": last_month}, item=world["clean"],
                          price=Decimal("30.00"), quantity=Decimal("2"), location_ok=True, duration=120))
    made = WorkOrder.objects.bulk_create(rows)
    complaints, callbacks = [], []
    county, community = users["county"], users["community"]
    for o, (item, (price, qty), (ok, dist), minutes, upheld, callback) in zip(made, combos):
        for k in range(upheld):
            complaints.append(Complaint(order=o, complainant="家属", content="未按约定服务", status="upheld",
                                        received_by=community, received_at=now, decided_by=county, decided_at=now,
                                        decision="属实"))
        if upheld == 1:  # an open and a rejected complaint beside an upheld one deduct nothing more
            complaints.append(Complaint(order=o, complainant="家属", content="态度差", status="rejected",
                                        received_by=community, received_at=now, decided_by=county, decided_at=now,
                                        decision="不属实"))
            complaints.append(Complaint(order=o, complainant="家属", content="迟到", received_by=community,
                                        received_at=now))
        if callback == "satisfied":
            callbacks.append(CallBack(order=o, method="phone", result="satisfied", by=community, at=now))
        elif callback == "not_served":  # found twice (phone and visit): still one deduction
            callbacks.append(CallBack(order=o, method="phone", result="not_served", by=community, at=now))
            callbacks.append(CallBack(order=o, method="visit", result="not_served", by=community, at=now))
        key = (item.code, str(price), ok, dist, minutes, upheld, callback)
        named[key] = o
    Complaint.objects.bulk_create(complaints)
    CallBack.objects.bulk_create(callbacks)
    return named, len(combos)


def _lines(st, live=True, generation=None):
    qs = SettlementLine.objects.filter(settlement=st, live=live)
    if generation is not None:
        qs = qs.filter(generation=generation)
    return [(ln.order_id, ln.item_id, ln.price, ln.quantity, ln.gross, ln.deduction, ln.net, ln.deductions)
            for ln in qs.order_by("order_id")]


RATES = {"location_mismatch": "0.3"}  # a local rate given as "0.3": the line names it as written


def test_rounding_and_every_deduction_worked_by_hand(world, users, settings):
    settings.ELDERCARE_DEDUCTION_RATES = RATES
    named, n = _orders(world, users)
    st = settle.generate(world["county"], world["org"], COUNTY, world["today"].replace(day=1))
    assert st.order_count == n == 2 * 2 * 3 * 2 * 3 * 3  # the pending, unconfirmed and last month's: not paid
    lines = {ln.order_id: ln for ln in SettlementLine.objects.filter(settlement=st, live=True)}

    # 12.35 × 1.5 = 18.525 → 18.53 (half up); 334 m away: 0.3 × 18.53 = 5.559 → 5.56;
    # 45 < 60 minutes: 0.50 × 18.53 = 9.265 → 9.27 (half up); 14.83 off, 3.70 paid
    a = lines[named[("ZJ01", "12.35", False, 334, 45, 0, "satisfied")].pk]
    assert (a.price, a.quantity, a.gross, a.deduction, a.net) == (
        Decimal("12.35"), Decimal("1.5"), Decimal("18.53"), Decimal("14.83"), Decimal("3.70"))
    assert a.deductions == [
        {"code": "location_mismatch", "rate": "0.3", "amount": "5.56", "detail": {"distance_m": 334}},
        {"code": "short_duration", "rate": "0.50", "amount": "9.27", "detail": {"duration": 45, "min_minutes": 60}}]
    # no location at all, two upheld complaints, not served (phone and visit): 0.3 × 60.00 = 18.00,
    # 60.00, 60.00 → 138.00 capped at the gross 60.00; nothing paid
    b = lines[named[("ZJ01", "30.00", False, None, 120, 2, "not_served")].pk]
    assert (b.gross, b.deduction, b.net) == (Decimal("60.00"), Decimal("60.00"), Decimal("0.00"))
    assert b.deductions == [
        {"code": "location_mismatch", "rate": "0.3", "amount": "18.00", "detail": {"distance_m": None}},
        {"code": "complaint_upheld", "rate": "1.00", "amount": "60.00", "detail": {"complaints": 2}},
        {"code": "callback_not_served", "rate": "1.00", "amount": "60.00", "detail": {}}]
    # 助餐 has no minimum: 45 minutes deducts nothing; one upheld complaint (an open and a
    # rejected one beside it): 1.00 × 18.53
    c = lines[named[("ZC01", "12.35", True, 20, 45, 1, "")].pk]
    assert (c.gross, c.deduction, c.net) == (Decimal("18.53"), Decimal("18.53"), Decimal("0.00"))
    assert [d["code"] for d in c.deductions] == ["complaint_upheld"]
    d = lines[named[("ZC01", "30.00", True, 20, 120, 0, "satisfied")].pk]
    assert (d.gross, d.deduction, d.net, d.deductions) == (Decimal("60.00"), Decimal("0.00"), Decimal("60.00"), [])
    # the totals are those of the lines
    assert st.gross == sum(ln.gross for ln in lines.values())
    assert st.deduction == sum(ln.deduction for ln in lines.values())
    assert st.net == st.gross - st.deduction == sum(ln.net for ln in lines.values())
    # the database checks net = gross − deduction to the fen, on SQLite's floating point too
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementLine.objects.filter(pk=a.pk).update(net=Decimal("3.71"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.filter(pk=st.pk).update(net=st.net - Decimal("0.01"))
    # gross: half of the 216 orders at 30.00 × 2 = 60.00, half at 18.53
    assert st.gross == 108 * Decimal("60.00") + 108 * Decimal("18.53") == Decimal("8481.24")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_the_set_based_lines_are_the_python_lines(world, users, settings, monkeypatch):
    settings.ELDERCARE_DEDUCTION_RATES = RATES
    _orders(world, users)
    month = world["today"].replace(day=1)
    assert settle.SET_BASED == ("postgresql",)
    sql = settle.generate(world["county"], world["org"], COUNTY, month)
    monkeypatch.setattr(settle, "SET_BASED", ())
    py = settle.generate(world["county"], world["org"], COUNTY, month)
    monkeypatch.setattr(settle, "SET_BASED", ("postgresql",))
    again = settle.generate(world["county"], world["org"], COUNTY, month)
    first, second, third = (_lines(sql, live=False, generation=1), _lines(py, live=False, generation=2),
                            _lines(again, live=True, generation=3))
    assert len(first) == 216 and first == second == third
    assert (sql.order_count, sql.gross, sql.deduction, sql.net) == (py.order_count, py.gross, py.deduction, py.net) \
        == (again.order_count, again.gross, again.deduction, again.net)
    assert any(ln[7] for ln in first) and any(not ln[7] for ln in first)
