"""The eldercare indicators on a small hand-built region, each value worked by hand."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.eldercare import services
from jiayuan.eldercare.models import WorkOrder
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

from .test_facilities import TOWN, facility, town  # noqa: F401
from .test_orders import run, world  # noqa: F401

pytestmark = pytest.mark.django_db


def street_with_centers(county, town):
    """中心甲 (day care in 一社区, open since 2024-01-01) serves 一社区 and 二社区; 东村幸福院
    (mutual aid, opened 2024-05-01) serves 东村; 三社区 and 西村 have none (西村's service
    station is not a center). Construction subsidies 2025: 中心甲 150,000.00 (April),
    东村幸福院 60,000.00 (September); operating: 中心甲 18,000.50 (2025), 9,000.00 (2024).
    Returns (中心甲, 东村幸福院)."""
    a = facility(county, town["一社区"], "中心甲", opened_on="2024-01-01")
    services.assign(county, a, town["一社区"].code, "2024-01-01")
    services.assign(county, a, town["二社区"].code, "2024-01-01")
    b = facility(county, town["东村"], "东村幸福院", kind="mutual_aid", opened_on="2024-05-01")
    services.assign(county, b, town["东村"].code, "2024-05-01")
    facility(county, town["西村"], "西村站", kind="service_station", opened_on="2024-01-01")  # not a center
    services.record_subsidy(county, a, year=2025, kind="construction", amount="150000.00", source="福彩公益金",
                            approval="甘民发〔2025〕12号", approved_on="2025-04-01")
    services.record_subsidy(county, b, year=2025, kind="construction", amount="60000.00", source="县级财政",
                            approval="甘州民〔2025〕8号", approved_on="2025-09-01")
    services.record_subsidy(county, a, year=2025, kind="operating", amount="18000.50", source="县级财政",
                            approval="甘州民〔2025〕3号", approved_on="2025-06-01")
    services.record_subsidy(county, a, year=2024, kind="operating", amount="9000.00", source="县级财政",
                            approval="甘州民〔2024〕3号", approved_on="2024-06-01")
    return a, b


def test_day_care_indicators_by_hand(town, users, make_person):  # noqa: F811
    county = Actor(users["county"], "page")
    # 中心甲 (day care in 一社区) serves 一社区 and 二社区; 东村幸福院 serves 东村; 三社区 and 西村 have none.
    a, b = street_with_centers(county, town)
    p = make_person(region=town["一社区"].code, name="老甲", birth=date(1940, 1, 1))
    services.check_in(county, a, p, "2025-03-03")
    services.check_in(county, a, p, "2025-03-04")
    services.record_daily_count(county, a, "2025-04-01", 15)
    services.record_daily_count(county, b, "2024-12-31", 9)  # another year
    region = Region.objects.get(code=TOWN)
    y2025, h1 = parse_period("2025"), parse_period("2025H1")
    # urban: 一社区, 二社区 of 3 = 66.7 %; rural: 东村 of 2 = 50.0 %
    assert registry.value("eldercare.day_care_coverage_urban", region, y2025) == Decimal("66.7")
    assert registry.value("eldercare.day_care_coverage_rural", region, y2025) == Decimal("50.0")
    # a community alone: 一社区 is served → 100 %; it has no villages → no rural figure
    one = town["一社区"]
    assert registry.value("eldercare.day_care_coverage_urban", one, y2025) == Decimal("100.0")
    assert registry.value("eldercare.day_care_coverage_rural", one, y2025) is None
    assert registry.value("eldercare.day_care_centers", region, y2025) == 2  # the station is not a center
    assert registry.value("eldercare.construction_subsidy_yuan", region, y2025) == Decimal("210000.00")
    assert registry.value("eldercare.construction_subsidy_yuan", region, h1) == Decimal("150000.00")
    assert registry.value("eldercare.operating_subsidy_yuan", region, y2025) == Decimal("18000.50")
    # 2 named check-ins + 15 counted, no home visits
    assert registry.value("eldercare.person_visits", region, y2025) == 17
    rows = registry.rows("eldercare.day_care_centers", users["county"], region, y2025)
    assert sorted(f.name for f in rows.queryset) == ["东村幸福院", "中心甲"]
    assert registry.rows("eldercare.day_care_centers", users["outsider"], region, y2025).queryset.count() == 0


def test_home_care_persons_and_visits(world, users):  # noqa: F811
    orders = list(WorkOrder.objects.filter(plan=world["plan"]).order_by("pk"))
    run(world, orders[0])
    run(world, orders[3])  # the same elder twice: one person, two visits
    region = Region.objects.get(code="620702")
    period = parse_period(str(timezone.localdate().year))
    assert registry.value("eldercare.home_care_persons", region, period) == 1
    assert registry.value("eldercare.person_visits", region, period) == 2  # the 4 undone orders do not count
    rows = registry.rows("eldercare.home_care_persons", users["county"], region, period)
    assert rows.queryset.count() == 2 and {o.person.name for o in rows.queryset} == {"王桂兰"}


def test_money_indicators_are_yuan_with_two_places(town, users):  # noqa: F811
    """Regression: on SQLite the sum of whole-yuan subsidies came back as Decimal('98000')
    (no places) — equal to 98000.00 by ==, so it is compared as text here."""
    county = Actor(users["county"], "page")
    a = facility(county, town["一社区"], "中心甲", opened_on="2024-01-01")
    for n, amount in enumerate(("36000.00", "30000", "32000.00")):
        services.record_subsidy(county, a, year=2025, kind="operating", amount=amount, source="县级财政",
                                approval=f"甘州民〔2025〕{n + 1}号", approved_on="2025-06-01")
    region = Region.objects.get(code=TOWN)
    y2025 = parse_period("2025")
    assert str(registry.value("eldercare.operating_subsidy_yuan", region, y2025)) == "98000.00"  # 36000 + 30000 + 32000
    assert str(registry.value("eldercare.construction_subsidy_yuan", region, y2025)) == "0.00"
    assert str(registry.value("eldercare.living_subsidy_yuan", region, y2025)) == "0.00"
