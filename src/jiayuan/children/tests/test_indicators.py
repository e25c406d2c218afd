"""``children.home_children`` on a small dataset worked by hand.

Homes: 交通巷儿童之家 (620702001001) and 东街儿童之家 (620702001005). Children, all with
files (categories set by hand):

- 甲 left-behind, enrolled at 交通巷 from 2026-03-01;
- 乙 left-behind, enrolled at both homes from 2026-03-01;
- 丙 no category, enrolled at 交通巷 (not a left-behind child: not counted);
- 丁 left-behind, enrolled at 交通巷 2026-03-01, left 2026-05-31;
- 戊 left-behind, enrolled at 交通巷, file closed 2026-06-15 (turned 16).

2026Q2 (end 30 June): 交通巷 甲, 乙 → 2; 东街 乙 → 1; the street 620702001: 甲, 乙 (乙 once)
→ 2. 2026-05 (end 31 May, 丁 still enrolled that day, 戊's file still open): 交通巷 → 4.
"""

import datetime

import pytest

from jiayuan.audit.services import Actor
from jiayuan.children import homes
from jiayuan.children.models import ChildFile
from jiayuan.conftest import OWNER_COMMUNITY, PEER_COMMUNITY, make_id_number
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def dataset(users, make_person):
    admin = Actor(users["admin"], "command")
    h1 = homes.register_home(admin, name="交通巷儿童之家", region_code=OWNER_COMMUNITY, capacity=30,
                             services=["tutoring"], opened_on=D(2025, 9, 1))
    h2 = homes.register_home(admin, name="东街儿童之家", region_code=PEER_COMMUNITY, capacity=30,
                             services=["tutoring"], opened_on=D(2025, 9, 1))
    spec = [("甲", ["left_behind"], [h1], None, None), ("乙", ["left_behind"], [h1, h2], None, None),
            ("丙", [], [h1], None, None), ("丁", ["left_behind"], [h1], D(2026, 5, 31), None),
            ("戊", ["left_behind"], [h1], None, D(2026, 6, 15))]
    for i, (name, cats, where, left, closed) in enumerate(spec):
        p = make_person(name=name, id_number=make_id_number(D(2014, 2, i + 1), 1))
        ChildFile.objects.create(person=p, region_id=OWNER_COMMUNITY, opened_on=D(2026, 1, 5), risk="green",
                                 categories=cats, next_visit_due=D(2026, 9, 1), closed_on=closed,
                                 status="closed" if closed else "open")
        for h in where:
            e = homes.enrol(admin, h, p.pk, D(2026, 3, 1))
            if left:
                homes.leave(admin, h, e.pk, left)


@pytest.mark.parametrize("region, period, expected", [
    (OWNER_COMMUNITY, "2026Q2", 2),
    (PEER_COMMUNITY, "2026Q2", 1),
    ("620702001", "2026Q2", 2),
    (OWNER_COMMUNITY, "2026-05", 4),
    (OWNER_COMMUNITY, "2026-02", 0),
])
def test_the_value_worked_by_hand(dataset, region, period, expected):
    assert registry.value("children.home_children", Region.objects.get(code=region), parse_period(period)) == expected


def test_the_rows_are_the_files_one_reads(dataset, users, colleague):
    region, period = Region.objects.get(code="620702001"), parse_period("2026Q2")
    rows = registry.rows("children.home_children", users["city"], region, period)
    assert sorted(f.person.name for f in rows.queryset) == ["乙", "甲"]
    assert list(registry.rows("children.home_children", colleague, region, period).queryset) == []


@pytest.fixture
def with_township_home(dataset, users, make_person):
    """The dataset and 北街街道's own home (at the street, 620702001): 己, left-behind,
    enrolled from 2026-04-01."""
    admin = Actor(users["admin"], "command")
    h3 = homes.register_home(admin, name="北街街道儿童之家", region_code="620702001", capacity=30,
                             services=["daytime_care"], opened_on=D(2025, 9, 1))
    p = make_person(name="己", id_number=make_id_number(D(2014, 3, 9), 1))
    ChildFile.objects.create(person=p, region_id=OWNER_COMMUNITY, opened_on=D(2026, 1, 5), risk="green",
                             categories=["left_behind"], next_visit_due=D(2026, 9, 1))
    homes.enrol(admin, h3, p.pk, D(2026, 4, 1))


def _children(code):
    return list(Region.objects.filter(parent_id=code).order_by("code"))


def test_by_child_worked_by_hand(with_township_home):
    """2026Q2: 交通巷 甲, 乙 → 2; 东街 乙 → 1; the other communities 0 — the street's own
    home (己) lies under no community. The street counts 甲, 乙, 己 → 3; so do the
    district and the city. 2026-05: 交通巷 甲, 乙, 丁, 戊 → 4, 东街 1."""
    code, q2, may = "children.home_children", parse_period("2026Q2"), parse_period("2026-05")
    street = Region.objects.get(code="620702001")
    kids = _children("620702001")
    got = registry.child_values(code, street, q2, kids)
    assert {k: v for k, v in got.items() if v} == {OWNER_COMMUNITY: 2, PEER_COMMUNITY: 1}
    assert set(got) == {k.code for k in kids} and len(kids) > 2
    assert registry.value(code, street, q2) == 3
    assert {k: v for k, v in registry.child_values(code, street, may, kids).items() if v} == {
        OWNER_COMMUNITY: 4, PEER_COMMUNITY: 1}
    district = Region.objects.get(code="620702")
    assert {k: v for k, v in registry.child_values(code, district, q2, _children("620702")).items() if v} == {
        "620702001": 3}
    city = Region.objects.get(code="6207")
    assert {k: v for k, v in registry.child_values(code, city, q2, _children("6207")).items() if v} == {"620702": 3}
    # deep: every community of the district at once
    villages = list(Region.objects.filter(level="village", code__startswith="620702"))
    deep = registry.descendant_values(code, district, q2, villages)
    assert {k: v for k, v in deep.items() if v} == {OWNER_COMMUNITY: 2, PEER_COMMUNITY: 1}


@pytest.mark.parametrize("parent", ["6207", "620702", "620702001"])
@pytest.mark.parametrize("period", ["2026Q2", "2026-05", "2026-02", "2026"])
def test_by_child_equals_value_of_each_child(with_township_home, parent, period):
    r, p = registry.rule_of("children.home_children"), parse_period(period)
    region, kids = Region.objects.get(code=parent), _children(parent)
    assert r.by_child(region, p, kids) == {k.code: r.value(k, p) for k in kids}


def test_by_child_is_one_query(with_township_home):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    r, p = registry.rule_of("children.home_children"), parse_period("2026Q2")
    for parent in ("6207", "620702", "620702001"):
        region, kids = Region.objects.get(code=parent), _children(parent)
        with CaptureQueriesContext(connection) as ctx:
            r.by_child(region, p, kids)
        assert len(ctx.captured_queries) == 1, parent
