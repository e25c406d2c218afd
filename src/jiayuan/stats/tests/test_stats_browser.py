"""Browser tests (Playwright, Debian's Chromium) of the indicator pages, the rows behind a
figure, the city's report with its Word and Excel downloads, and 一表通 from end to end
(a form defined, approved, issued by the street, filled and submitted by a community,
reviewed by the street). Fixtures copied from test_dashboards_browser.py; the data are
the hand-worked small city of conftest.py (figures worked out in its docstring).

Screenshots: /tmp/stats-*.png.
"""

import io
import os

import pytest

from jiayuan.conftest import OWNER_COMMUNITY, PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import launch_chromium  # noqa: E402

from jiayuan.stats.definitions import SECTIONS  # noqa: E402

from .conftest import C001, C005, C006, C007, C008, DONGJIE  # noqa: E402
from .test_dashboards_browser import RECORD_VIOLATIONS  # noqa: E402

pytestmark = [pytest.mark.browser]


def _page(browser, base, username, errors, width=1280):
    """A new context signed in through the login page as ``username``; page errors and
    console errors go to ``errors``."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(f"{username}: {e}"))
    page.on("console", lambda m: errors.append(f"{username}: {m.text}") if m.type == "error" else None)
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _value(page, selector):
    return page.locator(f"{selector} [data-value]").first.get_attribute("data-value")


def test_indicator_pages_rows_and_the_report_with_its_downloads(live_server, transactional_db, audit_log_flushable,
                                                              users, facilities_city, subsidy_city, year):
    """As the street (东街街道): the list → 城市社区综合服务设施覆盖率 60.0 % (交通巷 and
    甘泉 through F1 shared, 007 through F3; 006's facility is closed; 008 none: 3 of 5),
    its children (交通巷 100.0, 006 0.0), a drill-down to 交通巷; the floor area 650.00 m²
    (F1 450 + F3 200; F2 closed) and its two rows; the report with the same figures and
    两项补贴 2 persons / 460.00 yuan (P1 living 3×100 + care 80, P2 care 80; P3's line
    failed, P4's is last year), and the docx and xlsx downloads read back."""
    from docx import Document
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.cases.services import sync_case_types

    expect.set_options(timeout=30_000)
    sync_case_types()
    base = live_server.url
    errors = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = _page(browser, base, "township", errors)
            page.goto(f"{base}/stats/indicators/")
            row = page.get_by_test_id("indicator-facilities.coverage_urban")
            expect(row).to_contain_text("可计算")
            row.get_by_role("link").click()
            page.wait_for_url(f"{base}/stats/indicators/facilities.coverage_urban/")
            expect(page.get_by_test_id("figure-value")).to_contain_text("60.0")
            assert _value(page, "[data-testid=figure-value]") == "60.0"
            children = {c: _value(page, f"[data-testid=child-{c}]") for c in (C001, C005, C006, C007, C008)}
            assert children == {C001: "100.0", C005: "100.0", C006: "0.0", C007: "100.0", C008: "0.0"}
            page.screenshot(path="/tmp/stats-indicator.png", full_page=True)
            page.get_by_test_id(f"child-{C001}").get_by_role("link").click()
            page.wait_for_url(f"{base}/stats/indicators/facilities.coverage_urban/?region={C001}&period={year}")
            assert _value(page, "[data-testid=figure-value]") == "100.0"

            # the floor area and the rows behind it
            page.goto(f"{base}/stats/indicators/facilities.area_m2/?region={DONGJIE}&period={year}")
            assert _value(page, "[data-testid=figure-value]") == "650.00"
            page.get_by_test_id("rows-link").click()
            page.wait_for_url(f"{base}/stats/indicators/facilities.area_m2/rows/?region={DONGJIE}&period={year}")
            table = page.get_by_test_id("rows-table")
            expect(table).to_be_visible()
            names = table.locator("tbody tr td:first-child").all_inner_texts()
            assert names == ["设施001", "设施007"]               # largest first; the closed F2 not there
            expect(page.locator("main")).to_contain_text("共 2 条")
            page.screenshot(path="/tmp/stats-rows.png", full_page=True)

            # the report: the same figures, each linked to its rows
            page.goto(f"{base}/stats/report/?region={DONGJIE}&period={year}")
            expect(page.get_by_test_id("report-title")).to_contain_text("东街街道")
            figures = {code: _value(page, f"[data-testid='report-{code}']") for code in (
                "facilities.coverage_urban", "facilities.area_m2", "disability.two_subsidies_persons",
                "disability.two_subsidies_yuan")}
            assert figures == {"facilities.coverage_urban": "60.0", "facilities.area_m2": "650.00",
                               "disability.two_subsidies_persons": "2", "disability.two_subsidies_yuan": "460.00"}
            keys = page.locator("[data-testid^=report-section-]").evaluate_all(
                "els => els.map(e => e.dataset.testid.slice('report-section-'.length))")
            assert keys == list(SECTIONS)                      # every section, in the report's order
            page.screenshot(path="/tmp/stats-report.png", full_page=True)
            with page.expect_download() as got:
                page.get_by_test_id("export-docx").click()
            download = got.value
            assert download.suggested_filename == f"东街街道城乡社区治理和服务工作情况报告_{year}.docx"
            doc = Document(io.BytesIO(open(download.path(), "rb").read()))
            by_value = {r.cells[1].text for t in doc.tables for r in t.rows}
            assert {"60.0", "650.00", "2", "460.00"} <= by_value
            with page.expect_download() as got:
                page.get_by_test_id("export-xlsx").click()
            ws = load_workbook(io.BytesIO(open(got.value.path(), "rb").read())).active
            rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
            assert float(rows["facilities.area_m2"][6]) == 650.0 and rows["facilities.area_m2"][3] == DONGJIE
            assert rows["disability.two_subsidies_persons"][6] == 2
            assert float(rows["disability.two_subsidies_yuan"][6]) == 460.0
            # a figure of the report opens its rows
            page.locator("[data-testid='report-facilities.area_m2'] td:nth-child(2) a").click()
            page.wait_for_url(f"{base}/stats/indicators/facilities.area_m2/rows/?region={DONGJIE}&period={year}")
            assert page.evaluate("window.__csp") == [] and errors == []
        except Exception:
            print("PAGE ERRORS", errors)
            page.screenshot(path="/tmp/stats-failure.png", full_page=True)
            raise
        finally:
            browser.close()


def test_yibiaotong_define_issue_fill_submit_review(live_server, transactional_db, audit_log_flushable, users,
                                                    make_person, year):
    """一表通 through the pages, each person in their own browser: the county generates the
    data elements and defines a form (persons in the registry, sum; council meetings,
    entered, sum); the city approves it (not its author); the street (东街街道) issues it
    to its five communities; 交通巷 (two persons registered, one in 甘泉) finds it
    pre-filled with 2 from the records, enters 6 meetings, confirms and submits; the
    street sees 1 of 5 submitted and the totals 2 and 6."""
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.cases.services import sync_case_types
    from jiayuan.stats.models import ReportForm, ReportSubmission

    expect.set_options(timeout=30_000)
    sync_case_types()
    make_person(region=OWNER_COMMUNITY, name="张一")
    make_person(region=OWNER_COMMUNITY, name="张二")
    make_person(region=C005, name="李三")
    base = live_server.url
    errors = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            # the county: data elements, then the form (a draft it may not approve itself)
            page = county = _page(browser, base, "county", errors)
            county.goto(f"{base}/stats/yibiaotong/elements/")
            county.get_by_test_id("seed-elements").click()
            expect(county.locator(".alert-success, .toast, [role=alert]").first).to_contain_text("已生成")
            county.goto(f"{base}/stats/yibiaotong/forms/new/")
            county.fill("#id_code", "YBT-07")
            county.fill("#id_title", "社区人口与议事情况表")
            county.select_option("#id_units", "communities")
            county.select_option("#id_element_1", "registry.persons")
            county.select_option("#id_aggregation_1", "sum")
            county.select_option("#id_element_2", "entered.council_meetings")
            county.select_option("#id_aggregation_2", "sum")
            county.get_by_role("button", name="保存为草稿").click()
            expect(county.get_by_test_id("form-status")).to_have_text("草稿")
            expect(county.get_by_test_id("approve")).to_have_count(0)
            form = ReportForm.objects.get(code="YBT-07")

            # the city approves
            page = city = _page(browser, base, "city", errors)
            city.goto(f"{base}/stats/yibiaotong/forms/{form.pk}/")
            city.get_by_test_id("approve").click()
            expect(city.get_by_test_id("form-status")).to_have_text("已审定")

            # the street issues it to its communities
            page = street = _page(browser, base, "township", errors)
            street.goto(f"{base}/stats/yibiaotong/forms/{form.pk}/")
            street.get_by_role("link", name="下发填报任务").click()
            expect(street.locator("#id_form")).to_have_value(str(form.pk))
            street.fill("#id_period", str(year))
            street.fill("#id_deadline", f"{year + 1}-01-31")
            street.get_by_role("button", name="下发").click()
            expect(street.get_by_test_id("count-submitted")).to_have_text("0 / 5")
            task_url = street.url

            # the community fills and submits
            page = community = _page(browser, base, "community", errors, width=390)
            community.goto(f"{base}/stats/yibiaotong/fill/")
            community.get_by_test_id("waiting-table").get_by_role("link", name="社区人口与议事情况表").click()
            persons = community.locator("tr[data-element='registry.persons']")
            meetings = community.locator("tr[data-element='entered.council_meetings']")
            expect(persons.get_by_test_id("value")).to_have_text("2")
            expect(persons.locator("[data-provenance]")).to_have_attribute("data-provenance", "records")
            expect(meetings.locator("[data-provenance]")).to_have_attribute("data-provenance", "missing")
            expect(community.get_by_test_id("submit")).to_be_disabled()
            community.screenshot(path="/tmp/stats-ybt-fill-390.png", full_page=True)
            meetings.locator("input[name=value]").fill("6")
            meetings.get_by_role("button", name="保存").click()
            expect(meetings.locator("[data-provenance]")).to_have_attribute("data-provenance", "entered")
            expect(meetings.get_by_test_id("value")).to_have_text("6")
            community.get_by_test_id("confirm-all").click()
            expect(persons.locator("[data-provenance]")).to_have_attribute("data-provenance", "confirmed")
            community.get_by_test_id("submit").click()
            expect(community.get_by_test_id("state")).to_have_text("已报送")
            assert community.evaluate("document.documentElement.scrollWidth") <= 390
            sub = ReportSubmission.objects.get(task__form=form, unit_id=OWNER_COMMUNITY)
            assert sub.submitted_by == users["community"]
            assert (sub.values["registry.persons"][:2], sub.values["entered.council_meetings"][:2]) == (
                ["2", "confirmed"], ["6", "entered"])

            # the street reviews: completion and totals
            page = street
            street.goto(task_url)
            expect(street.get_by_test_id("count-submitted")).to_have_text("1 / 5")
            expect(street.get_by_test_id("count-not-started")).to_have_text("4")
            total = street.get_by_test_id("aggregate-table").locator("tr.fw-bold td")
            assert total.all_inner_texts() == ["合计", "2", "6"]
            unit_row = street.get_by_test_id("unit-table").locator("tr", has_text="交通巷")
            expect(unit_row.locator("[data-state]")).to_have_attribute("data-state", "submitted")
            street.screenshot(path="/tmp/stats-ybt-review.png", full_page=True)
            unit_row.get_by_role("link").click()
            expect(street.get_by_test_id("state")).to_have_text("已报送")
            expect(street.locator("tr[data-element='entered.council_meetings']").get_by_test_id("value")).to_have_text("6")
            for pg in (county, city, street, community):
                assert pg.evaluate("window.__csp") == []
            assert errors == []
        except Exception:
            print("PAGE ERRORS", errors)
            page.screenshot(path="/tmp/stats-failure.png", full_page=True)
            raise
        finally:
            browser.close()
