"""The indicators of the modules without their own engineer this session, each worked out
by hand on the small city of ``conftest.py``; then the same number through the API, the
indicator page and the report page; scope (404), bad periods (422) and an indicator
without a rule (computable: false)."""

from decimal import Decimal

import pytest

from jiayuan.regions.models import Region
from jiayuan.stats import registry
from jiayuan.stats.rules import parse_period

from .conftest import C001, C005, C006, C008, DONGJIE, LIANGJIADUN, V200

pytestmark = pytest.mark.django_db


def v(code, region, period):
    return registry.value(code, Region.objects.get(code=region), parse_period(str(period)))


# --- facilities and one-stop centers ------------------------------------------------------------

def test_coverage_counts_a_shared_facility_for_the_units_it_serves_only(facilities_city, year):
    # 东街: 001 (F1), 005 (F1 shared), 007 (F3) covered; 006 closed, 008 nothing → 3 of 5
    assert v("facilities.coverage_urban", DONGJIE, year) == Decimal("60.0")
    assert v("facilities.coverage_urban", C005, year) == Decimal("100.0")
    assert v("facilities.coverage_urban", C006, year) == Decimal("0.0")
    # urban and rural apart: 东街 has no village; 梁家墩 has 200 (F4) and 201 (shared) of 10
    assert v("facilities.coverage_rural", DONGJIE, year) is None
    assert v("facilities.coverage_rural", LIANGJIADUN, year) == Decimal("20.0")
    assert v("facilities.coverage_urban", LIANGJIADUN, year) is None


def test_area_counts_each_facility_once_where_it_stands(facilities_city, year):
    # F1 450 + F3 200 (F2 closed); the shared F1 is not counted again for 005
    assert v("facilities.area_m2", DONGJIE, year) == Decimal("650.00")
    assert v("facilities.area_m2", C005, year) == Decimal("0.00")
    # 650 m² for 3 + 7 + 10 = 20 households → 3,250.00 m² per 100 households
    assert v("facilities.area_per_100_households", DONGJIE, year) == Decimal("3250.00")
    # 交通巷: 450 m² for 3 households → 15,000.00
    assert v("facilities.area_per_100_households", C001, year) == Decimal("15000.00")


def test_per_100_households_leaves_out_a_community_with_no_household_in_the_registry(facilities_city, year, users):
    """A 900 m² centre in a community whose residents are not in the registry yet: the
    area counts it (650 + 900 = 1,550), per 100 households does not (still 650 m² for 20
    households = 3,250.00, not 1,550 / 20 × 100 = 7,750.00); the community's own figure
    is None (no households), the street's by_child agrees."""
    from jiayuan.audit.services import Actor
    from jiayuan.facilities.services import facilities as facility_services

    facility_services.create_facility(Actor(users["county"], "command"), {
        "name": "设施008", "region": C008, "address": "某路8号", "floor_area": "900", "status": "in_use"})
    assert v("facilities.area_m2", DONGJIE, year) == Decimal("1550.00")
    assert v("facilities.area_per_100_households", DONGJIE, year) == Decimal("3250.00")
    assert v("facilities.area_per_100_households", C008, year) is None
    county = Region.objects.get(code="620702")
    got = registry.child_values("facilities.area_per_100_households", county, parse_period(str(year)),
                                [Region.objects.get(code=DONGJIE)])
    assert got[DONGJIE] == Decimal("3250.00")


def test_one_stop_centers(facilities_city, year):
    # F1 has a one-stop hall and serves 001 and 005; F2 (closed) and F3 (no hall) do not count
    assert v("servicecenter.one_stop_centers", DONGJIE, year) == 2
    assert v("servicecenter.one_stop_coverage", DONGJIE, year) == Decimal("40.0")


def test_funds_lowest_and_highest_of_the_year(facilities_city, year):
    assert v("funds.per_community_min", DONGJIE, year) == Decimal("45000.00")
    assert v("funds.per_community_max", DONGJIE, year) == Decimal("96000.00")   # 007's 200,000 is last year's
    assert v("funds.per_community_max", DONGJIE, f"{year}Q3") == Decimal("96000.00")  # the period's year
    assert v("funds.per_community_min", C008, year) is None


def test_facilities_opened_after_the_period_do_not_count(facilities_city, users, year):
    from jiayuan.audit.services import Actor
    from jiayuan.facilities import services
    from jiayuan.facilities.models import ServiceFacility

    f = ServiceFacility.objects.get(region_id="620702001007")
    services.update_facility(Actor(users["county"], "command"), f, {"opened_on": f"{year}-07-01"})
    assert v("facilities.area_m2", DONGJIE, f"{year}H1") == Decimal("450.00")
    assert v("facilities.area_m2", DONGJIE, f"{year}H2") == Decimal("650.00")
    assert v("facilities.coverage_urban", DONGJIE, f"{year}H1") == Decimal("40.0")


# --- workforce ------------------------------------------------------------------------------------

def test_training_figures(training_city, year):
    # cadres: A twice, B once (C only enrolled) → 2 persons
    assert v("workforce.cadres_trained", DONGJIE, year) == 2
    # exam classes of this year: E1, E2 (E3 is last year's) → 2 classes, 2 + 1 = 3 trainees
    assert v("workforce.exam_classes", DONGJIE, year) == 2
    assert v("workforce.exam_trainees", DONGJIE, year) == 3
    # 甘泉 (B only): 1 cadre, E1 → 1 class, 1 trainee
    assert (v("workforce.cadres_trained", C005, year), v("workforce.exam_classes", C005, year),
            v("workforce.exam_trainees", C005, year)) == (1, 1, 1)
    # the second quarter: S2 (April, A) and E1, E2 (May, June)
    assert v("workforce.cadres_trained", DONGJIE, f"{year}Q2") == 1
    assert v("workforce.exam_trainees", DONGJIE, f"{year}-06") == 1


# --- grid -------------------------------------------------------------------------------------------

def test_grid_members_per_grid(grid_city, year):
    # G1 2, G2 5, G3 0 in post (its only member left)
    assert v("grid.members_min", C008, year) == 0
    assert v("grid.members_max", C008, year) == 5


# --- 两项补贴 -------------------------------------------------------------------------------------

def test_two_subsidies(subsidy_city, year):
    # P1 (both allowances, 4 lines) and P2; P3 failed, P4 last year → 2 persons
    assert v("disability.two_subsidies_persons", DONGJIE, year) == 2
    # 100 × 3 + 80 + 80 = 460
    assert v("disability.two_subsidies_yuan", DONGJIE, year) == Decimal("460.00")
    # February: P1 living 100, P2 care 80
    assert v("disability.two_subsidies_persons", DONGJIE, f"{year}-02") == 2
    assert v("disability.two_subsidies_yuan", DONGJIE, f"{year}-02") == Decimal("180.00")
    assert v("disability.two_subsidies_persons", C005, year) == 1
    assert v("disability.two_subsidies_yuan", DONGJIE, f"{year - 1}") == Decimal("100.00")


# --- API, pages, report: one number ------------------------------------------------------------------

def _page_value(html: str, marker: str) -> str:
    """The ``data-value`` of the first value shown after ``marker`` in a page."""
    at = html.index(marker)
    start = html.index('data-value="', at) + len('data-value="')
    return html[start:html.index('"', start)]


@pytest.mark.parametrize("code, expected", [
    ("facilities.coverage_urban", "60.0"), ("facilities.area_m2", "650.00"),
    ("servicecenter.one_stop_centers", "2"), ("funds.per_community_min", "45000.00"),
])
def test_the_same_number_from_the_api_the_indicator_page_and_the_report(facilities_city, api_client, page_client,
                                                                         year, code, expected):
    got = api_client("county").get(f"/api/v1/indicators/{code}", {"region": DONGJIE, "period": str(year)})
    assert got.status_code == 200, got.content
    body = got.json()
    assert str(body["value"]) == expected
    assert body["computable"] is True and body["region"] == DONGJIE and body["period"] == str(year)
    assert set(body) == {"code", "name", "unit", "region", "region_name", "period", "value", "computable",
                         "children", "rows_url"}
    pages = page_client("county")
    page = pages.get(f"/stats/indicators/{code}/", {"region": DONGJIE, "period": str(year)})
    assert page.status_code == 200
    assert _page_value(page.content.decode(), 'data-testid="figure-value"') == expected
    report = pages.get("/stats/report/", {"region": DONGJIE, "period": str(year)})
    assert report.status_code == 200
    assert _page_value(report.content.decode(), f'data-testid="report-{code}"') == expected


def test_children_and_drill_down(facilities_city, api_client, year):
    body = api_client("county").get("/api/v1/indicators/facilities.coverage_urban",
                                    {"region": DONGJIE, "period": str(year)}).json()
    children = {c["region"]: c["value"] for c in body["children"]}
    # 001 and 005 and 007 covered, 006 and 008 not (each a community of its own: 100 or 0)
    assert children == {C001: "100.0", C005: "100.0", C006: "0.0", "620702001007": "100.0", C008: "0.0"}


def test_counts_are_numbers_and_amounts_decimal_strings(facilities_city, api_client, year):
    c = api_client("county")
    assert c.get("/api/v1/indicators/servicecenter.one_stop_centers", {"region": DONGJIE}).json()["value"] == 2
    assert c.get("/api/v1/indicators/funds.per_community_max", {"region": DONGJIE}).json()["value"] == "96000.00"


def test_defaults_are_the_scope_root_and_this_year(api_client, year):
    body = api_client("township").get("/api/v1/indicators/facilities.area_m2").json()
    assert (body["region"], body["period"]) == (DONGJIE, str(year))


def test_out_of_scope_and_unknown_regions_and_codes_are_404(api_client, page_client):
    c = api_client("township")   # 东街街道
    for params in ({"region": LIANGJIADUN}, {"region": "6207"}, {"region": "999999"}, {"region": "abc"}):
        assert c.get("/api/v1/indicators/facilities.area_m2", params).status_code == 404
    assert c.get("/api/v1/indicators/no.such_code").status_code == 404
    assert page_client("township").get("/stats/indicators/facilities.area_m2/",
                                       {"region": LIANGJIADUN}).status_code == 404
    assert page_client("township").get("/stats/report/", {"region": V200}).status_code == 404


@pytest.mark.parametrize("period", ["2019H3", "2019-13", "19", "2019q1"])
def test_unknown_period_is_422_with_the_chinese_message(api_client, page_client, period):
    got = api_client("county").get("/api/v1/indicators/facilities.area_m2", {"period": period})
    assert got.status_code == 422
    err = got.json()["error"]
    assert err["code"] == "stats.period"
    assert "统计期" in err["message"] and "2019H1" in err["message"]
    assert page_client("county").get("/stats/indicators/facilities.area_m2/", {"period": period}).status_code == 422


def test_a_definition_without_a_rule_is_not_computable(api_client, page_client, monkeypatch, year):
    monkeypatch.delitem(registry._RULES, "facilities.area_m2")
    body = api_client("county").get("/api/v1/indicators/facilities.area_m2", {"region": DONGJIE}).json()
    assert body["computable"] is False and body["value"] is None
    assert all(c["value"] is None for c in body["children"])
    listed = {d["code"]: d["computable"] for d in api_client("county").get("/api/v1/indicators").json()}
    assert listed["facilities.area_m2"] is False and listed["facilities.coverage_urban"] is True
    page = page_client("county").get("/stats/report/", {"region": DONGJIE}).content.decode()
    assert 'data-testid="report-facilities.area_m2"' in page
    assert _page_value(page, 'data-testid="report-facilities.area_m2"') == ""


def test_the_list_names_every_definition(api_client):
    body = api_client("city").get("/api/v1/indicators").json()
    assert [d["code"] for d in body] == [d.code for d in registry.definitions()]
    first = body[0]
    assert {"code", "name", "unit", "definition", "source", "levels", "periods", "computable"} <= set(first)


def test_without_view_statistics_403(api_client, page_client):
    assert api_client("grid_member").get("/api/v1/indicators").status_code == 403
    assert page_client("grid_member").get("/stats/report/").status_code == 403


# --- rows -------------------------------------------------------------------------------------------

def test_rows_match_the_count_and_follow_the_modules_scope(facilities_city, subsidy_city, page_client, year):
    county = page_client("county")
    page = county.get("/stats/indicators/servicecenter.one_stop_centers/rows/", {"region": DONGJIE}).content.decode()
    assert page.count("<tr>") - 1 == 2   # header row + 交通巷, 甘泉
    page = county.get("/stats/indicators/disability.two_subsidies_persons/rows/", {"region": DONGJIE}).content.decode()
    assert "一号" in page and "二号" in page and "三号" not in page


def test_a_figure_whose_rows_the_user_may_not_read(training_city, page_client, year):
    # a community worker reads the figures of their community but not the workforce registry
    page = page_client("community").get("/stats/indicators/workforce.cadres_trained/rows/",
                                        {"region": C001, "period": str(year)})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="rows-unavailable"' in html
    assert _page_value(html, 'data-testid="figure-value"') == "1"   # A (C only enrolled)
    county = page_client("county").get("/stats/indicators/workforce.cadres_trained/rows/",
                                       {"region": DONGJIE, "period": str(year)}).content.decode()
    assert "甲" in county and "乙" in county and "丙" not in county


def test_rows_of_a_peer_are_out_of_scope(facilities_city, page_client):
    assert page_client("peer").get("/stats/indicators/facilities.area_m2/rows/",
                                   {"region": C001}).status_code in (403, 404)


def test_report_sections_in_order_and_exports(facilities_city, page_client, year):
    from jiayuan.stats.definitions import SECTIONS

    c = page_client("county")
    html = c.get("/stats/report/", {"region": DONGJIE}).content.decode()
    positions = [html.index(f'data-testid="report-section-{key}"') for key in SECTIONS]
    assert positions == sorted(positions)
    docx = c.get("/stats/report/", {"region": DONGJIE, "format": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    xlsx = c.get("/stats/report/", {"region": DONGJIE, "format": "xlsx"})
    assert xlsx.status_code == 200
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx.content)).active
    values = {row[1]: row[6] for row in ws.iter_rows(min_row=3, values_only=True)}
    assert Decimal(str(values["facilities.area_m2"])) == Decimal("650")
    assert values["servicecenter.one_stop_centers"] == 2
