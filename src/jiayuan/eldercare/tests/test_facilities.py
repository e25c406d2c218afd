"""Day-care facilities: registry, assignments, subsidies, attendance, coverage by hand."""

from datetime import date
from decimal import Decimal

import pytest

from jiayuan.audit.services import Actor
from jiayuan.eldercare import selectors, services
from jiayuan.errors import Conflict, Forbidden, NotFound, ValidationFailed
from jiayuan.regions.models import Region

pytestmark = pytest.mark.django_db
TOWN = "620702990"  # a small street made for these tests, under 甘州区


@pytest.fixture
def town(db):
    """A street with three urban communities (C1–C3) and two villages (V1, V2)."""
    Region.objects.create(code=TOWN, name="试验街道", level="township", parent_id="620702")
    made = {}
    for code, name, kind in (("001", "一社区", "community"), ("002", "二社区", "community"),
                             ("003", "三社区", "community"), ("201", "东村", "village"), ("202", "西村", "village")):
        made[name] = Region.objects.create(code=TOWN + code, name=name, level="village", kind=kind, parent_id=TOWN)
    return made


@pytest.fixture
def county(users):
    return Actor(users["county"], "page")


def facility(actor, region, name, kind="day_care", opened_on="2024-01-01", **kw):
    data = {"kind": kind, "name": name, "region": region.code, "floor_area": "320.50", "seats": 30, "beds": 4,
            "opened_on": opened_on, "services": ["meals", "day_care"], **kw}
    return services.save_facility(actor, data)


def test_coverage_worked_by_hand(town, county, users):
    # 中心甲 (day care, open since 2024-01-01) serves 一社区 and 二社区; 东村幸福院 serves 东村;
    # 三社区's station closed on 2025-06-30; 西村 has none.
    a = facility(county, town["一社区"], "中心甲")
    services.assign(county, a, town["一社区"].code, "2024-01-01")
    services.assign(county, a, town["二社区"].code, "2024-03-01")
    b = facility(county, town["东村"], "东村幸福院", kind="mutual_aid", opened_on="2024-05-01")
    services.assign(county, b, town["东村"].code, "2024-05-01")
    c = facility(county, town["三社区"], "三社区站", kind="service_station", opened_on="2024-01-01",
                 closed_on="2025-06-30")
    services.assign(county, c, town["三社区"].code, "2024-01-01")
    region = Region.objects.get(code=TOWN)

    # 2026-01-01: urban 一, 二 of 一, 二, 三 = 2/3 (三社区's station closed); rural 东村 of 2 = 1/2
    cov = selectors.coverage(users["county"], region, date(2026, 1, 1))
    assert (cov.urban_served, cov.urban_total, cov.rural_served, cov.rural_total) == (2, 3, 1, 2)
    assert cov.urban == pytest.approx(2 / 3) and cov.rural == 0.5
    assert [name for _code, _kind, name in cov.uncovered] == ["三社区", "西村"]
    # 2024-02-01: 一社区 (中心甲) and 三社区 (station open); 二社区 assigned only from March; 东村's home not open
    cov = selectors.coverage(users["county"], region, date(2024, 2, 1))
    assert (cov.urban_served, cov.urban_total, cov.rural_served, cov.rural_total) == (2, 3, 0, 2)
    # two facilities for one community count it once
    d = facility(county, town["一社区"], "中心乙")
    services.assign(county, d, town["一社区"].code, "2024-01-01")
    assert selectors.coverage(users["county"], region, date(2026, 1, 1)).urban_served == 2


def test_assignments_are_explicit_and_end(town, county, users):
    a = facility(county, town["一社区"], "中心甲")
    row = services.assign(county, a, town["二社区"].code, "2024-01-01")
    with pytest.raises(Conflict):
        services.assign(county, a, town["二社区"].code, "2025-01-01")
    services.end_assignment(county, row, "2025-01-01")
    region = Region.objects.get(code=TOWN)
    assert selectors.coverage(users["county"], region, date(2024, 12, 31)).urban_served == 1
    assert selectors.coverage(users["county"], region, date(2025, 1, 1)).urban_served == 0


def test_subsidies_are_exact_yuan_once_per_approval(town, county, users):
    a = facility(county, town["一社区"], "中心甲")
    services.record_subsidy(county, a, year=2025, kind="construction", amount="150000.00", source="福彩公益金",
                            approval="甘民发〔2025〕12号", approved_on="2025-04-01")
    services.record_subsidy(county, a, year=2025, kind="operating", amount="18000.5", source="县级财政",
                            approval="甘州民〔2025〕3号", approved_on="2025-06-01")
    with pytest.raises(Conflict):
        services.record_subsidy(county, a, year=2025, kind="operating", amount="1", source="县级财政",
                                approval="甘州民〔2025〕3号", approved_on="2025-06-01")
    with pytest.raises(ValidationFailed) as exc:
        services.record_subsidy(county, a, year=2025, kind="operating", amount=0.1, source="x", approval="y",
                                approved_on="2025-06-01")
    assert "amount" in exc.value.fields
    assert selectors.subsidy_totals(users["county"], 2025) == {"construction": Decimal("150000.00"),
                                                               "operating": Decimal("18000.50")}


def test_a_years_person_visits_come_from_the_records(town, county, users, make_person):
    a = facility(county, town["一社区"], "中心甲")
    worker = Actor(users["county"], "page")
    p1, p2 = make_person(name="老甲", birth=date(1940, 1, 1)), make_person(name="老乙", birth=date(1941, 1, 1))
    services.check_in(worker, a, p1, "2025-03-03")
    services.check_in(worker, a, p2, "2025-03-03")
    services.check_in(worker, a, p1, "2025-03-04")
    with pytest.raises(Conflict):
        services.check_in(worker, a, p1, "2025-03-04")
    services.record_daily_count(worker, a, "2025-04-01", 12)
    services.record_daily_count(worker, a, "2025-04-01", 15)  # corrected: replaces
    services.record_daily_count(worker, a, "2024-12-31", 9)  # another year
    # 2025: 3 check-ins + 15 = 18
    assert selectors.person_visits([a], date(2025, 1, 1), date(2025, 12, 31)) == {a.pk: 18}
    months = dict(selectors.monthly_visits(a, 2025))
    assert (months[3], months[4], sum(months.values())) == (3, 15, 18)
    with pytest.raises(ValidationFailed):
        services.record_daily_count(worker, a, "2023-12-31", 5)  # before it opened


def test_roles_and_scope(town, county, users):
    with pytest.raises(Forbidden):
        facility(Actor(users["community"], "page"), town["一社区"], "中心甲")
    a = facility(county, town["一社区"], "中心甲")
    with pytest.raises(NotFound):
        selectors.get_facility(users["community"], a.pk)  # 交通巷社区's worker: not there
    assert selectors.get_facility(users["county"], a.pk) == a
    with pytest.raises(ValidationFailed) as exc:
        facility(county, town["一社区"], "", floor_area="-3", kind="hotel")
    assert {"name", "floor_area", "kind"} <= set(exc.value.fields)
