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
