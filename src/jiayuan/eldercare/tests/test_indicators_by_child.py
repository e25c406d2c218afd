"""``by_child`` of the eight eldercare indicators: for each child region exactly what
``value`` gives for it, with the figures worked by hand on a small street (three
communities, two villages) and on 甘州区's townships, in a number of queries that does
not grow with the children."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiayuan.assistance.models import Enrollment, PaymentBatch, PaymentLine
from jiayuan.audit.services import Actor
from jiayuan.eldercare import services
from jiayuan.eldercare.models import WorkOrder
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

from .test_facilities import TOWN, town  # noqa: F401  (fixture)
from .test_indicators import street_with_centers
from .test_orders import run, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

CODES = ("eldercare.home_care_persons", "eldercare.living_subsidy_yuan", "eldercare.day_care_centers",
         "eldercare.day_care_coverage_urban", "eldercare.day_care_coverage_rural",
         "eldercare.construction_subsidy_yuan", "eldercare.operating_subsidy_yuan", "eldercare.person_visits")


def _children(region):
    return list(Region.objects.filter(parent=region).order_by("code"))


def by_child(code, region, period, children=None):
    """``{last three digits: value}`` from the rule's by_child, checked equal to ``value``
    of each child, in at most four queries."""
    r = registry.rule_of(code)
    children = children if children is not None else _children(region)
    with CaptureQueriesContext(connection) as q:
        got = r.by_child(region, period, children)
    assert len(q.captured_queries) <= 4, (code, len(q.captured_queries))
    got = {c.code: got.get(c.code) for c in children}
    assert got == {c.code: r.value(c, period) for c in children}, code
    return {k[-3:]: v for k, v in got.items()}


def _paid(person, month, amount, status="paid"):
    """A payment line of 养老服务补贴 (set up directly: the batches are assistance's)."""
    batch, _ = PaymentBatch.objects.get_or_create(program_id="elderly_care_allowance", county_id="620702",
                                                  month=month)
    e, _ = Enrollment.objects.get_or_create(program_id="elderly_care_allowance", person=person, defaults={
        "region_id": person.region_id, "start_month": date(2024, 1, 1), "amount": amount})
    PaymentLine.objects.create(batch=batch, enrollment=e, program_id="elderly_care_allowance", person=person,
                               region_id=person.region_id, benefit_month=month, amount=amount, rule="test",
                               status=status)


def test_every_eldercare_rule_has_by_child():
    registry.autodiscover()
    for code in CODES:
        r = registry.rule_of(code)
        assert r is not None and r.by_child is not None and r.deep, code


def test_day_care_and_subsidies_by_child_worked_by_hand(town, users, make_person):  # noqa: F811
    county = Actor(users["county"], "page")
    a, b = street_with_centers(county, town)  # see there: the centers, whom they serve, the subsidies
    p = make_person(region=town["一社区"].code, name="老甲", birth=date(1940, 1, 1))
    q = make_person(region=town["东村"].code, name="老乙", birth=date(1941, 2, 2))
    r = make_person(region=town["二社区"].code, name="老丙", birth=date(1942, 3, 3))
    services.check_in(county, a, p, "2025-03-03")
    services.check_in(county, a, r, "2025-03-03")  # a 二社区 elder at 一社区's center: counts where it stands
    services.record_daily_count(county, a, "2025-04-01", 15)
    services.record_daily_count(county, b, "2025-07-01", 6)
    services.record_daily_count(county, b, "2024-12-31", 9)  # another year
    _paid(p, date(2025, 3, 1), "300.00")
    _paid(p, date(2025, 4, 1), "200.00")
    _paid(q, date(2025, 3, 1), "150.00")
    _paid(r, date(2025, 3, 1), "150.00", status="failed")  # not paid: not counted
    _paid(q, date(2024, 12, 1), "150.00")                   # another year
    street = Region.objects.get(code=TOWN)
    y2025, y2024, h1 = parse_period("2025"), parse_period("2024"), parse_period("2025H1")
    #                           一社区 001, 二社区 002, 三社区 003, 东村 201, 西村 202
    assert by_child("eldercare.day_care_coverage_urban", street, y2025) == {
        "001": Decimal("100.0"), "002": Decimal("100.0"), "003": Decimal("0.0"), "201": None, "202": None}
    assert by_child("eldercare.day_care_coverage_rural", street, y2025) == {
        "001": None, "002": None, "003": None, "201": Decimal("100.0"), "202": Decimal("0.0")}
    # at the end of March 2024 东村幸福院 had not opened
    assert by_child("eldercare.day_care_coverage_rural", street, parse_period("2024Q1"))["201"] == Decimal("0.0")
    assert by_child("eldercare.day_care_centers", street, y2025) == {"001": 1, "002": 0, "003": 0, "201": 1,
                                                                     "202": 0}
    zero = Decimal("0.00")
    assert by_child("eldercare.construction_subsidy_yuan", street, y2025) == {
        "001": Decimal("150000.00"), "002": zero, "003": zero, "201": Decimal("60000.00"), "202": zero}
    assert by_child("eldercare.construction_subsidy_yuan", street, h1)["201"] == zero  # approved in September
    assert by_child("eldercare.operating_subsidy_yuan", street, y2025) == {
        "001": Decimal("18000.50"), "002": zero, "003": zero, "201": zero, "202": zero}
    assert by_child("eldercare.operating_subsidy_yuan", street, y2024)["001"] == Decimal("9000.00")
    # 001: 2 named check-ins + 15 counted; 东村: 6 counted (9 more in 2024)
    assert by_child("eldercare.person_visits", street, y2025) == {"001": 17, "002": 0, "003": 0, "201": 6,
                                                                  "202": 0}
    assert by_child("eldercare.person_visits", street, y2024)["201"] == 9
    # 001: 300.00 + 200.00; 东村: 150.00 (the 2024 line is another year; 二社区's failed)
    assert by_child("eldercare.living_subsidy_yuan", street, y2025) == {
        "001": Decimal("500.00"), "002": zero, "003": zero, "201": Decimal("150.00"), "202": zero}
    assert by_child("eldercare.living_subsidy_yuan", street, parse_period("2025-04"))["001"] == Decimal("200.00")
    # every money value has its two places (SQLite's SUM drops them)
    assert str(by_child("eldercare.living_subsidy_yuan", street, y2025)["002"]) == "0.00"
    # deep: the street's units asked of 甘州区 directly give the same figures
    county_region = Region.objects.get(code="620702")
    units = list(Region.objects.filter(parent_id=TOWN).order_by("code"))
    assert by_child("eldercare.person_visits", county_region, y2025, units) == {
        "001": 17, "002": 0, "003": 0, "201": 6, "202": 0}
    assert by_child("eldercare.day_care_coverage_urban", county_region, y2025, units)["002"] == Decimal("100.0")


def test_home_care_by_child_worked_by_hand(world):  # noqa: F811
    orders = list(WorkOrder.objects.filter(plan=world["plan"]).order_by("pk"))
    run(world, orders[0])
    run(world, orders[3])  # the same elder twice: one person, two visits; the four others not verified
    county = Region.objects.get(code="620702")
    period = parse_period(str(timezone.localdate().year))
    township, community = world["elder"].region_id[:9], world["elder"].region_id[:12]
    persons = by_child("eldercare.home_care_persons", county, period)
    visits = by_child("eldercare.person_visits", county, period)
    assert len(persons) > 1 and persons[township[-3:]] == 1 and sum(persons.values()) == 1
    assert visits[township[-3:]] == 2 and sum(visits.values()) == 2
    street = Region.objects.get(code=township)
    assert by_child("eldercare.home_care_persons", street, period)[community[-3:]] == 1
    assert by_child("eldercare.person_visits", street, period)[community[-3:]] == 2
    last_year = parse_period(str(timezone.localdate().year - 1))
    assert set(by_child("eldercare.home_care_persons", county, last_year).values()) == {0}
