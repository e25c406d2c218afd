"""Browser: the street officer enrols participants of a training from the registry and
marks attendance, at 1366 px and on a 390 px phone. The new-user test found the picker
collapsed into a column one character wide that covered the "加入" button."""

import os
from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone

from jiayuan.audit.services import Actor
from jiayuan.conftest import PASSWORD, launch_chromium, make_id_number
from jiayuan.workforce import services
from jiayuan.workforce.models import TrainingParticipant

from .conftest import DONGJIE, GANQUAN, JIAOTONGXIANG

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
pytestmark = [pytest.mark.browser]
SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
NAMES = ["吕林欢", "许雅玲", "李燕雨", "文阳海", "苏军庆", "范雪淑", "徐海志", "周瑞欣"]


def test_the_street_picks_participants_and_marks_attendance(live_server, transactional_db, users, make_person,
                                                            audit_log_flushable):
    from playwright.sync_api import sync_playwright

    street = Actor(users["township"], "page")
    for i, name in enumerate(NAMES):
        person = make_person(region=JIAOTONGXIANG if i % 2 else GANQUAN, name=name,
                             id_number=make_id_number(date(1986, 1, i + 1), 2))
        services.register_worker(street, person, {"community": person.region_id, "post": "other", "grade": 3,
                                                  "grade_since": date(2019, 7, 1), "started_on": date(2016, 7, 1)})
    year = timezone.localdate().year
    s = services.create_session(street, {"title": "东街街道社会工作者继续教育专题班", "organizer": "东街街道办事处",
                                         "kind": "cadre_training", "region": DONGJIE, "starts_on": f"{year}-01-10",
                                         "ends_on": f"{year}-01-11", "hours": "16"})
    url = f"{live_server.url}/workforce/training/{s.pk}/"
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for width in (1366, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(f"{live_server.url}/login/")
                page.fill("#id_username", "township")
                page.fill("#id_password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{live_server.url}/")
                page.goto(url)
                first = page.get_by_label(f"{NAMES[0]} · 甘泉社区")
                shown = page.get_by_label(f"{NAMES[2]} · 甘泉社区")    # still to pick at either width
                label = page.locator(f"label[for='{shown.get_attribute('id')}']")
                box = label.bounding_box()
                # a name and its community on one line: wider than tall, not one character wide
                assert box["width"] > 80 and box["height"] < 40, box
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
                page.screenshot(path=str(SHOTS / f"workforce-training-picker-{width}.png"), full_page=True)
                if width == 1366:
                    first.check()
                    page.get_by_label(f"{NAMES[1]} · 交通巷社区").check()
                    page.get_by_role("button", name="加入").click()
                    page.wait_for_selector("[data-testid=participant-table] >> text=许雅玲")
                    page.locator("[data-testid=participant-table] tr", has_text=NAMES[0]).get_by_role(
                        "button", name="标记参训").click()
                    page.wait_for_selector("[data-testid=attendance-count] >> text=已参训 1 / 报名 2")
                page.close()
        finally:
            browser.close()
    assert sorted(TrainingParticipant.objects.values_list("worker__person__name", "attended")) == [
        (NAMES[0], True), (NAMES[1], False)]
