"""Browser test (Playwright driving Debian's Chromium) of a purchased-service project:
an organization's staff member submits a proposal with its budget lines; the county
finds it eligible and opens the review; two panel members score it (the score is
computed: weights 20/30/20/15/15, sheets 80/90/70/60/100 → 81 and 70/80/80/80/70 → 76.5,
mean 78.75); the county posts the notice (5 working days, published two weeks ago) and
signs the contract (180,000.00 yuan at 30/40/30); the staff member reports on the first
milestone; the county confirms it and releases the first instalment, 54,000.00 yuan
(180,000 × 30 %), and a second release of it is refused.

Set-up through the services; everything else through the pages. Screenshots go to
/tmp/obrowser-*.png."""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]
PASSWORD = "Browser-pass-2026"
SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp"))  # CI: one per run


def _setup():
    from jiayuan.organizations.models import OrganizationMember, SocialOrganization
    from jiayuan.organizations.rules import uscc_check_character
    from jiayuan.organizations.services import projects as ps

    call_command("load_divisions", prefix="620702", verbosity=0)

    def user(username, role, scope, name):
        u = User(username=username, role=role, scope_id=scope, full_name=name)
        u.set_password(PASSWORD)
        u.save()
        return u

    county = user("gzb", "county_officer", "620702", "甘州区民政局干部")
    staff = user("sz", "org_staff", "620702", "颐康中心项目主管")
    user("zj1", "township_officer", "620702001", "评审专家甲")
    user("zj2", "department_staff", "620702", "评审专家乙")
    code = "52620702MJ0009009"
    org = SocialOrganization.objects.create(name="甘州区颐康居家养老服务中心", kind="social_service_institution",
                                            uscc=code + uscc_check_character(code), region_id="620702")
    OrganizationMember.objects.create(organization=org, user=staff, position="项目主管")
    today = timezone.localdate()
    call = ps.create_call(Actor(county, "command"), title="甘州区三社联动项目", region="620702", purchaser="甘州区民政局",
                          budget="500000", opens_on=today - timedelta(days=30), deadline=today + timedelta(days=5))
    for name in ("zj1", "zj2"):
        ps.add_panel_member(Actor(county, "command"), call, User.objects.get(username=name))
    return call, org


def _login(browser, base, username):
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_a_proposal_from_submission_to_the_first_instalment(live_server, transactional_db, audit_log_flushable,
                                                            settings):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.organizations.models import InstalmentPayment, Proposal

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call, org = _setup()
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = None
        try:
            # the organization's staff: from the to-do list to the proposal
            page = _login(browser, base, "sz")
            page.goto(f"{base}/todo/")
            page.get_by_role("link", name=call.title).first.click()
            page.get_by_test_id("propose").click()
            page.get_by_label("项目名称").fill("困境老人居家关爱服务项目")
            page.get_by_label("需求分析").fill("辖区独居老人 120 人缺少日常照料")
            page.get_by_label("服务内容与活动").fill("入户探访、助餐、健康讲座")
            page.get_by_label("产出指标").fill("探访 1,440 人次")
            page.get_by_label("成效指标").fill("满意度 90% 以上")
            for field, amount in (("budget_staff", "120000"), ("budget_supervision", "12000"),
                                  ("budget_activities", "38000"), ("budget_administration", "6000"),
                                  ("budget_tax", "4000")):
                page.fill(f"input[name={field}]", amount)
            page.get_by_test_id("submit-proposal").click()
            expect(page.get_by_test_id("proposal-status")).to_have_text("已提交")
            proposal = Proposal.objects.get(organization=org)
            assert proposal.amount == Decimal("180000.00")
            page.context.close()

            # the county: eligible, then the review opens
            page = _login(browser, base, "gzb")
            page.goto(f"{base}/organizations/proposals/{proposal.pk}/")
            page.get_by_test_id("eligible").click()
            expect(page.get_by_test_id("proposal-status")).to_have_text("待评审")
            # the deadline passes (20 days ago): only then is the review offered
            from jiayuan.organizations.models import ProjectCall

            ProjectCall.objects.filter(pk=call.pk).update(deadline=timezone.localdate() - timedelta(days=20))
            page.goto(f"{base}/organizations/calls/{call.pk}/")
            page.get_by_test_id("start-review").click()
            expect(page.get_by_test_id("call-status")).to_have_text("评审中")
            page.context.close()

            # the panel: each expert scores from the to-do list
            for expert, points in (("zj1", ("80", "90", "70", "60", "100")), ("zj2", ("70", "80", "80", "80", "70"))):
                page = _login(browser, base, expert)
                page.goto(f"{base}/todo/")
                page.get_by_role("link", name="困境老人居家关爱服务项目").first.click()
                for code, value in zip(("needs", "design", "indicators", "budget", "capacity"), points):
                    page.fill(f"input[name={code}]", value)
                page.get_by_test_id("save-score").click()
                expect(page.locator(".alert-success")).to_be_visible()
                page.context.close()

            # the county: score 78.75, notice two weeks ago, contract at the proposal's amount
            page = _login(browser, base, "gzb")
            page.goto(f"{base}/organizations/calls/{call.pk}/")
            expect(page.get_by_test_id("score")).to_have_text("78.75")
            page.get_by_test_id("select").check()
            page.fill("input[name=published_on]", (timezone.localdate() - timedelta(days=14)).isoformat())
            page.get_by_test_id("publish-notice").click()
            # five working days from the day after, two weeks ago: the notice period is over
            expect(page.get_by_test_id("call-status")).to_have_text("公示期满，待签约")
            page.goto(f"{base}/organizations/proposals/{proposal.pk}/")
            page.get_by_test_id("contract").click()
            page.get_by_label("合同编号").fill("GZMZ-2026-SSLD-001")
            page.get_by_label("立项文号").fill("甘区民发〔2026〕32号")
            page.get_by_test_id("sign").click()
            expect(page.get_by_test_id("instalments")).to_contain_text("54,000.00")
            project_url = page.url
            page.context.close()

            # the staff member reports on the first milestone
            page = _login(browser, base, "sz")
            page.goto(project_url)
            page.get_by_label("报告期").fill("第一阶段")
            page.get_by_label("对应节点").select_option(label="启动与需求评估")
            page.get_by_label("报告内容").fill("完成 126 户需求评估，建立服务对象档案")
            page.get_by_test_id("submit-report").click()
            expect(page.locator(".alert-success")).to_be_visible()
            page.context.close()

            # the county confirms the milestone and releases the first instalment
            page = _login(browser, base, "gzb")
            page.goto(project_url)
            asked = []   # the two irreversible steps ask first (data-confirm); the county says yes
            page.on("dialog", lambda d: (asked.append(d.message), d.accept()))
            page.get_by_test_id("accept-1").click()
            page.get_by_label("拨付依据文号").fill("甘区民发〔2026〕41号")
            page.get_by_test_id("release-1").click()
            expect(page.get_by_test_id("paid-1")).to_have_text("54,000.00")
            assert len(asked) == 2 and "不能撤回" in asked[0] and "拨付第 1 期资金" in asked[1], asked
            expect(page.get_by_test_id("paid")).to_have_text("54,000.00")
            page.screenshot(path=str(SHOTS / "obrowser-paid.png"), full_page=True)
            pay = InstalmentPayment.objects.get()
            assert pay.amount == Decimal("54000.00") and pay.decision_ref == "甘区民发〔2026〕41号"
            assert "合同金额的 30%" in pay.basis["clause"]
            assert page.get_by_test_id("release-1").count() == 0   # nothing left to pay on that instalment
        except Exception:
            if page is not None and not page.is_closed():
                page.screenshot(path=str(SHOTS / "obrowser-failure.png"), full_page=True)
                (SHOTS / "obrowser-failure.html").write_text(page.content())
            raise
        finally:
            browser.close()
