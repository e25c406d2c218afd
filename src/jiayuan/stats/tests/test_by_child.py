"""``by_child`` of every registered rule (issue 16, performance): the values of all
children in a bounded number of queries, equal to ``value`` of each child, on the small
city of ``conftest.py`` (every fixture at once) — for the city's counties, a county's
townships, a street's communities and a town's villages, over several periods."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

from .conftest import C008, DONGJIE, LIANGJIADUN

pytestmark = pytest.mark.django_db

# the rules of the modules this suite's fixtures fill; a rule registered later without
# by_child fails test_every_rule_of_these_modules_has_by_child
OWNED_HERE = ("servicecenter.", "facilities.", "funds.", "projects.", "incubation.", "workforce.", "grid.",
              "disability.")


def _with_by_child():
    registry.autodiscover()
    return sorted(code for code, r in registry._RULES.items() if r.by_child is not None)


def test_every_rule_of_these_modules_has_by_child():
    registry.autodiscover()
    missing = [code for code, r in registry._RULES.items() if code.startswith(OWNED_HERE) and r.by_child is None]
    assert missing == []


@pytest.fixture
def everything(facilities_city, training_city, grid_city, subsidy_city):
    return None


@pytest.mark.parametrize("code", _with_by_child())
def test_by_child_equals_value_of_each_child(everything, year, code):
    r = registry.rule_of(code)
    for parent in ("6207", "620702", DONGJIE, LIANGJIADUN, C008):
        region = Region.objects.get(code=parent)
        children = list(Region.objects.filter(parent=region).order_by("code"))
        assert children, parent
        for label in (str(year), f"{year}Q1", f"{year}Q2", f"{year}-02", str(year - 1)):
            period = parse_period(label)
            got = r.by_child(region, period, children)
            expected = {c.code: r.value(c, period) for c in children}
            assert {c.code: got.get(c.code) for c in children} == expected, (code, parent, label)


@pytest.mark.parametrize("code", _with_by_child())
def test_by_child_queries_do_not_grow_with_the_children(everything, year, code):
    r = registry.rule_of(code)
    period = parse_period(str(year))
    counts = []
    for parent in (DONGJIE, LIANGJIADUN, "620702"):
        region = Region.objects.get(code=parent)
        children = list(Region.objects.filter(parent=region))
        with CaptureQueriesContext(connection) as ctx:
            r.by_child(region, period, children)
        counts.append(len(ctx.captured_queries))
    assert max(counts) <= 4 and len(set(counts)) == 1, counts


def test_hand_worked_children(everything, year):
    """The same figures as the hand-worked tests, through ``child_values``."""
    period = parse_period(str(year))
    dongjie = Region.objects.get(code=DONGJIE)
    kids = list(Region.objects.filter(parent=dongjie).order_by("code"))

    def cv(code):
        return {k[-3:]: v for k, v in registry.child_values(code, dongjie, period, kids).items()}

    # 001: P1 (both allowances) → 1 person, 300 + 80; 005: P2 → 1, 80
    assert cv("disability.two_subsidies_persons") == {"001": 1, "005": 1, "006": 0, "007": 0, "008": 0}
    assert str(cv("disability.two_subsidies_yuan")["001"]) == "380.00"
    # F1 covers 001 and 005, F3 covers 007; F1 has the only one-stop hall in use
    assert cv("servicecenter.one_stop_centers") == {"001": 1, "005": 1, "006": 0, "007": 0, "008": 0}
    assert [str(x) for x in cv("facilities.coverage_urban").values()] == ["100.0", "100.0", "0.0", "100.0", "0.0"]
    # funds of this year: 001 96,000, 005 45,000, 006 72,000; 007 last year's only
    assert cv("funds.per_community_min")["007"] is None and str(cv("funds.per_community_max")["006"]) == "72000.00"
    # cadres: A and C are of 001 (A trained), B of 005
    assert cv("workforce.cadres_trained") == {"001": 1, "005": 1, "006": 0, "007": 0, "008": 0}
    # grids only under 008: 0 … 5
    assert cv("grid.members_min")["008"] == 0 and cv("grid.members_max")["008"] == 5


def _deep():
    registry.autodiscover()
    return sorted(code for code, r in registry._RULES.items() if r.deep)


@pytest.mark.parametrize("code", _deep())
def test_deep_by_child_equals_value_of_each_unit_under_the_city(everything, year, code):
    """What the 一表通 pre-fill asks: every community and village (and township) of the
    city in one call."""
    r = registry.rule_of(code)
    city = Region.objects.get(code="6207")
    period = parse_period(str(year))
    for level in ("village", "township"):
        units = list(Region.objects.filter(level=level, code__startswith="6207").order_by("code"))
        got = registry.descendant_values(code, city, period, units)
        assert got == {u.code: r.value(u, period) for u in units}, (code, level)


def test_prefill_asks_a_deep_rule_once_for_all_units(everything, year):
    from types import SimpleNamespace

    from jiayuan.stats.yibiaotong.prefill import platform_values

    units = list(Region.objects.filter(level="village", code__startswith="6207").order_by("code"))
    assert len({u.parent_id for u in units}) > 2
    element = SimpleNamespace(code="e", source="facilities.area_m2", source_kind="indicator", pk=0)
    with CaptureQueriesContext(connection) as ctx:
        got = platform_values([element], units, parse_period(str(year)))["e"]
    assert len(ctx.captured_queries) <= 3   # the common ancestor, the grouped areas
    assert str(got["620702001001"]) == "450.00" and str(got["620702001007"]) == "200.00"
    assert str(got["620702100200"]) == "100.00" and str(got["620702001005"]) == "0.00"
