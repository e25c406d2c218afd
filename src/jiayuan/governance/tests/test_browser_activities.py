"""Browser tests (Playwright driving Debian's Chromium): the street scores the last
community of a round (a score out of range refused with its message first), publishes
the results and reads the ranking; a community worker records an activity, names two
participants with the shared person picker and uploads a photo (a file that is not an
image refused first). Screenshots go to /tmp/jiayuan-shots/governance-*.png."""

import io
import os
from datetime import date, timedelta
from decimal import Decimal

import pytest

from jiayuan.audit.services import Actor
from jiayuan.regions.models import Region

from .test_browser import COMMUNITY, SHOTS, _login, _user, setup  # noqa: F401 (the fixture)

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]
STREET = "620702001"


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(buf, "PNG")
    return buf.getvalue()


def test_the_street_scores_the_last_community_and_publishes(setup):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.governance.evaluation import selectors, services
    from jiayuan.governance.models import EvaluationRound

    base = setup
    officer = _user("kaohe", "township_officer", STREET, "东街街道 考核员")
    a = Actor(officer, "command")
    today = date.today()
    rnd = services.create_round(a, Region.objects.get(code=STREET), title="东街街道社区综合考核（浏览器测试）",
                                start=today.replace(month=1, day=1), end=today,
                                items=[("社区治理实绩", Decimal(60), "scored"),
                                       ("居民信息入户率", Decimal(40), "registry_households")])
    rnd = services.open_scoring(a, rnd)
    item = selectors.items_of(rnd)[0]
    communities = list(selectors.communities_of(rnd))
    last = next(c for c in communities if c.code == COMMUNITY)
    for c in communities:
        if c.code != COMMUNITY:
            services.score(a, rnd, item, c, value=Decimal(70), comment="按台账评定")
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            _login(page, base, "kaohe")
            page.goto(f"{base}/todo/")
            page.get_by_role("link", name="东街街道社区综合考核（浏览器测试）").first.click()
            expect(page.get_by_role("button", name="公布结果")).to_be_disabled()   # one score missing
            page.select_option("#id_item", str(item.pk))
            page.select_option("#id_community", COMMUNITY)
            page.fill("#id_score", "120")
            page.fill("#id_comment", "议事协商规范，台账齐全")
            page.get_by_role("button", name="保存得分").click()
            expect(page.locator("[data-field-error=score], .invalid-feedback").first).to_contain_text("0 至 100")
            page.fill("#id_score", "95")
            page.get_by_role("button", name="保存得分").click()
            expect(page.get_by_role("button", name="公布结果")).to_be_enabled()
            page.get_by_role("button", name="公布结果").click()
            results = page.get_by_test_id("results")
            first = results.locator("tbody tr").first
            # 交通巷社区: 60 × 95 % + 40 × 100 % (no residents) = 97; the others 42 + 40 = 82
            expect(first).to_contain_text(last.name)
            expect(first).to_contain_text("97.00")
            expect(first.locator("td").first).to_have_text("1")
            expect(results.locator("tbody tr").nth(1).locator("td").first).to_have_text("2")
            expect(page.get_by_text("已公布").first).to_be_visible()
            page.screenshot(path=str(SHOTS / "governance-evaluation-published.png"), full_page=True)
            # the basis of a computed score opens the rows behind it
            first.get_by_role("link", name="100.00").click()
            expect(page.get_by_test_id("metric-rows")).to_contain_text("没有记录")
        finally:
            browser.close()
    assert EvaluationRound.objects.get(pk=rnd.pk).state == "published"


def test_a_worker_records_an_activity_with_participants_and_a_photo(setup, settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.conftest import make_id_number
    from jiayuan.governance.activities.services import load_activity_kinds
    from jiayuan.governance.models import Activity
    from jiayuan.people.services import create_person

    settings.MEDIA_ROOT = tmp_path / "media"
    base = setup
    load_activity_kinds()
    worker = _user("huodong", "community_worker", COMMUNITY, "交通巷 社区工作者")
    for name in ("钱多多", "钱少少", "孙参加"):
        create_person(Actor(worker, "command"), {"name": name, "id_number": make_id_number(), "region": COMMUNITY})
    held = date.today() - timedelta(days=1)
    bad = tmp_path / "not-a-photo.png"
    bad.write_bytes(b"this is not an image")
    good = tmp_path / "lecture.png"
    good.write_bytes(_png())
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            _login(page, base, "huodong")
            page.goto(f"{base}/governance/activities/")
            form = page.locator("section.card", has_text="登记活动")   # the filter above has its own region
            form.locator("#id_region").select_option(COMMUNITY)
            form.locator("#id_kind").select_option("moral_lecture")
            form.locator("#id_held_on").fill(held.isoformat())
            form.locator("#id_title").fill("道德讲堂：孝老爱亲")
            form.locator("#id_organizer_name").fill("交通巷社区居民委员会")
            form.locator("#id_speakers").fill("张老师")
            form.locator("#id_participant_count").fill("1")
            form.get_by_role("button", name="登记", exact=True).click()
            expect(page.get_by_role("heading", name="道德讲堂：孝老爱亲")).to_be_visible()
            expect(page.get_by_test_id("activity")).to_contain_text("张老师")
            # two residents from the registry through the shared picker
            page.fill("#persons-search", "钱")
            results = page.get_by_test_id("picker-results")
            expect(results).to_contain_text("钱多多")
            results.locator("li", has_text="钱多多").get_by_role("button", name="添加").click()
            expect(page.get_by_test_id("persons-chosen")).to_contain_text("钱多多")
            page.fill("#persons-search", "钱少")   # a pick clears the search
            results.locator("li", has_text="钱少少").get_by_role("button", name="添加").click()
            expect(page.get_by_test_id("persons-chosen")).to_contain_text("钱少少")
            page.get_by_role("button", name="保存参加居民").click()
            expect(page.get_by_test_id("participants")).to_contain_text("钱多多")
            expect(page.get_by_test_id("participants")).to_contain_text("钱少少")
            expect(page.get_by_test_id("participant-count")).to_have_text("2")   # the count follows the named
            # a file that is not an image is refused and nothing is stored
            page.set_input_files("#id_photos", str(bad))
            page.get_by_role("button", name="上传", exact=True).click()
            expect(page.locator("[data-field-error=photos]")).to_contain_text("JPEG、PNG 或 WebP")
            page.set_input_files("#id_photos", str(good))
            page.get_by_role("button", name="上传", exact=True).click()
            img = page.get_by_test_id("photos").locator("img")
            expect(img).to_have_count(1)
            expect(img).to_have_js_property("naturalWidth", 64)   # the stored photo is served to the page
            page.screenshot(path=str(SHOTS / "governance-activity.png"), full_page=True)
        finally:
            browser.close()
    a = Activity.objects.get()
    assert sorted(a.participants.values_list("name", flat=True)) == ["钱多多", "钱少少"]
    assert (a.participant_count, a.photos.count()) == (2, 1)
