"""Browser check of the top navigation at laptop widths (1280 and 1366 px), in Chinese
and English, for the user with the most menu items (an administrator): no link breaks
inside (首/页, 待/办, 退/出 was the finding), the bar is one row (issue 10: it wrapped at
1366 px), every page of the menus opens from its dropdown, and nothing spills out of
the window. Screenshots: /tmp/nav-<lang>-<width>.png."""

import os

import pytest

from jiayuan.accounts.models import User

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]
PASSWORD = "Nav-pass-2026"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_navigation_does_not_wrap_inside_links(live_server, transactional_db, audit_log_flushable, settings, lang):
    from playwright.sync_api import sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    User.objects.create_superuser("navadmin", password=PASSWORD, full_name="系统管理员甲")
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for width in (1280, 1366):
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
                page.goto(f"{live_server.url}/login/")
                page.fill("#id_username", "navadmin")
                page.fill("#id_password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{live_server.url}/")
                page.screenshot(path=f"/tmp/nav-{lang}-{width}.png", clip={"x": 0, "y": 0, "width": width,
                                                                           "height": 140})
                links = page.locator("nav.navbar-jy .navbar-nav > .nav-item > .nav-link")
                assert links.count() >= 6
                boxes = [links.nth(i).bounding_box() for i in range(links.count())]
                heights = [b["height"] for b in boxes]
                one_line = min(heights)
                # every link is one line (a broken "首/页" is twice as high)
                assert max(heights) < one_line * 1.5, heights
                # and the bar is one row: every top-level entry on the same line
                assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) < one_line / 2, boxes
                # every page of the menus is one click away in its dropdown
                items = 0
                for i in range(links.count()):
                    if "dropdown-toggle" in (links.nth(i).get_attribute("class") or ""):
                        links.nth(i).click()
                        menu = page.locator("nav.navbar-jy .dropdown-menu.show .dropdown-item")
                        menu.first.wait_for(state="visible")
                        items += menu.count()
                        links.nth(i).click()
                assert links.count() - 4 + items >= 14  # the administrator's pages (4 menus at least)
                logout = page.locator("nav.navbar-jy form button[type=submit]").last
                box = logout.bounding_box()
                assert box["height"] < 40 and box["x"] + box["width"] <= width, box
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                page.close()
        finally:
            browser.close()
