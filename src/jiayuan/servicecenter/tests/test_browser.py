"""Browser test (Playwright driving Debian's Chromium) of the service-center desk: the
community worker takes in a request (the materials checklist comes with the item, the
applicant is picked from the registry), prints the receipt; then issues a certificate —
a kind on the negative list is refused with its reason, an allowed one is issued and
printed with the registry's data. Screenshots (screen and print media) go to
/tmp/jiayuan-shots/cases-desk-*.png.
"""

import os
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.cases.models import Case
from jiayuan.conftest import make_id_number
from jiayuan.people.services import create_person
from jiayuan.regions.models import Region
from jiayuan.servicecenter.models import Certificate

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
PASSWORD = "Browser-pass-2026"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]





def test_desk_intake_receipt_and_certificate(live_server, transactional_db, audit_log_flushable, settings, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from jiayuan.cases.services import sync_case_types
    from jiayuan.servicecenter.services import load_catalogs

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_divisions", prefix="620702", verbosity=0)
    grid, _ = Region.objects.get_or_create(code=COMMUNITY + "001", defaults={
        "name": "第一网格", "level": "grid", "parent_id": COMMUNITY})
    load_catalogs(Actor(None, "command"))
    sync_case_types()
    worker = User(username="chuangkou", role="community_worker", scope_id=COMMUNITY, full_name="窗口 赵丽")
    worker.set_password(PASSWORD)
    worker.save()
    number = make_id_number(date(1962, 3, 8), 2)
    resident = create_person(Actor(worker, "command"), {
        "name": "李秀英", "id_number": number, "region": grid.code, "phone": "13809361234",
        "address": "交通巷社区12号楼3单元201室"})
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = ctx.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "chuangkou")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.get_by_role("link", name="窗口受理").first.click()
            page.wait_for_url(f"{base}/service/intake/")
            page.select_option("#id_item", "jz.temporary_assistance")
            info = page.get_by_test_id("item-info")  # swapped in by htmx
            expect(info).to_contain_text("困难情况说明及证明材料")
            page.get_by_label("申请人身份证").check()
            page.get_by_label("户口簿").check()
            page.fill("#person-search", "李秀")
            page.get_by_test_id("picker-results").get_by_role("button", name="选择").click()
            expect(page.get_by_test_id("person-chosen")).to_contain_text("李秀英")
            page.fill("#id_description", "家中突发火灾，申请临时救助")
            page.screenshot(path=str(SHOTS / "cases-desk-intake.png"), full_page=True)
            page.get_by_test_id("submit-intake").click()
            page.wait_for_url(f"{base}/service/receipts/*/")
            receipt = page.get_by_test_id("receipt")
            expect(receipt).to_contain_text("受理回执")
            expect(page.get_by_test_id("receipt-missing")).to_contain_text("困难情况说明及证明材料")
            expect(page.get_by_test_id("receipt-state")).to_have_text("待补正材料")
            page.screenshot(path=str(SHOTS / "cases-desk-receipt.png"), full_page=True)
            page.emulate_media(media="print")
            expect(page.locator(".navbar")).to_be_hidden()
            page.screenshot(path=str(SHOTS / "cases-desk-receipt-print.png"), full_page=True)
            page.emulate_media(media="screen")

            # certificates: the negative list refuses with its reason
            page.goto(f"{base}/service/certificates/new/")
            page.fill("#person-search", "李秀")
            page.get_by_test_id("picker-results").get_by_role("button", name="选择").click()
            page.fill("#id_kind", "无犯罪记录证明")
            page.fill("#id_purpose", "求职")
            page.get_by_role("button", name="出具", exact=True).click()
            expect(page.get_by_test_id("refusal")).to_contain_text("民发〔2020〕20号")
            page.screenshot(path=str(SHOTS / "cases-desk-certificate-refused.png"), full_page=True)
            # the picked resident is still there; an allowed kind is issued
            expect(page.get_by_test_id("person-chosen")).to_contain_text("李秀英")
            page.fill("#id_kind", "居（租）住证明")
            page.fill("#id_purpose", "子女入学")
            page.get_by_role("button", name="出具", exact=True).click()
            page.wait_for_url(f"{base}/service/certificates/*/")
            page.get_by_test_id("print-link").click()
            paper = page.get_by_test_id("certificate-paper")
            expect(paper).to_contain_text(number)  # the whole ID number, read under audit
            expect(page.get_by_test_id("cert-letterhead")).to_have_text("交通巷社区居民委员会")
            page.emulate_media(media="print")
            expect(page.locator(".navbar")).to_be_hidden()
            page.screenshot(path=str(SHOTS / "cases-desk-certificate-print.png"), full_page=True)
            ctx.close()
        except Exception:
            for ctx_ in browser.contexts:
                for pg in ctx_.pages:
                    (SHOTS / "cases-desk-failure.html").write_text(pg.url + "\n" + pg.content())
                    pg.screenshot(path=str(SHOTS / "cases-desk-failure.png"), full_page=True)
            raise
        finally:
            browser.close()

    case = Case.objects.get()
    assert case.state == "awaiting_materials" and case.subject_person_id == resident.pk
    cert = Certificate.objects.get()
    assert cert.kind_name == "居（租）住证明" and cert.person_id == resident.pk
