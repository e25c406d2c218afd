"""Browser test (Playwright driving Debian's Chromium) at a phone's viewport (390×844): a
儿童主任 finds the overdue visit in the to-do, records the visit with a photo on the phone
form and re-grades the child to green; the file shows the new grade, the photo and the next
due date a quarter later, and the overdue list no longer has the child. Then the director
refers the child to 12355 from the file, records on the case page that the line took it
and closes it with the outcome, which the file shows.

Screenshots go to /tmp/jiayuan-shots/children-*.png. Transactional database (the tables
are flushed after the test): it loads the divisions and creates what it needs.
"""

import datetime
import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.conftest import launch_chromium, make_id_number

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
PASSWORD = "Browser-pass-2026"
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}

pytestmark = [pytest.mark.browser]


def _setup(tmp_path):
    from PIL import Image

    from jiayuan.children import services
    from jiayuan.people.services import create_person

    call_command("load_divisions", prefix="620702", verbosity=0)
    admin = User.objects.create_superuser("root", password=PASSWORD)
    director = User(username="ertong", role="community_worker", scope_id=COMMUNITY, full_name="交通巷儿童主任")
    director.set_password(PASSWORD)
    director.save()
    services.appoint(Actor(admin, "command"), "children_director", COMMUNITY, director.pk, datetime.date(2025, 1, 1))
    kid = create_person(Actor(admin, "command"), {"name": "李小花", "region": COMMUNITY,
                                                  "id_number": make_id_number(datetime.date(2016, 4, 2), 2)})
    f = services.open_file(Actor(director, "page"), kid.pk, {"parents": {
        "father": {"name": "李大山", "working_away": True}, "mother": {"name": "王春梅", "working_away": True}}},
        on=datetime.date(2026, 1, 10))
    buf = io.BytesIO()
    Image.new("RGB", (1600, 1200), (90, 140, 200)).save(buf, "JPEG", quality=90)
    photo = tmp_path / "visit.jpg"
    photo.write_bytes(buf.getvalue())
    return f, str(photo)


def test_a_director_records_a_visit_with_a_photo_on_a_phone(live_server, transactional_db, audit_log_flushable,
                                                             settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.children import rules, selectors

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    f, photo = _setup(tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    today = selectors.today()
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(**PHONE).new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "ertong")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/todo/")
            page.get_by_role("link", name="李小花").first.click()
            page.wait_for_url(f"{base}/children/{f.pk}/visit/")
            page.fill("#id_place", "家中")
            page.fill("#id_findings", "祖母照料良好，与父母每周视频通话")
            page.get_by_label("绿色（健康）").check()
            page.fill("#id_reason", "监护到位，学习正常")
            page.set_input_files("#id_photos", photo)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            page.screenshot(path=str(SHOTS / "children-01-visit-form.png"), full_page=True)
            page.get_by_role("button", name="保存探访记录").click()
            page.wait_for_load_state()
            if not page.url.endswith(f"/children/{f.pk}/"):
                page.screenshot(path=str(SHOTS / "children-err.png"), full_page=True)
                raise AssertionError(page.url + " " + page.get_by_test_id("visit-form").inner_text())
            due = rules.add_months(today, 3)
            expect(page.get_by_test_id("risk")).to_have_text("绿色（健康）")
            expect(page.get_by_test_id("next-due")).to_have_text(due.isoformat())
            expect(page.get_by_test_id("visit-photos").locator("img")).to_have_count(1)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            page.screenshot(path=str(SHOTS / "children-02-file.png"), full_page=True)
            page.goto(f"{base}/children/?overdue=on")
            expect(page.get_by_test_id("file-table")).not_to_contain_text("李小花")

            # a referral to 12355: opened from the file, taken and closed on its case page,
            # the outcome back on the file
            page.goto(f"{base}/children/{f.pk}/")
            form = page.get_by_test_id("referral-form")
            form.locator("[name=agency]").select_option("hotline_12355")
            form.locator("[name=reason]").fill("近期情绪低落，需要心理疏导")
            form.get_by_role("button", name="转介").click()
            page.wait_for_url(re.compile(r".*/cases/\d{12}-\d{8}-\d+/$"))
            expect(page.get_by_test_id("state")).to_have_text("已转介")

            def act(action, button, fill):
                form = page.get_by_test_id(f"form-{action}")
                if not form.is_visible():
                    page.locator(f'[data-action="{action}"] .card-header button').click()
                    expect(form).to_be_visible()
                fill(form)
                form.get_by_role("button", name=button).click()
                page.wait_for_load_state()

            act("accept", "确认接收单位已接收", lambda fm: fm.locator("[name$=contact]").fill("12355 李老师"))
            expect(page.get_by_test_id("state")).to_have_text("接收单位处理中")

            def close(fm):
                fm.locator("[name$=outcome]").select_option("resolved")
                fm.locator("[name$=comment]").fill("已完成三次心理辅导，情绪稳定")

            act("close", "确认办结", close)
            expect(page.get_by_test_id("state")).to_have_text("已办结")
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            page.screenshot(path=str(SHOTS / "children-03-referral.png"), full_page=True)
            page.goto(f"{base}/children/{f.pk}/")
            expect(page.get_by_test_id("referrals")).to_contain_text("已完成三次心理辅导，情绪稳定")
            expect(page.get_by_test_id("referrals")).to_contain_text("已办结")
        finally:
            browser.close()
