"""Browser test (Playwright driving Debian's Chromium): the main pages, signed in as the
city administrator (every menu item), are served with the Content-Security-Policy and
break none of it: no console message about a refused script or style, no
``securitypolicyviolation`` event, no script error, including htmx swaps (live person
search with its indicator, the service item's checklist) and the behaviour moved out of
inline handlers (select all, submit on change, confirm) (issue 11, finding 10).
"""

import os
from datetime import date
from pathlib import Path

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.conftest import make_id_number
from jiayuan.people.services import create_household, create_person
from jiayuan.regions.models import Region

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
PASSWORD = "Csp-pass-2026"

# Runs before any page script (DevTools, not subject to the page's policy): records the
# violations the browser reports to the page.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def _setup():
    from jiayuan.cases.services import sync_case_types
    from jiayuan.servicecenter.services import issue_certificate, load_catalogs

    grid, _ = Region.objects.get_or_create(code=COMMUNITY + "001", defaults={
        "name": "第一网格", "level": "grid", "parent_id": COMMUNITY})
    Region.objects.get_or_create(code=COMMUNITY + "002", defaults={
        "name": "第二网格", "level": "grid", "parent_id": COMMUNITY})
    load_catalogs(Actor(None, "command"))
    sync_case_types()
    admin = User.objects.create_superuser("cspadmin", password=PASSWORD, full_name="系统管理员甲")
    actor = Actor(admin, "command")
    head = create_person(actor, {"name": "张建国", "id_number": make_id_number(date(1956, 4, 12), 1),
                                 "region": grid.code, "phone": "13893612345", "address": "交通巷社区12号楼"})
    wife = create_person(actor, {"name": "李秀英", "id_number": make_id_number(date(1958, 9, 1), 2),
                                 "region": grid.code})
    household = create_household(actor, {"number": "0012", "region": grid.code, "address": "交通巷社区12号楼"},
                                 head, [(wife, "12")])
    create_household(actor, {"number": "0013", "region": grid.code, "address": "交通巷社区13号楼"},
                     create_person(actor, {"name": "王芳", "id_number": make_id_number(date(1980, 1, 5), 2),
                                           "region": grid.code}), [])
    cert = issue_certificate(actor, head, "居（租）住证明", "子女入学")
    return head, household, cert, _application(household, head)


def _application(household, head) -> str:
    """An assistance application of the household taken by a community worker with one
    material of six (低保 + 临时救助): its page, receipt and one-time notice are crawled."""
    from jiayuan.assistance.services.applications import take_application

    worker = User.objects.create_user("cspshequ", password=PASSWORD, role="community_worker", scope_id=COMMUNITY,
                                      full_name="赵丽")
    app, _created = take_application(Actor(worker, "command"), household, head, "",
                                     ["subsistence_allowance", "temporary_assistance"], "家中突发火灾",
                                     ["书面申请"], hardship="fire")
    return app.case.number


def test_main_pages_keep_to_the_content_security_policy(live_server, transactional_db, audit_log_flushable,
                                                        settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    head, household, cert, application = _setup()
    base = live_server.url
    problems: list[str] = []
    policies: dict[str, str] = {}

    def watch(page):
        def on_console(msg):
            text = msg.text
            if "Content Security Policy" in text or "Refused to" in text:
                problems.append(f"console {page.url}: {text}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: problems.append(f"script error {page.url}: {exc}"))

        def on_response(resp):
            if resp.request.resource_type == "document":
                policies[resp.url] = resp.headers.get("content-security-policy", "")

        page.on("response", on_response)

    def check(page, what: str):
        page.wait_for_load_state("load")
        page.wait_for_timeout(100)  # let late violations (htmx swaps, fonts) be reported
        for v in page.evaluate("window.__csp || []"):
            problems.append(f"violation on {what} ({page.url}): {v}")

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            ctx.add_init_script(RECORD_VIOLATIONS)
            page = ctx.new_page()
            watch(page)
            page.goto(f"{base}/login/")
            check(page, "login")
            page.fill("#id_username", "cspadmin")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            check(page, "home")

            # every page of the menu
            hrefs = page.locator("nav.navbar-jy a.nav-link:not(.dropdown-toggle), nav.navbar-jy a.dropdown-item"
                                 ).evaluate_all("els => els.map(e => e.getAttribute('href'))")
            assert len(hrefs) >= 12
            pages = hrefs + [
                f"/persons/{head.pk}/", f"/persons/{head.pk}/edit/", f"/households/{household.pk}/",
                f"/households/{household.pk}/edit/", f"/regions/{COMMUNITY}/",
                f"/service/certificates/{cert.number}/", f"/service/certificates/{cert.number}/print/",
                "/service/certificates/new/", "/service/intake/", "/service/status/",
                f"/service/verify/?number={cert.number}&code={cert.verify_code}",
                "/cases/new/", "/no-such-page/", "/api/v1/docs",
                # an assistance application: its page, its printed receipt and notice (issue 10)
                f"/assistance/applications/{application}/", f"/assistance/applications/{application}/receipt/",
                f"/assistance/applications/{application}/notice/", "/assistance/applications/new/",
            ]
            SHOTS.mkdir(parents=True, exist_ok=True)
            for href in pages:
                page.goto(base + href)
                check(page, href)
                if href.endswith("/print/") or href.startswith("/service/verify/"):
                    page.screenshot(path=str(SHOTS / f"csp-{href.strip('/').split('/')[1]}.png"), full_page=True)
                if href.endswith(("/receipt/", "/notice/")):
                    page.screenshot(path=str(SHOTS / f"csp-application-{href.strip('/').split('/')[-1]}.png"),
                                    full_page=True)

            # htmx: live search swaps the results, its spinner styled by app.css (htmx's
            # own inline <style> is off) and hidden when idle
            page.goto(f"{base}/persons/")
            page.fill("#id_q", "zjg")
            expect(page.get_by_test_id("result-count")).to_contain_text("共 1 人")
            expect(page.get_by_test_id("person-table")).to_contain_text("张建国")
            assert page.evaluate("getComputedStyle(document.getElementById('search-spinner')).visibility") == "hidden"
            assert page.locator("head style").count() == 0
            check(page, "person search (htmx)")

            # htmx: the service item's checklist
            page.goto(f"{base}/service/intake/")
            page.select_option("#id_item", "jz.temporary_assistance")
            expect(page.get_by_test_id("item-info")).to_contain_text("困难情况说明及证明材料")
            check(page, "intake item info (htmx)")

            # htmx: the application's materials checklist follows the kinds ticked
            page.goto(f"{base}/assistance/applications/new/")
            page.locator("label[for=kind-subsistence_allowance]").click()
            expect(page.get_by_test_id("materials")).to_contain_text("家庭经济状况核对授权书")
            page.check("input[name=material][value='户口簿']")
            page.locator("label[for=kind-temporary_assistance]").click()
            expect(page.get_by_test_id("materials")).to_contain_text("困难情况证明")
            expect(page.locator("input[name=material][value='户口簿']")).to_be_checked()
            page.locator("label[for=kind-subsistence_allowance]").click()
            expect(page.get_by_test_id("materials")).not_to_contain_text("家庭经济状况核对授权书")
            check(page, "application materials (htmx)")

            # select all (was an onclick) and submit on change (was an onchange)
            page.goto(f"{base}/regions/{COMMUNITY}/move/")
            boxes = page.locator("input[name=households]")
            assert boxes.count() == 2
            page.locator("input[data-check-all=households]").check()
            assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
            page.locator("input[data-check-all=households]").uncheck()
            assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
            page.select_option("#from", COMMUNITY + "001")
            page.wait_for_url(f"**/regions/{COMMUNITY}/move/?*from={COMMUNITY}001*")
            check(page, "households move")

            # a confirm (was an onsubmit) on the certificate's revoke button: dismissed, nothing sent
            page.goto(f"{base}/service/certificates/{cert.number}/")
            page.locator("details summary").click()
            page.fill("#id_reason", "信息有误")
            page.once("dialog", lambda d: d.dismiss())
            page.get_by_role("button", name="作废", exact=True).click()
            page.wait_for_timeout(200)
            assert page.url == f"{base}/service/certificates/{cert.number}/"
            check(page, "revoke confirm")
            ctx.close()
        finally:
            browser.close()

    assert problems == []
    missing = [url for url, policy in policies.items() if "default-src 'self'" not in policy]
    assert policies and missing == []
