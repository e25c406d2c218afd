"""Browser tests (Playwright driving Debian's Chromium): a mediator records a dispute
from its registration to an agreement and prints the 调解协议书; a street officer
refuses a department's off-list request with the reason. Screenshots go to
/tmp/jiayuan-shots/governance-*.png."""

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.regions.models import Region

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
PASSWORD = "Browser-pass-2026"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]


def _user(username, role, scope, name):
    u = User(username=username, role=role, scope_id=scope, full_name=name)
    u.set_password(PASSWORD)
    u.save()
    return u


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def setup(live_server, transactional_db, audit_log_flushable, settings):
    from jiayuan.cases.services import sync_case_types
    from jiayuan.servicecenter.services import load_catalogs

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_divisions", prefix="620702", verbosity=0)
    load_catalogs(Actor(None, "command"))
    sync_case_types()
    SHOTS.mkdir(parents=True, exist_ok=True)
    return live_server.url


def test_a_mediator_records_a_case_to_an_agreement_and_prints_it(setup):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.governance.mediation import services as med

    base = setup
    mediator = _user("tiaojie", "community_worker", COMMUNITY, "王调解")
    a = Actor(mediator, "command")
    body = med.create_committee(a, Region.objects.get(code=COMMUNITY), name="交通巷社区人民调解委员会")
    med.add_member(a, body, name="王调解", role="chair", user=mediator)
    med.add_member(a, body, name="赵委员", role="member")
    med.add_member(a, body, name="钱委员", role="mediator")
    signed = date.today() - timedelta(days=1)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            _login(page, base, "tiaojie")
            page.locator("#mainnav").get_by_role("button", name="基层治理").click()
            page.locator("#mainnav").get_by_role("link", name="人民调解").click()
            page.get_by_test_id("open-link").click()
            page.select_option("#id_region", COMMUNITY)
            page.select_option("#id_category", "neighbour")
            page.fill("#id_p0_name", "张大山")
            page.fill("#id_p0_phone", "13800000001")
            page.fill("#id_p1_name", "李小河")
            page.fill("#id_facts", "楼上卫生间漏水，楼下天花板受损，双方争执。")
            page.get_by_role("button", name="受理登记").click()
            expect(page.get_by_test_id("state")).to_have_text("已受理登记")
            page.get_by_label("王调解（主任）").check()
            page.get_by_label("钱委员（调解员）").check()
            page.get_by_role("button", name="指派并开始调解").click()
            expect(page.get_by_test_id("state")).to_have_text("调解中")
            form = page.get_by_test_id("session-form")
            form.locator("#id_held_on").fill(signed.isoformat())
            form.locator("#id_record").fill("双方到场陈述，调解员现场查看，释法说理。")
            form.get_by_role("button", name="记录调解过程").click()
            form = page.get_by_test_id("agreement-form")
            form.locator("#id_facts_and_issues").fill("楼上卫生间防水层老化漏水，致楼下天花板受损。")
            form.locator("#id_terms").fill("张大山于十日内修复防水层，并赔偿李小河天花板修缮费800元。")
            form.locator("#id_performance_manner").fill("修复后现金一次性支付")
            form.locator("#id_performance_deadline").fill((signed + timedelta(days=10)).isoformat())
            form.locator("#id_signed_on").fill(signed.isoformat())
            form.get_by_role("button", name="记录协议").click()
            expect(page.get_by_test_id("state")).to_have_text("已达成协议")
            expect(page.get_by_test_id("court-deadline")).to_contain_text("共同向人民法院申请司法确认")
            page.get_by_test_id("print-link").click()
            paper = page.get_by_test_id("agreement-paper")
            expect(paper).to_contain_text("人民调解协议书")
            expect(paper).to_contain_text("申请人：张大山")
            expect(paper).to_contain_text("赔偿李小河天花板修缮费800元")
            expect(page.get_by_test_id("agreement-seal")).to_contain_text("交通巷社区人民调解委员会")
            page.screenshot(path=str(SHOTS / "governance-agreement.png"), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(SHOTS / "governance-agreement-print.png"), full_page=True)
        finally:
            browser.close()


def test_a_street_officer_refuses_a_departments_request_with_a_reason(setup):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.cases.models import Department, DepartmentMember
    from jiayuan.servicecenter import services as sc
    from jiayuan.servicecenter.models import CommunityTask

    base = setup
    _user("jiedao", "township_officer", "620702001", "东街街道 李干部")
    dept_user = _user("wenlv", "department_staff", "620702", "文旅局 张干事")
    d = Department.objects.create(code="wl", name="甘州区文体广电和旅游局", region_id="620702")
    DepartmentMember.objects.create(department=d, user=dept_user)
    task = sc.assign_community_task(Actor(dept_user, "page"), Region.objects.get(code=COMMUNITY),
                                    title="旅游满意度入户问卷（每户一份，社区收集）", kind="report", occurs_on=date.today())
    assert task.status == "pending"
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            _login(page, base, "jiedao")
            page.goto(f"{base}/todo/")
            page.get_by_role("link", name="旅游满意度入户问卷（每户一份，社区收集）").first.click()
            expect(page.get_by_test_id("request-status")).to_have_text("清单外，待街道审批")
            page.get_by_test_id("reject").click()
            expect(page.get_by_test_id("decision-form")).to_contain_text("不予批准须写明理由")
            page.fill("#id_note", "不在准入清单内，问卷由部门自行组织，不得要求社区入户收集")
            page.get_by_test_id("reject").click()
            expect(page.get_by_test_id("request-status")).to_have_text("街道不予批准")
            expect(page.get_by_test_id("decision-note")).to_contain_text("不得要求社区入户收集")
            page.screenshot(path=str(SHOTS / "governance-request-refused.png"), full_page=True)
        finally:
            browser.close()
    task.refresh_from_db()
    assert task.status == CommunityTask.Status.REJECTED
