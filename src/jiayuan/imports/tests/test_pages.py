"""The import pages: upload → preview (dry run: counts and the first errors, nothing
written) → confirm → job → progress → result and error workbook; the job list of the
scope; permissions and scope (out of scope is 404)."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jiayuan.imports.models import ImportJob
from jiayuan.people.models import Household, Person

from .conftest import GRID, OWNER_COMMUNITY, idn, roster

MESSY = roster([
    # 姓名 性别 身份证号 民族 出生日期 联系电话 户号 与户主关系 现住址 所属网格 人员类别 居住状态 备注
    ["张建国", "男", idn("62070219560412001"), "汉族", "1956-04-12", "13893612345", "0012", "户主",
     "交通巷12号楼", "第一网格", "空巢老人", "", ""],
    ["李秀英", "女", idn("62070219580901002"), "汉", "", "", "0012", "妻", "", "", "", "", ""],
    ["王 芳", "", "62070219800101000", "", "", "1381234", "", "", "", "", "", "", ""],  # bad ID and phone
    ["赵建军", "男", idn("62070219850305001"), "", "", "", "0013", "户主", "", "火星网格", "", "流动", ""],
    ["周佳怡", "女", idn("62070219900101002"), "", "", "", "", "", "", "", "低保户", "", ""],
])


def _upload(client, data=MESSY, region=OWNER_COMMUNITY, **extra):
    return client.post("/imports/new/", {"file": SimpleUploadedFile("交通巷社区花名册.xlsx", data), "region": region,
                                         **extra})


@pytest.fixture
def worker(page_client, media, immediate_tasks):
    return page_client("community")


def test_upload_form_offers_only_regions_in_scope(worker):
    html = worker.get("/imports/new/").content.decode()
    assert OWNER_COMMUNITY in html and GRID in html and "620702001005" not in html
    assert "下载空白模板" in html


def test_preview_shows_counts_and_errors_and_writes_nothing(worker):
    resp = _upload(worker)
    assert resp.status_code == 302
    job = ImportJob.objects.get()
    assert job.dry_run and job.status == ImportJob.Status.DONE and job.source == "page"
    assert resp["Location"] == f"/imports/{job.pk}/"
    html = worker.get(resp["Location"]).content.decode()
    assert "预检完成，尚未写入名册" in html
    assert 'data-testid="error-table"' in html
    assert "第 5 行" in html  # title row counted: header is row 2
    assert "公民身份号码校验位错误" in html or "公民身份号码" in html
    assert "找不到网格“火星网格”" in html and "无法识别的人员类别“低保户”" in html
    assert "先导入正确的 2 行" in html
    assert not Person.objects.exists()


def test_confirm_creates_a_job_that_writes_and_reports(worker):
    _upload(worker)
    preview = ImportJob.objects.get()
    resp = worker.post(f"/imports/{preview.pk}/confirm/")
    assert resp.status_code == 302
    job = ImportJob.objects.exclude(pk=preview.pk).get()
    assert not job.dry_run and job.options["preview_of"] == preview.pk and job.file.name == preview.file.name
    assert (job.status, job.created, job.errors) == (ImportJob.Status.DONE, 2, 3)
    assert Household.objects.get(number="0012").members.count() == 2
    html = worker.get(f"/imports/{job.pk}/").content.decode()
    assert "导入完成" in html and 'data-testid="report-link"' in html
    # the preview now points to the import instead of offering a second one
    html = worker.get(f"/imports/{preview.pk}/").content.decode()
    assert "已确认导入" in html and 'data-testid="confirm"' not in html
    assert worker.post(f"/imports/{job.pk}/confirm/").status_code == 302  # not a preview: refused
    assert ImportJob.objects.count() == 2


def test_error_workbook_download(worker):
    _upload(worker)
    job = ImportJob.objects.get()
    resp = worker.get(f"/imports/{job.pk}/report/")
    assert resp.status_code == 200 and "filename*=UTF-8''" in resp["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    assert ws.cell(row=1, column=1).value == "交通巷社区居民花名册"
    header = [c.value for c in ws[2]]
    assert "错误原因" in header
    reasons = ws.cell(row=5, column=header.index("错误原因") + 1).value
    assert "【身份证号】" in reasons and "【联系电话】" in reasons


def test_status_partial_reports_progress_while_running(worker, settings, run_worker):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    _upload(worker)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PENDING
    html = worker.get(f"/imports/{job.pk}/?partial=1", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in html and "排队等待中" in html and "<html" not in html
    ImportJob.objects.filter(pk=job.pk).update(status="running", stage="writing", progress_done=300,
                                               progress_total=1200)
    html = worker.get(f"/imports/{job.pk}/?partial=1", headers={"HX-Request": "true"}).content.decode()
    assert 'aria-valuenow="25"' in html and "300 / 1200 行" in html and "写入名册" in html
    ImportJob.objects.filter(pk=job.pk).update(status="pending", stage="", progress_done=0, progress_total=0)
    run_worker()
    html = worker.get(f"/imports/{job.pk}/?partial=1", headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in html and "预检完成" in html


def test_rejected_file_says_why(worker):
    _upload(worker, data=b"<html><table></table></html>")
    job = ImportJob.objects.get()
    html = worker.get(f"/imports/{job.pk}/").content.decode()
    assert "文件未能导入" in html and "网页文件" in html


def test_upload_form_errors(worker):
    resp = worker.post("/imports/new/", {"region": OWNER_COMMUNITY})
    assert resp.status_code == 422 and "请选择要导入的台账文件" in resp.content.decode()
    resp = _upload(worker, region="620702001005")
    assert resp.status_code == 422 and "管辖范围" in resp.content.decode()
    assert not ImportJob.objects.exists()


def test_job_list_and_pages_are_scoped(page_client, worker):
    _upload(worker)
    job = ImportJob.objects.get()
    assert "交通巷社区花名册.xlsx" in worker.get("/imports/").content.decode()
    assert "交通巷社区花名册.xlsx" in page_client("township").get("/imports/").content.decode()
    peer = page_client("peer")
    assert "交通巷社区花名册.xlsx" not in peer.get("/imports/").content.decode()
    for url in (f"/imports/{job.pk}/", f"/imports/{job.pk}/report/"):
        assert peer.get(url).status_code == 404
    assert peer.post(f"/imports/{job.pk}/confirm/").status_code == 404
    assert page_client("auditor").get("/imports/").status_code == 403
    assert page_client("grid_member").get("/imports/new/").status_code == 200
