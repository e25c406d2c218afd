"""The staffing indicator ``workforce.staffing_per_10k`` (community workers per 10,000
urban residents; national indicator 18), worked by hand on 东街街道:

- 交通巷 (urban): workers 李娜 and 张伟 (living there) and two more residents: 2 workers,
  4 residents → 2 × 10000 ÷ 4 = 5000.0;
- 甘泉 (urban): 王芳, a worker who left the post today, and one more resident: 0 workers,
  2 residents → 0.0 — but 5000.0 (1 × 10000 ÷ 2) at the end of last year, when she was in
  post;
- 梁家墩镇's village 620702100200 (rural): a worker and his home there count
  nowhere in the urban figure;
- 东街街道: 2 workers, 6 residents → 20000 ÷ 6 = 3333.33… → 3333.3 (last year: 3 ÷ 6 →
  5000.0); 甘州区: the same people (the village left out) → 3333.3;
- 620702001006 (urban, nobody registered): no residents → None.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.conftest import make_id_number
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period
from jiayuan.workforce import selectors, services

from .conftest import DONGJIE, GANQUAN, JIAOTONGXIANG

pytestmark = pytest.mark.django_db
EMPTY = "620702001006"
VILLAGE = "620702100200"


@pytest.fixture
def staffed(worker, township, make_person, users):
    worker("李娜")
    worker("张伟")
    wang = worker("王芳", community=GANQUAN)
    services.worker_leaves(township, wang, timezone.localdate())
    for name, code, day in (("居民甲", JIAOTONGXIANG, 1), ("居民乙", JIAOTONGXIANG, 2), ("居民丙", GANQUAN, 3)):
        make_person(region=code, name=name, id_number=make_id_number(date(1960, 1, day)))
    zhao = make_person(region=VILLAGE, name="赵强", id_number=make_id_number(date(1970, 1, 1)))
    services.register_worker(Actor(users["county"], "command"), zhao, {
        "community": VILLAGE, "post": "head", "grade": 8, "grade_since": "2020-01-01", "started_on": "2015-01-01"})


def value(code, period):
    return registry.value("workforce.staffing_per_10k", Region.objects.get(code=code), parse_period(period))


def test_staffing_per_10k_of_urban_communities_at_the_end_of_the_period(staffed, users):
    year = timezone.localdate().year
    assert [value(c, str(year)) for c in (JIAOTONGXIANG, GANQUAN, DONGJIE, "620702", EMPTY)] == [
        D("5000.0"), D("0.0"), D("3333.3"), D("3333.3"), None]
    # at the end of last year 王芳 was still in post
    assert [value(c, str(year - 1)) for c in (GANQUAN, DONGJIE)] == [D("5000.0"), D("5000.0")]
    # the same as the summary page's figure for the current period
    f = selectors.figures(users["township"], Region.objects.get(code=DONGJIE), date(year, 1, 1),
                          date(year, 12, 31))
    assert (f.workers, f.urban_residents, f.per_10k) == (2, 6, D("3333.3"))


def test_by_child_equals_the_value_of_each_child_and_rows_are_the_workers(staffed, users):
    year = str(timezone.localdate().year)
    street = Region.objects.get(code=DONGJIE)
    children = list(Region.objects.filter(code__in=[JIAOTONGXIANG, GANQUAN, EMPTY]).order_by("code"))
    rule = registry.rule_of("workforce.staffing_per_10k")
    got = rule.by_child(street, parse_period(year), children)
    assert got == {JIAOTONGXIANG: D("5000.0"), GANQUAN: D("0.0"), EMPTY: None}
    assert got == {c.code: value(c.code, year) for c in children}
    # the county's townships, deep: 东街 3333.3; 梁家墩镇 has villages only → no residents counted → None
    county = Region.objects.get(code="620702")
    towns = list(Region.objects.filter(code__in=[DONGJIE, "620702100"]).order_by("code"))
    assert rule.by_child(county, parse_period(year), towns) == {DONGJIE: D("3333.3"), "620702100": None}
    rows = rule.rows(users["township"], street, parse_period(year))
    assert sorted(w.person.name for w in rows.queryset) == sorted(["李娜", "张伟"])
    assert rule.rows(users["community"], street, parse_period(year)) is None   # no view_workforce
