"""Browser test (Playwright on Debian's Chromium) of the import flow a community worker
goes through: upload a messy roster, see the preview's errors, confirm, watch the
progress bar fill, download the error workbook. Screenshots of each step go to
/tmp/jiayuan-shots/import-*.png.

The tasks use the database backend, as in production; the test itself plays the
worker (runs the queued job while the browser polls), slowed down per chunk so that
the progress bar is seen moving.
"""

import io
import os
import threading
import time
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from jiayuan.accounts.models import User
from jiayuan.conftest import make_id_number
from jiayuan.imports import services
from jiayuan.imports.export import ROSTER_HEADERS
from jiayuan.imports.models import ImportJob
from jiayuan.people.models import Person
from jiayuan.regions.models import Region

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SHOTS = Path(os.environ.get("JIAYUAN_SHOTS_DIR", "/tmp/jiayuan-shots"))  # CI: one per run
COMMUNITY = "620702001001"
PASSWORD = "Browser-pass-2026"

from jiayuan.conftest import launch_chromium  # noqa: E402

pytestmark = [pytest.mark.browser]





def _messy_roster() -> bytes:
    """A roster as found on a community's computer: a merged title row, a numeric ID
    cell, a bad checksum, a household with two heads, an unknown grid, and 40 good
    rows in 20 households."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["交通巷社区居民花名册（2026年）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ROSTER_HEADERS))
    ws.append(list(ROSTER_HEADERS))
    for i in range(20):
        number = f"{i + 1:04d}"
        ws.append([f"张{'建国军伟强磊洋勇杰涛明超刚平辉鹏华飞鑫波'[i]}", "男", make_id_number(date(1960 + i, 3, 4), 1),
                   "汉族", None, f"1389361{i:04d}", number, "户主", f"交通巷{i + 1}号", "第一网格", "", "", ""])
        ws.append([f"李{'秀英芳娜敏静丽艳娟霞燕玲桂兰萍红梅琳雪婷'[i]}", "女", make_id_number(date(1962 + i, 5, 6), 2),
                   "汉族", None, "", number, "妻", "", "", "", "", ""])
    ws.append(["王芳", "女", 620702198001010000, "汉族", None, "", "", "", "", "", "", "", ""])  # numeric ID
    bad = make_id_number(date(1990, 1, 1), 1)
    ws.append(["赵敏", "女", bad[:17] + ("0" if bad[17] != "0" else "1"), "", None, "", "", "", "", "", "", "", ""])
    ws.append(["马丽", "女", make_id_number(date(1970, 2, 2), 2), "回族", None, "", "0099", "户主", "", "", "", "", ""])
    ws.append(["马强", "男", make_id_number(date(1971, 2, 2), 1), "回族", None, "", "0099", "户主", "", "", "", "", ""])
    ws.append(["周佳怡", "女", make_id_number(date(1995, 7, 7), 2), "", None, "", "", "", "", "火星网格", "", "", ""])
    for row in ws.iter_rows(min_row=3, min_col=3, max_col=3):
        for c in row:
            if isinstance(c.value, str):
                c.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# On SQLite the test database is in memory, and Django hands the live server's threads
# the test's own connection: a page request reading while this thread writes on the
# same connection fails with "database table is locked" (never in production, where
# each thread has its own connection to the file). Requests and this test's database
# work take turns on this lock.
class _Turn:
    """An RLock when the live server shares this test's connection (SQLite in memory),
    else nothing (PostgreSQL: every thread, the import's writers too, has its own)."""

    def __init__(self):
        self.lock = None

    def __enter__(self):
        if self.lock is not None:
            self.lock.acquire()

    def __exit__(self, *exc):
        if self.lock is not None:
            self.lock.release()

    def acquire(self):
        self.__enter__()

    def release(self):
        self.__exit__()


DB_TURN = _Turn()


def _serialize_requests(live_server) -> None:
    from django.db import connection

    DB_TURN.lock = None
    if connection.vendor != "sqlite":
        return
    DB_TURN.lock = threading.RLock()
    httpd = live_server.thread.httpd
    app = httpd.get_app()

    def one_at_a_time(environ, start_response):
        with DB_TURN:
            return app(environ, start_response)

    httpd.set_app(one_at_a_time)


def _wait_for_job(**filters) -> ImportJob:
    for _ in range(100):
        with DB_TURN:
            job = ImportJob.objects.filter(**filters).order_by("-pk").first()
        if job is not None:
            return job
        time.sleep(0.1)
    raise AssertionError(f"no job {filters}")


def test_upload_preview_confirm_progress_report(live_server, transactional_db, audit_log_flushable, settings,
                                                tmp_path):
    from playwright.sync_api import expect, sync_playwright

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.IMPORT_CHUNK_ROWS = 4
    call_command("load_divisions", prefix="620702", verbosity=0)
    community = Region.objects.get(code=COMMUNITY)
    Region.objects.get_or_create(code=COMMUNITY + "001", defaults={"name": "第一网格", "level": "grid",
                                                                   "parent": community})
    user = User(username="shequ", role="community_worker", scope=community, full_name="交通巷社区工作者")
    user.set_password(PASSWORD)
    user.save()
    roster_path = tmp_path / "交通巷社区花名册.xlsx"
    roster_path.write_bytes(_messy_roster())
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    _serialize_requests(live_server)

    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
            page = ctx.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "shequ")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")

            # the menu leads to the import pages
            page.locator("#mainnav").get_by_role("button", name="居民档案").click()  # the registry's menu
            page.get_by_role("link", name="台账导入").first.click()
            page.wait_for_url(f"{base}/imports/")
            page.screenshot(path=str(SHOTS / "import-list-empty.png"), full_page=True)
            page.get_by_test_id("new-import").click()
            page.wait_for_url(f"{base}/imports/new/")
            page.set_input_files("#id_file", str(roster_path))
            page.select_option("#id_region", COMMUNITY)
            page.screenshot(path=str(SHOTS / "import-upload.png"), full_page=True)
            page.get_by_role("button", name="上传并预检").click()

            # queued: the page polls; the test plays the worker
            expect(page.get_by_test_id("job-status")).to_have_attribute("data-status", "pending")
            expect(page.get_by_role("progressbar")).to_be_visible()
            page.screenshot(path=str(SHOTS / "import-queued.png"), full_page=True)
            preview = _wait_for_job(options__dry_run=True)
            with DB_TURN:
                services.run_job(preview.pk)
            expect(page.get_by_test_id("preview-summary")).to_contain_text("预检完成，尚未写入名册", timeout=10_000)
            expect(page.get_by_test_id("preview-summary")).to_contain_text("将新增 40 人")
            table = page.get_by_test_id("error-table")
            expect(table).to_contain_text("第 43 行")
            expect(table).to_contain_text("公民身份号码被存成了数字")
            expect(table).to_contain_text("校验位错误")
            expect(table).to_contain_text("户号 0099 有 2 名户主")
            expect(table).to_contain_text("找不到网格“火星网格”")
            with DB_TURN:
                assert not Person.objects.exists()
            page.screenshot(path=str(SHOTS / "import-preview.png"), full_page=True)

            # confirm: a new job, the progress bar fills as chunks are written
            page.get_by_test_id("confirm").click()
            job = _wait_for_job(options__dry_run=False)
            page.wait_for_url(f"{base}/imports/{job.pk}/")

            seen = []

            def slow(stage, done, total):
                if stage == "writing" and done:
                    seen.append(done)
                    DB_TURN.release()  # a chunk's transaction is committed: let the page poll
                    time.sleep(0.5)
                    DB_TURN.acquire()

            settings.IMPORT_CHUNK_ROWS = 4
            with DB_TURN:
                services.run_job(job.pk, progress=slow)
            assert len(seen) >= 5
            expect(page.get_by_test_id("result-summary")).to_contain_text("导入完成", timeout=10_000)
            expect(page.get_by_test_id("result-summary")).to_contain_text("新增 40 人")
            expect(page.get_by_test_id("counts")).to_contain_text("40")
            expect(page.locator("#htmx-error")).to_be_hidden()  # no poll failed
            page.screenshot(path=str(SHOTS / "import-done.png"), full_page=True)
            with DB_TURN:
                assert Person.objects.count() == 40

            # the error workbook: the sheet with a 错误原因 column
            with page.expect_download() as info:
                page.get_by_test_id("report-link").click()
            download = info.value
            assert download.suggested_filename.endswith("错误原因.xlsx")
            ws = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
            header = [c.value for c in ws[2]]
            assert header[-1] == "错误原因"
            reasons = {r: ws.cell(row=r, column=len(header)).value for r in range(43, 48)}
            assert "存成了数字" in reasons[43] and "校验位" in reasons[44] and "户主" in reasons[45]

            page.goto(f"{base}/imports/")
            expect(page.get_by_test_id("job-table")).to_contain_text("交通巷社区花名册.xlsx")
            page.screenshot(path=str(SHOTS / "import-list.png"), full_page=True)
            ctx.close()

            # phone width
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                      has_touch=True, device_scale_factor=2)
            page = ctx.new_page()
            page.goto(f"{base}/login/")
            page.fill("#id_username", "shequ")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            for name, url in (("upload", "/imports/new/"), ("preview", f"/imports/{preview.pk}/"),
                              ("done", f"/imports/{job.pk}/")):
                page.goto(f"{base}{url}")
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
                page.screenshot(path=str(SHOTS / f"import-{name}-phone.png"), full_page=True)
            ctx.close()
        finally:
            browser.close()
