"""Browser test (Playwright, Debian's Chromium) of a home visit and the month's settlement.

A care worker on a phone (390 px wide, the browser given a location 11 m from the
elder's home) opens today's orders, checks in (the page reads the location), checks out
with a photo, and the elder confirms with her code; then the county generates the
month's settlement and a second county officer approves it (four eyes).

Worked by hand: the 居室保洁 order is 30.00 yuan × 2 hours = 60.00, checked in within
the 300 m radius; the visit lasts under a minute in the browser, below the item's 60
minutes, so the settlement names a 50 % deduction: 30.00 off, 30.00 paid.
Screenshots: /tmp/eorders-*.png.
"""

import io
import os

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import PASSWORD, launch_chromium  # noqa: E402

from .test_orders import world  # noqa: E402,F401  (fixture)

pytestmark = [pytest.mark.browser]
PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _login(page, base, username, password):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_visit_on_the_phone_and_the_months_settlement(media, live_server, world, users, audit_log_flushable,
                                                        tmp_path):
    from decimal import Decimal

    from PIL import Image
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.accounts.models import User
    from jiayuan.eldercare.models import Settlement, WorkOrder
    from jiayuan.eldercare.orders import services as orders

    from .test_orders import HOME, act

    s = world["staff"]
    for u in s.values():
        u.set_password(PASSWORD)
        u.save()
    order = WorkOrder.objects.filter(plan=world["plan"], item=world["clean"]).order_by("pk").first()
    orders.dispatch(act(s["diaodu"]), order, s["huli1"])
    WorkOrder.objects.filter(plan=world["plan"]).exclude(pk=order.pk).update(status="void")
    User.objects.create_user("caiwu", password=PASSWORD, role="county_officer", scope_id="620702", full_name="财务审批")
    photo = tmp_path / "visit.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(buf, "JPEG")
    photo.write_bytes(buf.getvalue())
    base = live_server.url
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = None
        try:
            ctx = browser.new_context(**PHONE, geolocation={"latitude": float(HOME[0]) + 0.0001,
                                                            "longitude": float(HOME[1])},
                                      permissions=["geolocation"])
            page = ctx.new_page()
            _login(page, base, "huli1", PASSWORD)
            page.goto(f"{base}/eldercare/my/")
            expect(page.get_by_test_id("my-order")).to_have_count(1)
            expect(page.get_by_test_id("my-order")).to_contain_text("王桂兰")
            expect(page.get_by_test_id("my-order")).to_contain_text("交通巷12号")
            page.screenshot(path="/tmp/eorders-1-day.png", full_page=True)
            page.get_by_test_id("my-order").click()
            page.get_by_test_id("check-in").click()
            expect(page.get_by_test_id("state")).to_have_text("服务中")
            expect(page.locator(".alert-success")).to_contain_text("距老人住址 11 米")
            page.set_input_files("#photo", str(photo))
            page.fill("#notes", "打扫卧室和厨房")
            page.screenshot(path="/tmp/eorders-2-checked-in.png", full_page=True)
            page.get_by_test_id("check-out").click()
            expect(page.get_by_test_id("state")).to_have_text("待确认")
            page.fill("input[name=code]", world["plan"].confirm_code)
            page.get_by_test_id("confirm").click()
            expect(page.get_by_test_id("state")).to_have_text("已完成")
            page.screenshot(path="/tmp/eorders-3-done.png", full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the phone page scrolls sideways ({width} px)"
            order.refresh_from_db()
            assert (order.status, order.location_ok, order.checkin_distance_m) == ("done", True, 11)
            assert order.photos.count() == 1

            desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = desk.new_page()
            _login(page, base, "county", PASSWORD)
            page.goto(f"{base}/eldercare/settlements/")
            page.fill("#s-month", world["today"].strftime("%Y-%m"))
            page.get_by_role("button", name="生成结算").click()
            page.wait_for_url(f"{base}/eldercare/settlements/*/")
            expect(page.get_by_test_id("net")).to_have_text("30.00")
            expect(page.get_by_test_id("lines")).to_contain_text("服务时长不足")
            expect(page.get_by_test_id("approve")).to_have_count(0)  # who generated it does not approve
            url = page.url
            page.context.clear_cookies()
            _login(page, base, "caiwu", PASSWORD)
            page.goto(url)
            page.get_by_test_id("approve").click()
            expect(page.get_by_test_id("status")).to_have_text("已审批")
            page.screenshot(path="/tmp/eorders-4-settlement.png", full_page=True)
            st = Settlement.objects.get()
            assert (st.status, st.net, st.approved_by.username) == ("approved", Decimal("30.00"), "caiwu")
        except Exception:
            if page is not None:
                page.screenshot(path="/tmp/eorders-failure.png", full_page=True)
            raise
        finally:
            browser.close()
