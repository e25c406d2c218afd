"""Browser test (Playwright driving Debian's Chromium) of the closed loop at a phone's
viewport (390×844): a grid member reports an event with a photo (camera input) and the
phone's location, the street accepts and dispatches it from the board, the department
handles it with a photo, the grid member verifies it, the street closes it.

Screenshots go to /tmp/jiayuan-shots/cases-*.png for a human to look at. Runs against
pytest-django's ``live_server`` with a transactional database: the tables are flushed
after the test, so it loads the divisions and catalogs and creates what it needs.
"""

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.cases.models import Attachment, Case, CaseEvent, Department, DepartmentMember
from jiayuan.regions.models import Region

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
# from a thread with a running loop unless told it is safe (the test is sequential).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
GRID = COMMUNITY + "001"
PASSWORD = "Browser-pass-2026"
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]





def _setup_data(tmp_path) -> dict:
    from PIL import Image, ImageDraw

    from jiayuan.cases.services import sync_case_types
    from jiayuan.grid.services import load_event_categories

    call_command("load_divisions", prefix="620702", verbosity=0)
    Region.objects.get_or_create(code=GRID, defaults={"name": "第一网格", "level": "grid", "parent_id": COMMUNITY})
    load_event_categories(Actor(None, "command"))
    sync_case_types()

    def user(username, role, scope, name):
        u = User(username=username, role=role, scope_id=scope, full_name=name)
        u.set_password(PASSWORD)
        u.save()
        return u

    user("wanggeyuan", "grid_member", GRID, "王网格")
    user("jiedao", "township_officer", "620702001", "东街街道调度员")
    staff = user("chengguan", "department_staff", "620702", "城管局李工")
    dept = Department.objects.create(code="gz-cgj", name="甘州区城市管理局", region_id="620702")
    DepartmentMember.objects.create(department=dept, user=staff)
    # a phone photo: 3000×2000 JPEG (the page shrinks it before upload)
    photos = {}
    for name, color in (("scene", (120, 160, 90)), ("done", (90, 120, 200))):
        img = Image.new("RGB", (3000, 2000), color)
        ImageDraw.Draw(img).rectangle((600, 400, 2400, 1600), fill=(240, 240, 240))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=95)
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(buf.getvalue())
        photos[name] = str(path)
    return {"photos": photos, "dept": dept}


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _shot(page, name):
    assert _no_sideways_scroll(page), f"{page.url} scrolls sideways at 390 px"
    page.screenshot(path=str(SHOTS / f"cases-{name}.png"), full_page=True)


def test_closed_loop_on_a_phone(live_server, transactional_db, audit_log_flushable, settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    data = _setup_data(tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    number = None

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            # 1. the grid member reports, on the phone, with a photo and the location
            ctx = browser.new_context(**PHONE, geolocation={"latitude": 38.932512, "longitude": 100.451234},
                                      permissions=["geolocation"])
            page = ctx.new_page()
            _login(page, base, "wanggeyuan")
            page.click(".navbar-toggler")
            page.locator("#mainnav").get_by_role("link", name="上报事件").click()
            page.wait_for_url(f"{base}/grid/report/")
            expect(page.locator("h1")).to_have_text("上报事件")
            _shot(page, "01-report-empty")
            page.get_by_text("环境卫生", exact=True).click()
            page.select_option("#id_category", "sanitation.garbage")
            page.fill("#id_description", "交通巷12号楼门口垃圾堆放三天未清运，有异味")
            page.get_by_test_id("camera-input").first.set_input_files(data["photos"]["scene"])
            expect(page.locator("[data-photo-box] .photo-item")).to_have_count(1)
            page.get_by_test_id("geolocate").click()
            expect(page.get_by_test_id("geo-status")).to_contain_text("已定位：38.932512, 100.451234")
            page.fill("#id_address", "12号楼3单元门口")
            _shot(page, "02-report-filled")
            # a double tap on 上报: one case
            page.get_by_test_id("submit-report").dblclick()
            page.wait_for_url(f"{base}/cases/*/")
            expect(page.get_by_test_id("state")).to_have_text("已上报")
            expect(page.locator(".alert-success")).to_contain_text("已上报，编号")
            number = page.url.rstrip("/").rsplit("/", 1)[1]
            _shot(page, "03-reported")
            ctx.close()

            # 2. the street accepts and dispatches it from the board
            ctx = browser.new_context(**PHONE)
            page = ctx.new_page()
            _login(page, base, "jiedao")
            page.goto(f"{base}/cases/board/")
            card = page.locator(f"[data-case='{number}']")
            expect(card).to_contain_text("环境卫生 / 垃圾堆放")
            _shot(page, "04-board-reported")
            card.get_by_role("button", name="立案").click()
            expect(page.locator(".alert-success")).to_contain_text("已办理“立案”")
            page.get_by_test_id("board-tabs").get_by_role("link", name="待派遣").click()
            card = page.locator(f"[data-case='{number}']")
            card.locator("select").select_option(label="甘州区城市管理局")
            _shot(page, "05-board-dispatch")
            card.get_by_role("button", name="派遣").click()
            expect(page.locator(".alert-success")).to_contain_text("现为“已派遣”")
            ctx.close()

            # 3. the department handles it, with a photo from the album
            ctx = browser.new_context(**PHONE)
            page = ctx.new_page()
            _login(page, base, "chengguan")
            page.goto(f"{base}/cases/")
            expect(page.get_by_test_id("queue")).to_contain_text(number)
            _shot(page, "06-dept-queue")
            page.get_by_test_id("queue").get_by_text(number).click()
            form = page.get_by_test_id("form-handle")  # the only primary action: open already
            expect(form).to_be_visible()
            form.get_by_label("处置情况").fill("已协调环卫清运，现场已清理干净")
            form.get_by_test_id("album-input").first.set_input_files(data["photos"]["done"])
            expect(form.locator(".photo-item")).to_have_count(1)
            _shot(page, "07-dept-handle")
            form.get_by_role("button", name="确认处置反馈").click()
            expect(page.get_by_test_id("state")).to_have_text("已处置")
            ctx.close()

            # 4. the grid member verifies on site
            ctx = browser.new_context(**PHONE)
            page = ctx.new_page()
            _login(page, base, "wanggeyuan")
            page.goto(f"{base}/cases/")
            expect(page.get_by_test_id("queue")).to_contain_text(number)
            page.get_by_test_id("queue").get_by_text(number).click()
            expect(page.get_by_test_id("last-step")).to_contain_text("已协调环卫清运")
            expect(page.get_by_test_id("last-step").locator("img")).to_have_count(1)
            _shot(page, "08-verify")
            page.get_by_test_id("form-verify").get_by_role("button", name="确认核查通过").click()
            expect(page.get_by_test_id("state")).to_have_text("已核查")
            ctx.close()

            # 5. the street closes it
            ctx = browser.new_context(**PHONE)
            page = ctx.new_page()
            _login(page, base, "jiedao")
            page.goto(f"{base}/cases/board/?state=verified")
            page.locator(f"[data-case='{number}']").get_by_role("button", name="结案").click()
            expect(page.locator(".alert-success")).to_contain_text("现为“已结案”")
            page.goto(f"{base}/cases/{number}/")
            expect(page.get_by_test_id("state")).to_have_text("已结案")
            expect(page.get_by_test_id("timeline").locator("li")).to_have_count(6)
            _shot(page, "09-closed")
            page.goto(f"{base}/cases/counts/")
            _shot(page, "10-counts")
            ctx.close()
        except Exception:
            for ctx_ in browser.contexts:
                for pg in ctx_.pages:
                    (SHOTS / "cases-failure.html").write_text(pg.url + "\n" + pg.content())
                    pg.screenshot(path=str(SHOTS / "cases-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    # ORM checks outside the Playwright block (its greenlet has its own connection).
    case = Case.objects.get(number=number)
    assert Case.objects.count() == 1  # the double tap opened one case
    assert case.state == "closed" and not case.is_open and case.department == data["dept"]
    assert str(case.lat) == "38.932512" and str(case.lon) == "100.451234"
    assert [e.action for e in CaseEvent.objects.filter(case=case).order_by("seq")] == [
        "open", "accept", "dispatch", "handle", "verify", "close"]
    photos = list(Attachment.objects.filter(case=case).order_by("id"))
    assert len(photos) == 2
    # the 3000×2000 phone photo was shrunk to 2048 px on the phone before upload
    assert max(photos[0].width, photos[0].height) == 2048
