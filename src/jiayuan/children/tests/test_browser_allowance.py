"""Browser test (Playwright driving Debian's Chromium): a county civil-affairs worker opens a
child's file (事实无人抚养: father deceased, mother seriously ill), goes to its allowances,
enrols the child in 事实无人抚养儿童基本生活补贴 from February 2026 with 560.00 of 低保 a month,
and sees 1,100.00 − 560.00 = 540.00 a month on the allowance page and on the file.

Screenshots go to /tmp/jiayuan-shots/children-allowance-*.png. Transactional database.
"""

import datetime
import os

import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.conftest import launch_chromium, make_id_number

from .test_browser import PASSWORD, SHOTS

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

COMMUNITY = "620702001001"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}

pytestmark = [pytest.mark.browser]


def _setup():
    from jiayuan.assistance.services.parameters import set_parameters
    from jiayuan.children import services
    from jiayuan.people.services import create_person

    call_command("load_divisions", prefix="620702", verbosity=0)
    admin = User.objects.create_superuser("root", password=PASSWORD)
    county = User(username="minzheng", role="county_officer", scope_id="620702", full_name="甘州区民政局")
    county.set_password(PASSWORD)
    county.save()
    set_parameters(Actor(admin, "command"), "de_facto_unsupported_allowance", "6207", "2025-01-01",
                   {"standard": "1100.00", "full_with_assistance": False})
    kid = create_person(Actor(admin, "command"), {"name": "赵小雨", "region": COMMUNITY,
                                                  "id_number": make_id_number(datetime.date(2015, 9, 9), 2)})
    return services.open_file(Actor(county, "page"), kid.pk, {"parents": {
        "father": {"name": "赵某", "deceased": True}, "mother": {"name": "钱某", "seriously_ill": True}}},
        on=datetime.date(2026, 1, 10))


def test_county_enrols_a_child_in_the_allowance_from_the_file(live_server, transactional_db, audit_log_flushable,
                                                               settings):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.assistance.models import Enrollment

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    f = _setup()
    assert "de_facto_unsupported" in f.categories
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(**DESKTOP).new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "minzheng")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/children/{f.pk}/")
            expect(page.get_by_test_id("allowances")).to_contain_text("未享受")
            page.get_by_test_id("allowances-link").click()
            page.wait_for_url(f"{base}/children/{f.pk}/allowances/")
            form = page.get_by_test_id("enrol-form")
            form.locator("[name=program]").select_option("de_facto_unsupported_allowance")
            form.locator("[name=start_month]").fill("2026-02")
            form.locator("[name=assistance_amount]").fill("560.00")
            page.screenshot(path=str(SHOTS / "children-allowance-01-form.png"), full_page=True)
            form.get_by_role("button", name="纳入").click()
            page.wait_for_load_state()
            card = page.get_by_test_id("allowance-de_facto_unsupported_allowance")
            expect(card.get_by_test_id("allowance-amount")).to_have_text("540.00")
            expect(card.get_by_test_id("allowance-status")).to_have_text("享受中")
            expect(page.get_by_test_id("allowance-no-longer-holds")).to_have_count(0)
            page.screenshot(path=str(SHOTS / "children-allowance-02-enrolled.png"), full_page=True)
            page.goto(f"{base}/children/{f.pk}/")
            expect(page.get_by_test_id("allowances")).to_contain_text("事实无人抚养儿童基本生活补贴")
            expect(page.get_by_test_id("allowances")).to_contain_text("540.00")
            page.get_by_test_id("allowances").screenshot(path=str(SHOTS / "children-allowance-03-file.png"))
        finally:
            browser.close()
    e = Enrollment.objects.get(person=f.person)
    assert (str(e.amount), e.start_month) == ("540.00", datetime.date(2026, 2, 1))
