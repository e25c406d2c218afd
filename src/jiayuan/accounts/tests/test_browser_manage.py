"""Browser tests (Playwright driving Debian's Chromium) of issue 10's administration and
demo loop:

(a) a county officer creates a department and an account in it in 系统管理; a grid event
    is dispatched to that department; the new user signs in, must first set a password
    of their own, and handles the event;
(b) on the demo data (``jiayuan demo-setup`` with a small population) the demo county
    officer creates a department and its account in 系统管理, and a grid event goes
    report → accept → dispatch (to that department) → handle (by that account) → verify →
    close → evaluate with the demo accounts, ending 已评价.

Screenshots go to /tmp/jiayuan-shots/manage-*.png. Transactional database: the tables
are flushed after each test.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case, CaseEvent, Department, DepartmentMember
from jiayuan.conftest import launch_chromium
from jiayuan.regions.models import Region

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser]

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
GRID = COMMUNITY + "001"
PASSWORD = "Browser-pass-2026"
NEW_PASSWORD = "Ludeng-mima-2026"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


def _photo(tmp_path) -> str:
    from PIL import Image

    path = tmp_path / "done.png"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 200)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return str(path)


def _login(page, base, username, password=PASSWORD, landing="/"):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}")


def _failure(browser, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for ctx_ in browser.contexts:
        for pg in ctx_.pages:
            (SHOTS / f"manage-{name}-failure.html").write_text(pg.url + "\n" + pg.content())
            pg.screenshot(path=str(SHOTS / f"manage-{name}-failure.png"), full_page=True)


def _create_department_and_account(page):
    """As a county officer signed in on ``page``: 系统管理 → 承办部门 → 新建部门 甘州区路灯管理所
    (gz-ld, grid events of 设施损坏), then the account ludeng (department staff) in it."""
    from playwright.sync_api import expect

    nav = page.locator("#mainnav")
    if nav.get_by_role("button", name="系统管理").count():  # a menu when the role has several admin pages
        nav.get_by_role("button", name="系统管理").click()
    nav.get_by_role("link", name="账号与部门").click()
    page.get_by_test_id("manage-tabs").get_by_role("link", name="承办部门").click()
    page.get_by_role("link", name="新建部门").click()
    page.fill("#id_code", "gz-ld")
    page.fill("#id_name", "甘州区路灯管理所")
    page.fill("#id_region", "620702")
    page.get_by_label("网格事件").check()
    page.get_by_label("设施损坏").check()
    page.screenshot(path=str(SHOTS / "manage-01-department.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("department-table")).to_contain_text("甘州区路灯管理所")
    expect(page.get_by_test_id("department-table")).to_contain_text("设施损坏")
    page.get_by_test_id("manage-tabs").get_by_role("link", name="账号").click()
    page.get_by_role("link", name="新建账号").click()
    page.fill("#id_username", "ludeng")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_full_name", "路灯所张工")
    page.select_option("#id_role", "department_staff")
    page.fill("#id_scope", "620702")
    page.select_option("#id_department", label="甘州区路灯管理所（gz-ld）")
    expect(page.locator("#id_role option[value=city_admin]")).to_have_count(0)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("account-facts")).to_contain_text("甘州区路灯管理所")


def test_county_officer_creates_department_and_user_who_handles_an_event(live_server, transactional_db,
                                                                           audit_log_flushable, settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.cases.services import create_case, sync_case_types, transition
    from jiayuan.grid.services import load_event_categories

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_divisions", prefix="620702", verbosity=0)
    Region.objects.get_or_create(code=GRID, defaults={"name": "第一网格", "level": "grid", "parent_id": COMMUNITY})
    load_event_categories(Actor(None, "command"))
    sync_case_types()
    people = {}
    for username, role, scope in (("quganbu", "county_officer", "620702"), ("jiedao", "township_officer", "620702001"),
                                  ("wanggeyuan", "grid_member", GRID)):
        u = User(username=username, role=role, scope_id=scope, full_name=username)
        u.set_password(PASSWORD)
        u.save()
        people[username] = u
    photo = _photo(tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            # 1. the county officer: 系统管理 → 承办部门 → 新建部门
            page = browser.new_context(**DESKTOP).new_page()
            _login(page, base, "quganbu")
            _create_department_and_account(page)
            expect(page.get_by_test_id("account-status")).to_contain_text("须修改密码")
            page.screenshot(path=str(SHOTS / "manage-02-account.png"), full_page=True)
            page.context.close()
        except Exception:
            _failure(browser, "a")
            browser.close()
            raise

        # 3. a grid event reported and dispatched to the new department (services)
        dept = Department.objects.get(code="gz-ld")
        case, _c = create_case(Actor(people["wanggeyuan"], "api"), "grid_event", {
            "category": "facility.streetlight", "description": "交通巷中段两盏路灯不亮", "region": GRID})
        case = transition(Actor(people["jiedao"], "api"), case, "accept", version=case.version)
        case = transition(Actor(people["jiedao"], "api"), case, "dispatch", version=case.version,
                          fields={"department": dept.code})
        number = case.number

        try:
            # 4. the new user signs in, sets a password of their own first, then handles it
            page = browser.new_context(**DESKTOP).new_page()
            _login(page, base, "ludeng", landing="/manage/password/")
            expect(page.get_by_test_id("must-change")).to_be_visible()
            page.goto(f"{base}/cases/")
            page.wait_for_url(f"{base}/manage/password/")
            page.fill("#id_old_password", PASSWORD)
            page.fill("#id_new_password", NEW_PASSWORD)
            page.fill("#id_new_password2", NEW_PASSWORD)
            page.get_by_role("button", name="保存新密码").click()
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/cases/")
            expect(page.get_by_test_id("queue")).to_contain_text(number)
            page.get_by_test_id("queue").get_by_text(number).click()
            form = page.get_by_test_id("form-handle")
            expect(form).to_be_visible()
            form.get_by_label("处置情况").fill("已更换灯泡，两盏路灯恢复照明")
            form.get_by_test_id("album-input").first.set_input_files(photo)
            expect(form.locator(".photo-item")).to_have_count(1)
            form.get_by_role("button", name="确认处置反馈").click()
            expect(page.get_by_test_id("state")).to_have_text("已处置")
            page.screenshot(path=str(SHOTS / "manage-03-handled.png"), full_page=True)
        except Exception:
            _failure(browser, "a")
            raise
        finally:
            browser.close()

    u = User.objects.get(username="ludeng")
    assert (u.role, u.scope_id, u.must_change_password) == ("department_staff", "620702", False)
    assert DepartmentMember.objects.get(user=u).department.code == "gz-ld"
    case = Case.objects.get(number=number)
    assert case.state == "handled"
    assert CaseEvent.objects.filter(case=case, action="handle").get().actor == u


def test_demo_loop_to_evaluated_with_a_department_created_in_the_administration_pages(
        live_server, transactional_db, audit_log_flushable, settings, tmp_path):
    """Issue 10's done-when, in one run on ``make demo`` data: the demo county officer
    (ganzhou) creates 甘州区路灯管理所 and its account in 系统管理; the demo grid member
    (wangge) reports a broken street light; the demo street officer (dongjie) accepts it
    and dispatches it to the new department; the new account signs in, sets its own
    password and handles it; wangge verifies; dongjie closes and evaluates: 已评价."""
    from playwright.sync_api import expect, sync_playwright

    settings.VAR_DIR = tmp_path
    settings.DEMO_PASSWORD = PASSWORD
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_setup", persons=150, stdout=open(os.devnull, "w"))
    photo = _photo(tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    before = set(Case.objects.values_list("number", flat=True))

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            def as_user(username, password=PASSWORD, landing="/"):
                page = browser.new_context(**DESKTOP).new_page()
                _login(page, base, username, password, landing)
                return page

            # the demo county officer: 系统管理 → 承办部门 → 新建部门, then an account in it
            page = as_user("ganzhou")
            _create_department_and_account(page)
            page.screenshot(path=str(SHOTS / "manage-05-demo-department.png"), full_page=True)
            page.context.close()

            # report (wangge)
            page = as_user("wangge")
            page.goto(f"{base}/grid/report/")
            page.get_by_text("设施损坏", exact=True).click()
            page.select_option("#id_category", "facility.streetlight")
            page.fill("#id_description", "交通巷北口三盏路灯夜间不亮")
            page.get_by_test_id("submit-report").click()
            page.wait_for_url(f"{base}/cases/*/")
            expect(page.get_by_test_id("state")).to_have_text("已上报")
            number = page.url.rstrip("/").rsplit("/", 1)[1]
            assert number not in before
            page.context.close()

            # accept and dispatch to the new department (dongjie, from the board)
            page = as_user("dongjie")
            page.goto(f"{base}/cases/board/")
            page.locator(f"[data-case='{number}']").get_by_role("button", name="立案").click()
            expect(page.locator(".alert-success")).to_contain_text("已办理“立案”")
            page.get_by_test_id("board-tabs").get_by_role("link", name="待派遣").click()
            card = page.locator(f"[data-case='{number}']")
            card.locator("select").select_option(label="甘州区路灯管理所")
            card.get_by_role("button", name="派遣").click()
            expect(page.locator(".alert-success")).to_contain_text("现为“已派遣”")
            page.context.close()

            # handle (the new account: its own password first, then the event in its to-do)
            page = as_user("ludeng", landing="/manage/password/")
            page.fill("#id_old_password", PASSWORD)
            page.fill("#id_new_password", NEW_PASSWORD)
            page.fill("#id_new_password2", NEW_PASSWORD)
            page.get_by_role("button", name="保存新密码").click()
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/todo/")
            page.get_by_text(number).first.click()
            page.wait_for_url(f"{base}/cases/{number}/")
            form = page.get_by_test_id("form-handle")
            form.get_by_label("处置情况").fill("已更换三盏路灯灯具，恢复照明")
            form.get_by_test_id("album-input").first.set_input_files(photo)
            expect(form.locator(".photo-item")).to_have_count(1)
            form.get_by_role("button", name="确认处置反馈").click()
            expect(page.get_by_test_id("state")).to_have_text("已处置")
            page.context.close()

            # verify (wangge)
            page = as_user("wangge")
            page.goto(f"{base}/cases/{number}/")
            page.get_by_test_id("form-verify").get_by_role("button", name="确认核查通过").click()
            expect(page.get_by_test_id("state")).to_have_text("已核查")
            page.context.close()

            # close and evaluate (dongjie)
            page = as_user("dongjie")
            page.goto(f"{base}/cases/board/?state=verified")
            page.locator(f"[data-case='{number}']").get_by_role("button", name="结案").click()
            expect(page.locator(".alert-success")).to_contain_text("现为“已结案”")
            page.goto(f"{base}/cases/{number}/")
            form = page.get_by_test_id("form-evaluate")
            if not form.is_visible():
                page.locator("[data-action=evaluate] .card-header button").click()
            expect(form).to_be_visible()
            form.locator("label[for=id_evaluate-field_score_4]").click()   # score 5
            form.get_by_role("button", name="确认综合评价").click()
            expect(page.get_by_test_id("state")).to_have_text("已评价")
            page.screenshot(path=str(SHOTS / "manage-04-demo-evaluated.png"), full_page=True)
        except Exception:
            _failure(browser, "b")
            raise
        finally:
            browser.close()

    case = Case.objects.get(number=number)
    assert case.state == "evaluated"
    assert case.department.code == "gz-ld" and case.department.name == "甘州区路灯管理所"
    assert [(e.action, e.actor.username) for e in CaseEvent.objects.filter(case=case).order_by("seq")] == [
        ("open", "wangge"), ("accept", "dongjie"), ("dispatch", "dongjie"), ("handle", "ludeng"),
        ("verify", "wangge"), ("close", "dongjie"), ("evaluate", "dongjie")]
