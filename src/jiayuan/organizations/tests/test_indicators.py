"""``projects.count`` and ``projects.funds_yuan`` on a small hand-built set (figures worked
by hand from the definitions: signed by the period's end, not terminated by then, the
buyer's region subtree).

Projects (call region, signed, amount, status, closed_on):

- p1 甘州区 620702, 2019-03-01, 500,000.00, active
- p2 甘州区, 2019-12-31, 300,000.00, closed 2020-06-30 (carried out: counts)
- p3 甘州区, 2020-01-01, 100,000.00, active (not yet in 2019)
- p4 甘州区, 2018-05-01, 200,000.00, terminated, no end day (counts nowhere)
- p5 民乐县 620722, 2019-06-30, 250,000.50, active
- p6 东街街道 620702001, 2019-07-01, 50,000.00, active
- p7 甘州区, 2019-01-01, 70,000.00, terminated 2020-02-01 (counts in 2019, not 2020)

张掖市 2019: p1 p2 p5 p6 p7 → 5; 500,000 + 300,000 + 250,000.50 + 50,000 + 70,000 = 1,170,000.50.
甘州区 2019: p1 p2 p6 p7 → 4; 920,000.00.  甘州区 2019H1: p1 p7 → 2; 570,000.00.
甘州区 2020: p1 p2 p3 p6 → 4; 950,000.00.  东街街道 2019: p6 → 1; 50,000.00.
民乐县 2019Q2: p5 → 1 (signed on the quarter's last day); 2019Q1: 0, 0.00.
"""

from datetime import date
from decimal import Decimal

import pytest

from jiayuan.organizations.models import ProjectCall, Proposal, ServiceProject
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects(orgs, users):
    made = []
    rows = [("620702", date(2019, 3, 1), "500000", "active", None, "home"),
            ("620702", date(2019, 12, 31), "300000", "closed", date(2020, 6, 30), "rival"),
            ("620702", date(2020, 1, 1), "100000", "active", None, "far"),
            ("620702", date(2018, 5, 1), "200000", "terminated", None, "home"),
            ("620722", date(2019, 6, 30), "250000.50", "active", None, "far"),
            ("620702001", date(2019, 7, 1), "50000", "active", None, "home"),
            ("620702", date(2019, 1, 1), "70000", "terminated", date(2020, 2, 1), "rival")]
    for i, (region, signed, amount, status, closed, org) in enumerate(rows, start=1):
        call = ProjectCall.objects.create(title=f"call {i}", region_id=region, purchaser="民政局", budget=amount,
                                          opens_on=date(2017, 1, 1), deadline=date(2017, 2, 1))
        p = Proposal.objects.create(call=call, organization=orgs[org], title=f"p{i}", needs="n", activities="a",
                                    output_indicators="o", outcome_indicators="o", amount=amount, status="contracted")
        made.append(ServiceProject.objects.create(
            proposal=p, call=call, organization=orgs[org], region_id=region, title=f"p{i}", contract_number=f"C-{i}",
            decision_ref="文号", amount=amount, signed_on=signed, starts_on=signed, ends_on=date(2021, 1, 1),
            status=status, closed_on=closed))
    return made


def value(code, region, period):
    return registry.value(code, Region.objects.get(code=region), parse_period(period))


@pytest.mark.parametrize("region,period,count,funds", [
    ("6207", "2019", 5, "1170000.50"),
    ("620702", "2019", 4, "920000.00"),
    ("620702", "2019H1", 2, "570000.00"),
    ("620702", "2020", 4, "950000.00"),
    ("620702001", "2019", 1, "50000.00"),
    ("620722", "2019Q2", 1, "250000.50"),
    ("620722", "2019Q1", 0, "0.00"),
])
def test_values_worked_by_hand(projects, region, period, count, funds):
    assert value("projects.count", region, period) == count
    got = value("projects.funds_yuan", region, period)
    assert isinstance(got, Decimal) and got == Decimal(funds) and str(got) == funds


def test_child_values_agree_with_the_values(projects):
    city = Region.objects.get(code="6207")
    children = list(Region.objects.filter(code__in=["620702", "620722"]).order_by("code"))
    period = parse_period("2019")
    assert registry.child_values("projects.count", city, period, children) == {"620702": 4, "620722": 1}
    assert registry.child_values("projects.funds_yuan", city, period, children) == {
        "620702": Decimal("920000.00"), "620722": Decimal("250000.50")}


def test_rows_follow_the_readers_scope(projects, users):
    city, period = Region.objects.get(code="6207"), parse_period("2019")
    rows = registry.rows("projects.count", users["city"], city, period)
    assert sorted(p.title for p in rows.queryset) == ["p1", "p2", "p5", "p6", "p7"]  # as many as the value
    assert rows.link(rows.queryset.first()).startswith("/organizations/projects/")
    # the county reads its own projects only; the organization's staff those of their organization
    assert sorted(p.title for p in registry.rows("projects.count", users["county"], city, period).queryset) == [
        "p1", "p2", "p6", "p7"]
    assert sorted(p.title for p in registry.rows("projects.count", users["org"], city, period).queryset) == ["p1", "p6"]
