"""Dashboards (issue 16): the API and the page's JSON on a small constructed dataset
(stats/tests/dashboard_data.py, figures worked out by hand there), scope (404), bad
period (422), permission, and the registry as the one source of a figure that is an
indicator."""

from decimal import Decimal

import pytest

from jiayuan.conftest import OUTSIDE_VILLAGE, PEER_COMMUNITY
from jiayuan.stats import registry

from .dashboard_data import EXPECTED, OWNER, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(users):
    return build(users["admin"])


def kpis(body):
    return {k["key"]: k for k in body["kpis"]}


def chart(body, key):
    return next(c for c in body["charts"] if c["key"] == key)


@pytest.mark.parametrize("region", ["6207", "620702", OWNER, PEER_COMMUNITY])
def test_population_by_hand(api_client, data, region):
    body = api_client("city").get(f"/api/v1/dashboards/population?region={region}&period=2025").json()
    k = kpis(body)
    assert (k["persons"]["value"], k["elderly"]["value"], k["children"]["value"]) == EXPECTED["population"][region]
    assert body["as_of"] == "2025-12-31" and body["period"] == "2025"


def test_population_tags_count_by_validity_and_drill_to_children(api_client, data):
    body = api_client("county").get("/api/v1/dashboards/population?region=620702&period=2025").json()
    groups = chart(body, "groups")
    by_name = dict(zip(groups["categories"], groups["series"][0]["data"]))
    assert by_name["残疾人"] == EXPECTED["tags_620702"]["disabled"]
    assert by_name["留守儿童"] == EXPECTED["tags_620702"]["left_behind_child"]  # lapsed on 2025-06-30
    # in the first half the left-behind tag was valid
    h1 = api_client("county").get("/api/v1/dashboards/population?region=620702&period=2025H1").json()
    g = chart(h1, "groups")
    assert dict(zip(g["categories"], g["series"][0]["data"]))["留守儿童"] == 1
    drill = chart(body, "by_region")
    assert drill["drill"][0] == "620702001" and drill["series"][0]["data"][0] == 3
    assert len(drill["drill"]) == len(drill["categories"]) == len(drill["series"][0]["data"])


def test_assistance_paid_by_program_month_and_child(api_client, data):
    body = api_client("county").get("/api/v1/dashboards/assistance?region=620702&period=2025").json()
    assert kpis(body)["paid_yuan"]["value"] == EXPECTED["paid_620702"]
    assert kpis(body)["persons"]["value"] == 2
    prog = chart(body, "by_program")
    assert prog["categories"] == ["最低生活保障"] and prog["series"][0]["data"] == [1300.5]
    months = chart(body, "by_month")
    assert months["categories"][:3] == ["2025-01", "2025-02", "2025-03"] and len(months["categories"]) == 12
    got = dict(zip(months["categories"], months["series"][0]["data"]))
    assert {m: got[m] for m in EXPECTED["paid_by_month_620702"]} == EXPECTED["paid_by_month_620702"]
    assert got["2025-03"] == 0  # the voided line counts nowhere
    town = api_client("county").get("/api/v1/dashboards/assistance?region=620702001&period=2025").json()
    drill = chart(town, "by_region")
    values = dict(zip(drill["drill"], drill["series"][0]["data"]))
    assert {c: values[c] for c in EXPECTED["paid_by_community"]} == EXPECTED["paid_by_community"]
    q1 = api_client("county").get("/api/v1/dashboards/assistance?region=620702&period=2025-02").json()
    assert kpis(q1)["paid_yuan"]["value"] == 500.0


def test_cases_by_type_state_overdue_and_trend(api_client, data):
    body = api_client("county").get("/api/v1/dashboards/cases?region=620702&period=2025").json()
    k = kpis(body)
    want = EXPECTED["cases_620702"]
    assert (k["registered"]["value"], k["closed"]["value"]) == (want["registered"], want["closed"])
    by_type = chart(body, "by_type")
    series = {s["name"]: s["data"] for s in by_type["series"]}
    assert by_type["categories"] == ["网格事件"] or len(by_type["categories"]) == 1
    assert (series["办理中"][0], series["已超期"][0], series["已办结"][0]) == (2, 1, 1)
    trend = chart(body, "trend")
    reg = dict(zip(trend["categories"], trend["series"][0]["data"]))
    closed = dict(zip(trend["categories"], trend["series"][1]["data"]))
    assert (reg["2025-03"], reg["2025-05"], closed["2025-04"]) == (3, 1, 1) and trend["categories"][-1] == "2025-12"
    town = api_client("county").get("/api/v1/dashboards/cases?region=620702001&period=2025").json()
    drill = chart(town, "by_region")
    got = dict(zip(drill["drill"], drill["series"][0]["data"]))
    assert {c: got[c] for c in EXPECTED["cases_by_community"]} == EXPECTED["cases_by_community"]


def test_every_panel_answers_for_each_level(api_client, data):
    client = api_client("city")
    panels = client.get("/api/v1/dashboards").json()["panels"]
    assert panels == ["population", "cases", "assistance", "eldercare", "children", "projects", "workforce"]
    for region in ("6207", "620702", "620702001", OWNER):
        for p in panels:
            r = client.get(f"/api/v1/dashboards/{p}?region={region}&period=2025Q2")
            assert r.status_code == 200, (p, region, r.content)
            body = r.json()
            for c in body["charts"]:
                for s in c["series"]:
                    assert len(s["data"]) == len(c["categories"]), (p, c["key"])
            if region == OWNER:  # a community has no children to drill to
                assert all(c["drill"] is None for c in body["charts"])


def test_out_of_scope_region_is_404_and_bad_period_422(api_client, data):
    community = api_client("community")
    assert community.get("/api/v1/dashboards/population?region=620702&period=2025").status_code == 404
    assert community.get(f"/api/v1/dashboards/population?region={PEER_COMMUNITY}").status_code == 404
    assert community.get("/api/v1/dashboards/population?region=999999").status_code == 404
    assert community.get(f"/api/v1/dashboards/population?region={OWNER}001").status_code == 404  # a grid
    r = community.get(f"/api/v1/dashboards/population?region={OWNER}&period=2025Q5")
    assert r.status_code == 422 and r.json()["error"]["fields"]["period"]
    assert community.get("/api/v1/dashboards/nonsense").status_code == 404
    # default region: the scope
    body = community.get("/api/v1/dashboards/population?period=2025").json()
    assert body["region"]["code"] == OWNER and kpis(body)["persons"]["value"] == 2


def test_permission_view_statistics(api_client, page_client, data):
    assert api_client("grid_member").get("/api/v1/dashboards/population").status_code == 403
    assert page_client("grid_member").get("/stats/dashboards/").status_code == 403
    assert page_client("auditor").get("/stats/dashboards/data/population/").status_code == 403


def test_page_json_is_the_api_answer(api_client, page_client, data):
    q = "region=620702&period=2025"
    for p in ("population", "cases", "assistance"):
        a = api_client("county").get(f"/api/v1/dashboards/{p}?{q}").json()
        b = page_client("county").get(f"/stats/dashboards/data/{p}/?{q}").json()
        a.pop("fresh"), b.pop("fresh")
        assert a == b
    r = page_client("community").get("/stats/dashboards/data/population/?region=620702")
    assert r.status_code == 404 and r.json()["error"]["code"]
    assert page_client("community").get("/stats/dashboards/data/population/?period=x").status_code == 422


def test_page_renders_panels_way_up_and_period(page_client, data):
    r = page_client("county").get(f"/stats/dashboards/?region={OWNER}&period=2025H1")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'data-testid="panel-population"' in html and 'data-testid="panel-workforce"' in html
    assert 'data-testid="up-620702"' in html and "2025H1" in html
    assert "vendor/echarts.min.js" in html and "<script>" not in html
    assert page_client("community").get("/stats/dashboards/?region=620702").status_code == 404
    bad = page_client("county").get("/stats/dashboards/?period=2025Q9")
    assert bad.status_code == 200 and 'data-testid="period-error"' in bad.content.decode()
    assert page_client("county").get(f"/stats/dashboards/?region={OUTSIDE_VILLAGE}").status_code == 404


def test_an_indicator_figure_comes_from_the_registry(api_client, data):
    """projects.count is an indicator: without a rule the dashboard says not computable;
    with one, it shows the registry's value (region and children alike)."""
    client = api_client("county")
    body = client.get("/api/v1/dashboards/projects?region=620702&period=2025").json()
    assert kpis(body)["projects.count"] == {"key": "projects.count", "label": "服务项目数", "value": None,
                                            "unit": "个", "indicator": "projects.count", "computable": False} \
        or kpis(body)["projects.count"]["computable"] is False or registry.rule_of("projects.count") is not None
    saved = registry._RULES.get("projects.count")
    saved_funds = registry._RULES.get("projects.funds_yuan")
    try:
        registry._RULES.pop("projects.count", None)
        registry._RULES.pop("projects.funds_yuan", None)
        registry.rule("projects.count")(lambda region, period: 7 if region.code == "620702" else 3)
        registry.rule("projects.funds_yuan")(lambda region, period: Decimal("1234.5") if len(region.code) == 6
                                             else Decimal("10"))
        body = client.get("/api/v1/dashboards/projects?region=620702&period=2025").json()
        k = kpis(body)["projects.count"]
        assert (k["value"], k["computable"]) == (7, True)
        assert kpis(body)["projects.funds_yuan"]["value"] == 1234.5
        drill = chart(body, "funds_by_region")
        assert set(drill["series"][0]["data"]) == {10.0}
    finally:
        for code, r in (("projects.count", saved), ("projects.funds_yuan", saved_funds)):
            registry._RULES.pop(code, None)
            if r is not None:
                registry._RULES[code] = r


def test_labels_of_tags_programs_and_case_types_follow_the_language(api_client, page_client, data, settings):
    """The chart labels that come from data — tag kinds, programs, case types and their
    states — are given through i18n: with English active the API and the page's JSON
    show the English of django.po, with Chinese the stored names. (The language is the
    one chosen with the switch: its cookie, for the API as for the pages.)"""
    api = api_client("county")
    zh = api.get("/api/v1/dashboards/assistance?region=620702&period=2025").json()
    assert chart(zh, "by_program")["categories"] == ["最低生活保障"]     # Chinese by default
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    pop = api.get("/api/v1/dashboards/population?region=620702&period=2025").json()
    groups = dict(zip(chart(pop, "groups")["categories"], chart(pop, "groups")["series"][0]["data"]))
    assert groups["Disabled persons"] == 1 and groups["Left-behind child"] == 0
    assert "残疾人" not in groups
    paid = api.get("/api/v1/dashboards/assistance?region=620702&period=2025").json()
    assert chart(paid, "by_program")["categories"] == ["Subsistence allowance (dibao)"]
    assert [s["name"] for s in chart(paid, "by_month")["series"]] == ["Subsistence allowance (dibao)"]
    cases = api.get("/api/v1/dashboards/cases?region=620702&period=2025").json()
    assert chart(cases, "by_type")["categories"] == ["Grid event"]
    assert all(c.startswith("Grid event·") for c in chart(cases, "by_state")["categories"])
    # the page's JSON, with the language cookie of the page's language switch
    page = page_client("county")
    page.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = page.get("/stats/dashboards/data/assistance/?region=620702&period=2025").json()
    assert chart(body, "by_program")["categories"] == ["Subsistence allowance (dibao)"]
