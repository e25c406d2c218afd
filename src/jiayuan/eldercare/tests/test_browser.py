"""Browser test (Playwright, Debian's Chromium): a community worker starts an assessment
from the elder's person page, fills the form of GB/T 42195-2022 and watches the result card score live (htmx → the same
rule as the API), then saves it.

Worked by hand: every item at its maximum (90) except the eight 自理能力 items at 2
(−16) and 上下楼梯 at 1 (−2): 72 → 轻度失能 (66–89); with diagnosis F03 (dementia) one
level worse → 中度失能. Screenshots: /tmp/ebrowser-*.png.
"""

import datetime
import os

import pytest

from jiayuan.accounts.models import User

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import GRID, launch_chromium, make_id_number  # noqa: E402

pytestmark = [pytest.mark.browser]
PASSWORD = "Browser-pass-2026"
SELF_CARE = ("eating", "grooming", "bathing", "dressing_upper", "dressing_lower", "urine_control", "bowel_control",
             "toileting")


def test_the_assessment_form_scores_live(live_server, transactional_db, audit_log_flushable, settings):
    from django.core.management import call_command
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.audit.services import Actor
    from jiayuan.eldercare import rules
    from jiayuan.eldercare.models import CapacityAssessment
    from jiayuan.people.services import create_person
    from jiayuan.regions.models import Region

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_divisions", prefix="620702", verbosity=0)
    Region.objects.get_or_create(code=GRID, defaults={"name": "第一网格", "level": "grid", "parent_id": GRID[:12]})
    for username, role, scope, name in (("shequ", "community_worker", "620702001001", "李社工"),
                                        ("dongjie", "township_officer", "620702001", "王干部")):
        u = User(username=username, role=role, scope_id=scope, full_name=name)
        u.set_password(PASSWORD)
        u.save()
    admin = User.objects.create(username="root", is_superuser=True)
    elder = create_person(Actor(admin, "command"), {"name": "马桂英", "region": GRID,
                                                    "id_number": make_id_number(datetime.date(1943, 5, 6), 2)})
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "shequ")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.goto(f"{base}/persons/{elder.pk}/")
            section = page.get_by_test_id("eldercare-section")
            expect(section).to_contain_text("尚未评估")
            section.get_by_role("link", name="新建评估").click()
            page.wait_for_url(f"{base}/eldercare/assessments/new/?person={elder.pk}")
            page.select_option("#id_assessor_2", str(User.objects.get(username="dongjie").pk))
            score = page.get_by_test_id("live-score")
            for item in rules.ITEMS:  # everything at its maximum first
                page.select_option(f"#id_item_{item.code}", str(item.max))
            expect(page.get_by_test_id("score-total")).to_have_text("90")
            expect(page.get_by_test_id("score-level")).to_have_text("能力完好")
            for code in SELF_CARE:
                page.select_option(f"#id_item_{code}", "2")
            page.select_option("#id_item_stairs", "1")
            expect(page.get_by_test_id("score-total")).to_have_text("72")
            expect(page.get_by_test_id("score-level")).to_have_text("轻度失能")
            page.fill("#id_diagnoses", "F03")
            page.locator("#id_note").click()  # leave the field: change → the score again
            expect(page.get_by_test_id("score-level")).to_have_text("中度失能")
            expect(score).to_contain_text("确诊痴呆或精神障碍：降一级")
            page.screenshot(path="/tmp/ebrowser-form.png", full_page=True)
            page.get_by_test_id("submit").click()
            page.wait_for_url(f"{base}/eldercare/assessments/*/")
            expect(page.get_by_test_id("level")).to_have_text("中度失能")
            a = CapacityAssessment.objects.get()
            assert (a.total, a.initial_level, a.level) == (72, "mild", "moderate")
        except Exception:
            page.screenshot(path="/tmp/ebrowser-failure.png", full_page=True)
            raise
        finally:
            browser.close()
