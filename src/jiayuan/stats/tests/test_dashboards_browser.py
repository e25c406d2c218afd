"""Browser test (Playwright, Debian's Chromium) of the dashboards at phone width (390 px):
the charts draw from the JSON without a page reload, with the numbers worked out by hand
on the constructed dataset of dashboard_data.py and the same as the API's; a click on a
child region's bar opens that child's dashboard; no Content-Security-Policy violation.

The chart's data is read from the page itself: ``echarts.getInstanceByDom(el).getOption()``.
Screenshots: /tmp/dash-*.png.
"""

import os

import pytest
from django.test import Client

from jiayuan.accounts.models import User
from jiayuan.conftest import PEER_COMMUNITY

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import launch_chromium  # noqa: E402

from .dashboard_data import EXPECTED, OWNER, build  # noqa: E402

pytestmark = [pytest.mark.browser]
PASSWORD = "Dash-pass-2026"

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""

OPTION = """([panel, key]) => {
  const el = document.querySelector(`[data-testid=panel-${panel}] [data-chart=${key}]`);
  const o = echarts.getInstanceByDom(el).getOption();
  const cats = (o.yAxis && o.yAxis[0] && o.yAxis[0].data) || (o.xAxis && o.xAxis[0] && o.xAxis[0].data) || null;
  return {categories: cats, series: o.series.map(s => ({name: s.name, type: s.type, data: s.data})),
          width: el.getBoundingClientRect().width, height: el.getBoundingClientRect().height};
}"""


def _api(username, path):
    c = Client()
    token = c.post("/api/v1/auth/token", {"username": username, "password": PASSWORD},
                   content_type="application/json").json()["token"]
    r = Client(headers={"Authorization": f"Bearer {token}"}).get(path)
    assert r.status_code == 200, r.content
    return r.json()


def test_charts_draw_the_hand_worked_numbers_and_drill_down(live_server, transactional_db, audit_log_flushable,
                                                           settings):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.cases.services import sync_case_types

    expect.set_options(timeout=30_000)  # two shared cores: seven panels computed at once
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sync_case_types()
    admin = User.objects.create_superuser("dashroot", password=PASSWORD)
    officer = User(username="dashcounty", role="county_officer", scope_id="620702", full_name="县民政")
    officer.set_password(PASSWORD)
    officer.save()
    build(admin)
    # the API's answers first: on SQLite a write of the test thread (the token) while the
    # page's requests save their session can make one of them fail (database locked)
    api = _api("dashcounty", "/api/v1/dashboards/assistance?region=620702&period=2025")
    api_pop = _api("dashcounty", "/api/v1/dashboards/population?region=620702&period=2025")
    api_town = _api("dashcounty", "/api/v1/dashboards/population?region=620702001&period=2025")
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
            context.add_init_script(RECORD_VIOLATIONS)
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/login/")
            page.fill("#id_username", "dashcounty")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/stats/dashboards/?region=620702&period=2025")
            for panel in ("population", "cases", "assistance", "eldercare", "children", "projects", "workforce"):
                expect(page.get_by_test_id(f"panel-{panel}")).to_have_attribute("data-loaded", "true")
            page.screenshot(path="/tmp/dash-county-390.png", full_page=True)

            # assistance: by program (pie) and by month (bars) — by hand and from the API
            pie = page.evaluate(OPTION, ["assistance", "by_program"])
            assert [(d["name"], d["value"]) for d in pie["series"][0]["data"]] == [("最低生活保障", 1300.5)]
            api_pie = next(c for c in api["charts"] if c["key"] == "by_program")
            assert [d["value"] for d in pie["series"][0]["data"]] == api_pie["series"][0]["data"]
            months = page.evaluate(OPTION, ["assistance", "by_month"])
            got = dict(zip(months["categories"], months["series"][0]["data"]))
            assert {m: got[m] for m in EXPECTED["paid_by_month_620702"]} == EXPECTED["paid_by_month_620702"]
            api_months = next(c for c in api["charts"] if c["key"] == "by_month")
            assert months["series"][0]["data"] == api_months["series"][0]["data"]
            kpi = page.get_by_test_id("kpi-paid_yuan").locator("[data-value]")
            assert float(kpi.get_attribute("data-value")) == EXPECTED["paid_620702"]

            # cases: by type and state, and the trend
            by_type = page.evaluate(OPTION, ["cases", "by_type"])
            series = {s["name"]: s["data"] for s in by_type["series"]}
            assert (series["办理中"], series["已超期"], series["已办结"]) == ([2], [1], [1])
            trend = page.evaluate(OPTION, ["cases", "trend"])
            reg = dict(zip(trend["categories"], trend["series"][0]["data"]))
            assert (reg["2025-03"], reg["2025-05"]) == (3, 1) and trend["series"][0]["type"] == "line"

            # population by child region, as drawn and as the API answers
            drill = page.evaluate(OPTION, ["population", "by_region"])
            api_drill = next(c for c in api_pop["charts"] if c["key"] == "by_region")
            assert drill["categories"] == api_drill["categories"]
            assert drill["series"][0]["data"] == api_drill["series"][0]["data"]
            assert dict(zip(api_drill["drill"], drill["series"][0]["data"]))["620702001"] == 3

            # readable at phone width: charts fit the screen, the page does not scroll sideways
            assert 250 < drill["width"] <= 390 and drill["height"] >= 200
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

            # click the township's bar → its dashboard
            index = api_drill["drill"].index("620702001")
            chart = page.locator("[data-testid=panel-population] [data-chart=by_region]")
            chart.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 120)")
            rect = page.evaluate("""(i) => {
              const el = document.querySelector('[data-testid=panel-population] [data-chart=by_region]');
              return echarts.getInstanceByDom(el).getModel().getSeriesByIndex(0).getData().getItemLayout(i);
            }""", index)
            xy = [rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2]
            box = chart.bounding_box()
            page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
            page.wait_for_url(f"{base}/stats/dashboards/?region=620702001&period=2025")
            expect(page.get_by_test_id("dashboard-title")).to_contain_text("东街街道")
            for panel in ("population", "cases", "assistance", "eldercare", "children", "projects", "workforce"):
                expect(page.get_by_test_id(f"panel-{panel}")).to_have_attribute("data-loaded", "true")
            town = page.evaluate(OPTION, ["population", "by_region"])
            codes = next(c for c in api_town["charts"] if c["key"] == "by_region")["drill"]
            values = dict(zip(codes, town["series"][0]["data"]))
            assert (values[OWNER], values[PEER_COMMUNITY]) == (2, 1)
            paid = dict(zip(codes, page.evaluate(OPTION, ["assistance", "by_region"])["series"][0]["data"]))
            assert {c: paid[c] for c in EXPECTED["paid_by_community"]} == EXPECTED["paid_by_community"]
            page.screenshot(path="/tmp/dash-township-390.png", full_page=True)
            assert page.evaluate("window.__csp") == [] and errors == []
        except Exception:
            print("PAGE ERRORS", errors)
            page.screenshot(path="/tmp/dash-failure.png", full_page=True)
            raise
        finally:
            browser.close()
