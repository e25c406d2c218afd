"""The tip indicators (issue 16) on a small dataset whose counts are worked by hand, and
the rows behind them: only the county's designated handlers get any, and no row shows
anything of a tip's content or informant."""

from datetime import date

import pytest

from jiayuan.audit.services import Actor
from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

from .conftest import INFORMANT, SECRET

pytestmark = pytest.mark.django_db
CODES = ("governance.tips_collected", "governance.tips_transferred", "governance.tips_concluded")


@pytest.fixture
def dataset(users, handler, make_tip):
    """A: 交通巷社区, collected 03-10, verified 03-12, transferred 04-02, concluded 05-20.
    B: a grid of 交通巷社区, collected 04-05, verified and transferred 04-20.
    C: 甘泉 (peer community), collected 04-30, nothing more.
    D: peer community, collected 2025-12-31, verified and transferred 2026-01-05."""
    h = Actor(handler, "page")
    from jiayuan.governance.tips import services

    a = make_tip(collected_on=date(2026, 3, 10))
    a = services.act_on_tip(h, a, "verify", on=date(2026, 3, 12))
    a = services.act_on_tip(h, a, "transfer", on=date(2026, 4, 2), recipient="police")
    services.act_on_tip(h, a, "conclude", on=date(2026, 5, 20), outcome="feedback", note="已立案")
    b = make_tip("grid_member", region="620702001001001", collected_on=date(2026, 4, 5))
    b = services.act_on_tip(h, b, "verify", on=date(2026, 4, 20))
    services.act_on_tip(h, b, "transfer", on=date(2026, 4, 20), recipient="discipline")
    make_tip("peer", region="620702001005", collected_on=date(2026, 4, 30))
    d = make_tip("peer", region="620702001005", collected_on=date(2025, 12, 31))
    d = services.act_on_tip(h, d, "verify", on=date(2026, 1, 5))
    services.act_on_tip(h, d, "transfer", on=date(2026, 1, 5), recipient="police")


def values(code_region: str, period: str) -> tuple:
    region = Region.objects.get(code=code_region)
    return tuple(registry.value(c, region, parse_period(period)) for c in CODES)


def test_counts_by_stage_worked_by_hand(dataset):
    assert values("620702", "2026Q2") == (2, 2, 1)    # collected B, C; transferred A, B; concluded A
    assert values("620702", "2026-03") == (1, 0, 0)   # A collected (its verification is no stage counted)
    assert values("620702", "2026") == (3, 3, 1)      # D was collected in 2025, transferred in 2026
    assert values("620702", "2025") == (1, 0, 0)
    assert values("620702001001", "2026") == (2, 2, 1)  # A and B (B's grid lies under the community)
    assert values("620702001005", "2026") == (1, 1, 0)  # C collected; D transferred
    assert values("620702002", "2026") == (0, 0, 0)


def test_by_child_agrees_with_each_child(dataset):
    street = Region.objects.get(code="620702001")
    kids = list(Region.objects.filter(code__in=("620702001001", "620702001005")))
    got = registry.child_values("governance.tips_collected", street, parse_period("2026"), kids)
    assert got == {"620702001001": 2, "620702001005": 1}


@pytest.mark.parametrize("period, expected", [
    # per code: {交通巷社区 (A, B in its grid), 甘泉 (C, D), 东街街道, 甘州区}
    ("2026", {"governance.tips_collected": (2, 1, 3, 3), "governance.tips_transferred": (2, 1, 3, 3),
              "governance.tips_concluded": (1, 0, 1, 1)}),
    ("2026Q2", {"governance.tips_collected": (1, 1, 2, 2), "governance.tips_transferred": (2, 0, 2, 2),
                "governance.tips_concluded": (1, 0, 1, 1)}),
    ("2025", {"governance.tips_collected": (0, 1, 1, 1), "governance.tips_transferred": (0, 0, 0, 0),
              "governance.tips_concluded": (0, 0, 0, 0)}),
])
def test_by_child_equals_value_of_each_child_worked_by_hand(dataset, period, expected):
    """Every child of the county (its townships) and, deep, every community of the
    street (B's grid counts in 交通巷社区): ``by_child`` gives each the value it has alone."""
    county, street = Region.objects.get(code="620702"), Region.objects.get(code="620702001")
    p = parse_period(period)
    townships = list(Region.objects.filter(parent_id="620702"))
    villages = list(Region.objects.filter(parent_id="620702001"))
    for code, (own, peer, street_n, county_n) in expected.items():
        assert registry.value(code, county, p) == county_n
        by_township = registry.child_values(code, county, p, townships)
        assert by_township == {t.code: registry.value(code, t, p) for t in townships}
        assert by_township["620702001"] == street_n and sum(by_township.values()) == county_n
        deep = registry.descendant_values(code, county, p, villages)
        assert deep == {v.code: registry.value(code, v, p) for v in villages}
        assert (deep["620702001001"], deep["620702001005"]) == (own, peer)
        assert sum(deep.values()) == street_n
        assert registry.child_values(code, street, p, villages) == {v.code: deep[v.code] for v in villages}


def test_rows_only_for_handlers_and_never_with_content(users, handler, dataset):
    county, year = Region.objects.get(code="620702"), parse_period("2026")
    rows = registry.rows("governance.tips_collected", handler, county, year)
    assert rows.queryset.count() == 3  # the handler reads them all: rows = value
    shown = " ".join(str(col.of(r)) for r in rows.queryset for col in rows.columns)
    assert SECRET not in shown and INFORMANT not in shown and "organized_crime" not in shown
    for who in ("community", "grid_member", "peer", "township", "city", "auditor", "admin"):
        for code in CODES:
            got = registry.rows(code, users[who], county, year)
            assert got is not None and got.queryset.count() == 0, (who, code)


def test_a_non_handler_never_sees_content_through_the_rows_page_or_api(users, handler, dataset, client):
    """Whatever stats page or API lists an indicator's rows renders ``Rows``: for a
    non-handler it is empty; every route a row links to answers 404 to them."""
    county, year = Region.objects.get(code="620702"), parse_period("2026")
    links = [registry.rows(c, handler, county, year).link(t)
             for c in CODES for t in registry.rows(c, handler, county, year).queryset]
    assert links
    for who in ("community", "township", "city", "auditor"):
        client.force_login(users[who])
        for url in set(links):
            r = client.get(url)
            assert r.status_code == 404 and SECRET not in r.content.decode(), (who, url)
