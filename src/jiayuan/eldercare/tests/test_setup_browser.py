"""Browser tests (Playwright, Debian's Chromium) of setting home care up and of the
signature confirmation.

1. The county signs a contract with a second provider (助洁 at 32.00 a hour), makes a
   member of that provider its care worker, and makes an elder's plan for next month
   under the new contract: 助洁 2 hours on the 5th and 12th = 2 × 2 × 32.00 = 128.00 of
   the 400.00 entitlement (first an over-the-entitlement try: 7 visits = 448.00, refused).
2. A care worker at phone width has the elder sign on the screen (drawn with the
   touch/mouse pointer) instead of typing the code; the order is done, confirmed by
   signature, and the county reads the signature on the order.

Screenshots: /tmp/esetup-*.png.
"""

import os
from datetime import timedelta
from decimal import Decimal

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import PASSWORD, launch_chromium  # noqa: E402

from .test_orders import world  # noqa: E402,F401  (fixture)
from .test_orders_browser import PHONE, _login  # noqa: E402

pytestmark = [pytest.mark.browser]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_contract_duty_and_plan_through_the_pages(media, live_server, world, users, audit_log_flushable):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.accounts.models import User
    from jiayuan.eldercare.models import CareDuty, CarePlan, ProviderContract
    from jiayuan.organizations.models import OrganizationMember, SocialOrganization

    org = SocialOrganization.objects.create(name="甘州区福寿养老服务有限公司", kind="social_service_institution",
                                            uscc="91620702MA0000002X", region_id="620702")
    zhao = User.objects.create_user(username="huli3", password=PASSWORD, role="org_staff", scope_id="620702",
                                    full_name="赵护理")
    OrganizationMember.objects.create(organization=org, user=zhao)
    nxt = (world["today"].replace(day=1) + timedelta(days=32)).replace(day=1)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = None
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            _login(page, base, "county", PASSWORD)
            page.goto(f"{base}/eldercare/settlements/")
            page.get_by_role("link", name="服务合同").first.click()
            page.wait_for_url(f"{base}/eldercare/contracts/")
            page.select_option("#id_provider", label="甘州区福寿养老服务有限公司")
            page.fill("#id_number", "GZ-2026-JJ-09")
            page.fill("#id_start", "2026-01-01")
            page.fill("#id_end", "2027-12-31")
            page.fill(f"#id_price_{world['clean'].pk}", "32.00")
            page.screenshot(path="/tmp/esetup-1-contract.png", full_page=True)
            page.get_by_role("button", name="签订合同").click()
            expect(page.locator(".alert-success")).to_contain_text("GZ-2026-JJ-09")
            expect(page.get_by_test_id("contracts")).to_contain_text("居室保洁 32.00")

            page.get_by_role("link", name="服务人员职责").click()
            page.select_option("#id_member", label="甘州区福寿养老服务有限公司 · 赵护理（huli3）")
            page.select_option("#id_duty", label="护理员")
            page.get_by_role("button", name="设定", exact=True).click()
            expect(page.get_by_test_id("duties")).to_contain_text("赵护理")
            page.screenshot(path="/tmp/esetup-2-duty.png", full_page=True)

            page.goto(f"{base}/eldercare/plans/?month={nxt:%Y-%m}")
            page.get_by_test_id("waiting").get_by_role("link", name="王桂兰").click()
            expect(page.get_by_test_id("amount")).to_have_text("400.00")
            page.select_option("#p-contract", label="GZ-2026-JJ-09 · 甘州区福寿养老服务有限公司")
            page.get_by_role("button", name="切换").click()
            page.fill("#id_home_lat", "38.932100")
            page.fill("#id_home_lon", "100.455600")
            page.fill(f"#id_qty_{world['clean'].pk}", "2")
            page.fill(f"#id_days_{world['clean'].pk}", "1,2,3,4,5,6,7")
            page.get_by_role("button", name="制定计划并生成工单").click()
            expect(page.get_by_test_id("form-errors")).to_contain_text("计划金额 448.00 元超过每月服务金额 400.00 元")
            page.fill(f"#id_days_{world['clean'].pk}", "5, 12")
            page.get_by_role("button", name="制定计划并生成工单").click()
            expect(page.get_by_test_id("planned")).to_have_text("128.00")
            expect(page.get_by_test_id("code")).to_have_text(CarePlan.objects.get(month=nxt).confirm_code)
            page.screenshot(path="/tmp/esetup-3-plan.png", full_page=True)
        except Exception:
            if page is not None:
                page.screenshot(path="/tmp/esetup-failure.png", full_page=True)
            raise
        finally:
            browser.close()
    c = ProviderContract.objects.get(number="GZ-2026-JJ-09")
    assert [(ci.item_id, ci.price) for ci in c.items.all()] == [(world["clean"].pk, Decimal("32.00"))]
    assert CareDuty.objects.filter(provider=org, user=zhao, duty="care_worker", active=True).exists()
    plan = CarePlan.objects.get(month=nxt)
    assert (plan.contract_id, plan.planned_amount, plan.orders.count()) == (c.pk, Decimal("128.00"), 2)


def test_the_elder_signs_on_the_phone(media, live_server, world, users, audit_log_flushable):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.eldercare.models import OrderPhoto, WorkOrder
    from jiayuan.eldercare.orders import services as orders

    from .test_orders import HOME, act

    s = world["staff"]
    for u in s.values():
        u.set_password(PASSWORD)
        u.save()
    meal = WorkOrder.objects.filter(plan=world["plan"], item=world["meal"]).order_by("pk").first()
    o = orders.dispatch(act(s["diaodu"]), meal, s["huli1"])
    o = orders.check_in(act(s["huli1"]), o, lat=HOME[0], lon=HOME[1])
    orders.check_out(act(s["huli1"]), o)
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = None
        try:
            page = browser.new_context(**PHONE).new_page()
            _login(page, base, "huli1", PASSWORD)
            page.goto(f"{base}/eldercare/my/{meal.pk}/")
            expect(page.get_by_test_id("state")).to_have_text("待确认")
            page.get_by_test_id("confirm-sign").click()  # nothing drawn yet: the page asks for it
            expect(page.locator("[data-sign-status]")).to_have_text("请先签名")
            pad = page.get_by_test_id("signature-pad")
            pad.scroll_into_view_if_needed()
            box = pad.bounding_box()
            page.mouse.move(box["x"] + 20, box["y"] + 40)
            page.mouse.down()
            for i in range(1, 12):
                page.mouse.move(box["x"] + 20 + i * 25, box["y"] + 40 + (i % 3) * 30)
            page.mouse.up()
            page.screenshot(path="/tmp/esetup-4-signature.png", full_page=True)
            page.get_by_test_id("confirm-sign").click()
            expect(page.get_by_test_id("state")).to_have_text("已完成")
            expect(page.get_by_test_id("done")).to_contain_text("手写签名")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the phone page scrolls sideways ({width} px)"
        except Exception:
            if page is not None:
                page.screenshot(path="/tmp/esetup-failure-sign.png", full_page=True)
            raise
        finally:
            browser.close()
    meal.refresh_from_db()
    assert (meal.status, meal.confirm_method, meal.confirmed_by) == ("done", "signature", "elder")
    sig = OrderPhoto.objects.get(order=meal, kind="signature")
    assert sig.image_format == "PNG" and sig.size > 0
