"""Browser test (Playwright driving Debian's Chromium) of two-factor sign-in where it is
required (``REQUIRE_SECOND_FACTOR``, as with JIAYUAN_ENV=production or
JIAYUAN_REQUIRE_2FA=1): a county officer signs in with the password, is sent to
enrolment, reads the secret from the page, types the code an authenticator app would
show (computed here from RFC 6238), sees the ten recovery codes, reaches the home page,
signs out, and signs in again with password and code. Screenshots go to
/tmp/jiayuan-shots/.

It lives with the shell's browser tests (which run after every other app's) rather than in
accounts/tests: placed there, the flush that ends this transactional test came before the
assistance browser test, which then failed in the whole suite (2 runs of 2; it passes
alone and after this test alone): its intake fell back to the default one ("请选择所属区划"),
as if cases.selectors._DECL_CACHE, keyed by primary key, handed it another case type's
declaration. Left for the cases module; see the issue-11 report."""

import os
import re
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.models import AuditEntry
from jiayuan.conftest import launch_chromium

from jiayuan.accounts.tests.totp import key_from_secret, totp

# Playwright's sync API runs an event loop in this thread; the test is sequential.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
PASSWORD = "Browser-pass-2026"

pytestmark = [pytest.mark.browser]


def test_county_officer_enrols_on_first_sign_in_and_then_signs_in_with_a_code(
        live_server, transactional_db, audit_log_flushable, settings):
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REQUIRE_SECOND_FACTOR = True
    call_command("load_divisions", prefix="620702", verbosity=0)
    officer = User(username="ganzhou", role="county_officer", scope_id="620702", full_name="甘州区民政干部")
    officer.set_password(PASSWORD)
    officer.save()
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            page.set_default_timeout(60_000)  # a machine shared by several test runs answers slowly
            expect.set_options(timeout=20_000)
            page.goto(f"{base}/login/")
            page.fill("#id_username", "ganzhou")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/account/2fa/enrol/"))
            expect(page.locator("h1")).to_contain_text("启用两步验证")
            expect(page.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
            page.screenshot(path=str(SHOTS / "otp-enrol-desktop.png"), full_page=True)

            # nothing else is reachable before enrolment
            page.goto(f"{base}/persons/")
            page.wait_for_url(re.compile(r"/account/2fa/enrol/"))

            key = key_from_secret(page.get_by_test_id("otp-secret").inner_text())
            page.fill("#id_code", totp(key))
            page.get_by_role("button", name="确认启用").click()
            codes = page.get_by_test_id("recovery-codes").locator("li")
            expect(codes).to_have_count(10)
            page.screenshot(path=str(SHOTS / "otp-recovery-codes-desktop.png"), full_page=True)
            page.get_by_role("link", name="我已保存恢复码，继续").click()
            page.wait_for_url(re.compile(r"/persons/$"))  # where the user was going
            page.goto(f"{base}/")
            expect(page.get_by_test_id("me")).to_contain_text("甘州区民政干部")

            page.get_by_role("button", name="退出").click()
            page.wait_for_url(re.compile(r"/login/"))

            page.fill("#id_username", "ganzhou")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/account/2fa/verify/"))
            page.screenshot(path=str(SHOTS / "otp-verify-desktop.png"), full_page=True)
            # The code of the step used at enrolment is spent; the app shows the next one.
            page.fill("#id_code", totp(key, time.time() + 30))
            page.get_by_role("button", name="验证").click()
            page.wait_for_url(f"{base}/")
            expect(page.get_by_test_id("me")).to_contain_text("甘州区民政干部")
        finally:
            expect.set_options(timeout=5_000)  # Playwright's default, for the tests that follow
            browser.close()
    assert AuditEntry.objects.filter(action="otp.enrol", actor_name="ganzhou").count() == 1
