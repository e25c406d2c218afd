"""Browser test (Playwright driving Debian's Chromium) of the main flow of a community
worker: log in, search by pinyin initials, open the person, see the masked ID number,
reveal it (audited). Takes screenshots of the main pages at desktop and phone widths
into /tmp/jiayuan-shots/ for a human to look at.

Runs against pytest-django's ``live_server`` with a transactional database: the tables
are flushed after the test, so the test loads the divisions and creates what it needs.
"""

import os
import re
from datetime import date
from pathlib import Path

import pytest

from jiayuan.accounts.models import User
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import make_id_number
from jiayuan.people.services import add_tag, create_household, create_person
from jiayuan.regions.models import Region

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
# from a thread with a running loop unless told it is safe (the test is sequential).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
PASSWORD = "Browser-pass-2026"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]





def _setup_data():
    community = Region.objects.get(code=COMMUNITY)
    grid, _ = Region.objects.get_or_create(code=COMMUNITY + "001",
                                           defaults={"name": "第一网格", "level": "grid", "parent": community})
    worker = User(username="shequ", role="community_worker", scope=community, full_name="交通巷社区工作者")
    worker.set_password(PASSWORD)
    worker.save()
    admin = Actor(worker, "command")
    number = make_id_number(date(1956, 4, 12), 1)
    head = create_person(admin, {"name": "张建国", "id_number": number, "region": grid.code, "phone": "13893612345",
                                 "ethnic_group": "01", "address": "交通巷社区12号楼3单元201室"})
    wife = create_person(admin, {"name": "李秀英", "id_number": make_id_number(date(1958, 9, 1), 2),
                                 "region": grid.code})
    create_household(admin, {"number": "0012", "region": grid.code, "address": "交通巷社区12号楼3单元201室"},
                     head, [(wife, "12")])
    add_tag(admin, head, "empty_nest_elderly")
    head.refresh_from_db()
    for i, name in enumerate(["赵建军", "周佳怡", "王芳", "马丽", "买买提·艾力"]):
        create_person(admin, {"name": name, "id_number": make_id_number(date(1980 + i, 1, 5), 1 + i % 2),
                              "region": grid.code})
    return head, number


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_community_worker_searches_by_initials_and_sees_masked_id(live_server, transactional_db,
                                                                  audit_log_flushable, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    head, number = _setup_data()
    masked = number[:6] + "********" + number[-4:]
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(f"{base}/login/")
            page.screenshot(path=str(SHOTS / "login-desktop.png"), full_page=True)
            page.fill("#id_username", "shequ")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            expect(page.get_by_test_id("me")).to_contain_text("社区工作者 · 交通巷社区")
            expect(page.get_by_test_id("count-persons")).to_have_text("7")
            page.screenshot(path=str(SHOTS / "home-desktop.png"), full_page=True)

            # live search: type the initials, htmx swaps the result table (no page load)
            page.goto(f"{base}/persons/")
            expect(page.get_by_test_id("result-count")).to_contain_text("共 7 人")
            page.fill("#id_q", "zjg")
            expect(page.get_by_test_id("result-count")).to_contain_text("共 1 人")
            table = page.get_by_test_id("person-table")
            expect(table).to_contain_text("张建国")
            expect(table).to_contain_text(masked)
            expect(table).not_to_contain_text("赵建军")
            assert "q=zjg" in page.url  # hx-push-url keeps the search in the address bar
            page.screenshot(path=str(SHOTS / "persons-desktop.png"), full_page=True)

            # open the person: masked ID number and phone
            table.get_by_role("link", name="张建国").click()
            page.wait_for_url(f"{base}/persons/{head.pk}/")
            expect(page.get_by_test_id("id-number")).to_have_text(masked)
            expect(page.get_by_test_id("phone")).to_have_text("138****2345")
            assert number not in page.content()
            page.screenshot(path=str(SHOTS / "person-desktop.png"), full_page=True)

            # reveal (htmx POST, audited)
            page.get_by_test_id("reveal").click()
            expect(page.get_by_test_id("id-number")).to_have_text(number)
            expect(page.get_by_test_id("phone")).to_have_text("13893612345")

            page.goto(f"{base}/regions/{COMMUNITY}/")
            expect(page.locator("h1")).to_contain_text("交通巷社区")
            page.screenshot(path=str(SHOTS / "region-desktop.png"), full_page=True)
            page.goto(f"{base}/persons/new/")
            page.fill("#id_name", "张三")
            page.fill("#id_id_number", number[:17] + ("0" if number[17] != "0" else "1"))
            page.select_option("#id_region", COMMUNITY + "001")
            page.get_by_role("button", name="保存").click()
            expect(page.locator('[data-field-error="id_number"]')).to_contain_text(
                f"校验位错误：第18位应为 {number[17]}")
            page.screenshot(path=str(SHOTS / "person-form-error-desktop.png"), full_page=True)
            ctx.close()

            # phone width: the same pages, no sideways scrolling, the menu collapses
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                      is_mobile=True, has_touch=True, device_scale_factor=2)
            page = ctx.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "shequ")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            nav_link = page.locator("#mainnav").get_by_role("button", name="居民档案")  # the registry's menu
            expect(nav_link).to_be_hidden()
            page.click(".navbar-toggler")
            expect(nav_link).to_be_visible()
            page.wait_for_selector("#mainnav.show:not(.collapsing)")
            page.screenshot(path=str(SHOTS / "home-phone-menu.png"))
            page.click(".navbar-toggler")
            for name, url in (("home", "/"), ("persons", "/persons/?q=zjg"), ("person", f"/persons/{head.pk}/"),
                              ("region", f"/regions/{COMMUNITY}/"), ("grid", f"/regions/{COMMUNITY}001/"),
                              ("household", f"/households/{head.household_id}/"), ("person-form", "/persons/new/")):
                response = page.goto(base + url)
                assert response.status == 200, url
                assert _no_horizontal_scroll(page), f"{url} scrolls sideways at 390 px"
                page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
            page.goto(f"{base}/persons/?q=zjg")
            expect(page.get_by_test_id("masked-id")).to_have_text(masked)
            # touch targets: the search button is at least 44 px high
            box = page.locator("#person-search button[type=submit]").bounding_box()
            assert box and box["height"] >= 44
            assert re.fullmatch(r"\d{6}\*{8}\d{3}[\dX]", masked)
            ctx.close()
        except Exception:
            for ctx_ in browser.contexts:
                for pg in ctx_.pages:
                    (SHOTS / "failure.html").write_text(pg.url + "\n" + pg.content())
            raise
        finally:
            browser.close()
    # ORM calls stay outside the Playwright block: its greenlet has its own context, so a
    # query made there would open a database connection nobody closes.
    assert AuditEntry.objects.filter(action="person.view_sensitive", object_id=str(head.pk)).count() == 1
