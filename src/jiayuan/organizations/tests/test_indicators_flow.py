"""``projects.signed_count`` / ``projects.signed_funds_yuan`` (signed within the period,
a flow) and ``incubation.bases`` / ``incubation.organizations`` (stocks at the period's
end), on hand-built sets; figures worked by hand from the definitions.

Projects: the set of test_indicators (p1 … p7). Signed within the period:
张掖市 2019: p1 p2 p5 p6 p7 → 5; 1,170,000.50.  甘州区 2020: p3 → 1; 100,000.00 (the stock is 4).
甘州区 2018: p4 → 1; 200,000.00 (terminated later, without an end day: the stock is 0).
甘州区 2019H2: p2 (12-31) p6 (07-01) → 2; 350,000.00.  民乐县 2019Q3: 0; 0.00 (p5 on 06-30).

Incubation (base region, opened_on / organization, entered_on, exited_on):
b1 甘州区 2018-01-01, b2 东街街道 620702001 2019-09-01, b3 民乐县 undated;
i1 home at b1 2018-03-01 → 2019-06-30, i2 rival at b1 2019-05-01 →, i3 far at b3 2019-02-01 →,
i4 home at b2 2019-10-01 →.
Bases: 张掖市 2018: b1 b3 → 2; 张掖市 2019: 3; 甘州区 2019H1: b1 → 1; 东街街道 2019: b2 → 1.
Incubated at the end: 张掖市 2018: home (i1) → 1; 张掖市 2019H1: rival, far → 2 (i1 exited on
the last day); 张掖市 2019: rival, far, home → 3; 甘州区 2019: i2, i4 → 2; 甘州区 2019Q1: i1 → 1.
"""

from datetime import date
from decimal import Decimal

import pytest

from jiayuan.organizations.models import Incubation, IncubationBase
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

from .test_indicators import projects  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def value(code, region, period):
    return registry.value(code, Region.objects.get(code=region), parse_period(period))


@pytest.mark.parametrize("region,period,count,funds", [
    ("6207", "2019", 5, "1170000.50"),
    ("620702", "2020", 1, "100000.00"),
    ("620702", "2018", 1, "200000.00"),
    ("620702", "2019H2", 2, "350000.00"),
    ("620722", "2019Q3", 0, "0.00"),
])
def test_projects_signed_in_the_period(projects, region, period, count, funds):  # noqa: F811
    assert value("projects.signed_count", region, period) == count
    got = value("projects.signed_funds_yuan", region, period)
    assert isinstance(got, Decimal) and str(got) == funds


def test_signed_child_values_agree_for_any_region(projects):  # noqa: F811
    city, county = Region.objects.get(code="6207"), Region.objects.get(code="620702")
    children = list(Region.objects.filter(code__in=["620702", "620722"]).order_by("code"))
    period = parse_period("2019")
    assert registry.child_values("projects.signed_count", city, period, children) == {"620702": 4, "620722": 1}
    assert registry.child_values("projects.signed_funds_yuan", city, period, children) == {
        "620702": Decimal("920000.00"), "620722": Decimal("250000.50")}
    street = [Region.objects.get(code="620702001")]
    assert registry.child_values("projects.signed_count", county, period, street) == {"620702001": 1}   # p6


@pytest.fixture
def incubation(orgs):
    b1 = IncubationBase.objects.create(name="甘州区社会组织孵化基地", region_id="620702", opened_on=date(2018, 1, 1))
    b2 = IncubationBase.objects.create(name="东街街道孵化点", region_id="620702001", opened_on=date(2019, 9, 1))
    b3 = IncubationBase.objects.create(name="民乐县孵化基地", region_id="620722")
    Incubation.objects.create(base=b1, organization=orgs["home"], entered_on=date(2018, 3, 1),
                              exited_on=date(2019, 6, 30), outcome="graduated")
    Incubation.objects.create(base=b1, organization=orgs["rival"], entered_on=date(2019, 5, 1))
    Incubation.objects.create(base=b3, organization=orgs["far"], entered_on=date(2019, 2, 1))
    Incubation.objects.create(base=b2, organization=orgs["home"], entered_on=date(2019, 10, 1))


@pytest.mark.parametrize("code,region,period,expected", [
    ("incubation.bases", "6207", "2018", 2),
    ("incubation.bases", "6207", "2019", 3),
    ("incubation.bases", "620702", "2019H1", 1),
    ("incubation.bases", "620702001", "2019", 1),
    ("incubation.organizations", "6207", "2018", 1),
    ("incubation.organizations", "6207", "2019H1", 2),
    ("incubation.organizations", "6207", "2019", 3),
    ("incubation.organizations", "620702", "2019", 2),
    ("incubation.organizations", "620702", "2019Q1", 1),
])
def test_incubation_figures_at_the_period_end(incubation, code, region, period, expected):
    assert value(code, region, period) == expected


def test_incubation_child_values_agree_for_any_region(incubation, users):
    city, county = Region.objects.get(code="6207"), Region.objects.get(code="620702")
    children = list(Region.objects.filter(code__in=["620702", "620722"]).order_by("code"))
    period = parse_period("2019")
    assert registry.child_values("incubation.bases", city, period, children) == {"620702": 2, "620722": 1}
    assert registry.child_values("incubation.organizations", city, period, children) == {"620702": 2, "620722": 1}
    street = [Region.objects.get(code="620702001")]
    assert registry.child_values("incubation.bases", county, period, street) == {"620702001": 1}
    assert registry.child_values("incubation.organizations", county, period, street) == {"620702001": 1}
    # the rows behind the figure, as the county reads them: its own bases only
    rows = registry.rows("incubation.organizations", users["county"], city, period)
    assert sorted(i.organization.name for i in rows.queryset) == sorted([
        "甘州区颐养居家养老服务中心", "甘州区同心社会工作服务中心"])


def test_signed_rows_are_the_projects_signed_in_the_period(projects, users):  # noqa: F811
    city = Region.objects.get(code="6207")
    rows = registry.rows("projects.signed_count", users["city"], city, parse_period("2019H2"))
    assert sorted(p.title for p in rows.queryset) == ["p2", "p6"]
    assert [str(c.label) for c in rows.columns][:2] == ["项目名称", "承接组织"]
