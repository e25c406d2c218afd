"""Browser flow: the street officer records a community's facility from the menu, adds a
room, and reads the street's coverage (Chromium, no console error, CSP intact)."""

import os

import pytest

from jiayuan.accounts.models import User
from jiayuan.people.models import Household

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]
PASSWORD = "Fac-pass-2026"


def test_street_officer_records_a_facility_and_reads_the_coverage(live_server, transactional_db,
                                                                   audit_log_flushable, settings):
    from playwright.sync_api import sync_playwright

    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # a transactional test runs after others have flushed the tables: the divisions first
    call_command("load_divisions", prefix="620702", verbosity=0)
    User.objects.create_user("jiedao", password=PASSWORD, role="township_officer", scope_id="620702001",
                             full_name="街道干部")
    Household.objects.bulk_create([Household(number=f"H{i}", community_id="620702001001", region_id="620702001001")
                                   for i in range(4)])
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_server.url}/login/")
            page.fill("#id_username", "jiedao")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            page.get_by_role("button", name="社区建设").click()
            page.get_by_role("link", name="综合服务设施").click()
            page.get_by_test_id("new-link").click()
            page.fill("#id_name", "交通巷社区党群服务中心")
            page.select_option("#id_region", "620702001001")
            page.fill("#id_address", "甘州区交通巷1号")
            page.fill("#id_floor_area", "400")
            page.fill("#id_opening_hours", "周一至周日 8:30—18:00")
            page.click("main form[data-once] button[type=submit]")
            page.wait_for_selector("[data-testid=floor-area]")
            assert page.inner_text("[data-testid=floor-area]") == "400.00"
            page.fill("#id_name", "日间照料室")
            page.select_option("#id_function", "elderly_care")
            page.fill("#id_floor_area", "120")
            page.click("text=添加功能室")
            page.wait_for_selector("[data-testid=room-table] >> text=日间照料室")
            page.goto(f"{live_server.url}/facilities/coverage/")
            # 1 of 东街街道's 5 communities: 20.0 %; 400 m² for 4 households: 10000.00 m² per 100
            assert page.inner_text("[data-testid=urban-coverage]") == "20.0%"
            assert page.inner_text("[data-testid=urban-per-100]") == "10000.00"
            assert errors == []
        finally:
            browser.close()
