"""``/api/v1/imports``: upload (multipart) → job, status and progress with the command's
JSON as ``result``, the error workbook; scope: owner 200, peer and outsider 404."""

import io

import openpyxl
import pytest

from jiayuan.imports.models import ImportJob

from .conftest import GRID, OWNER_COMMUNITY, PEER_COMMUNITY, csv_bytes, idn

ROSTER = csv_bytes([["姓名", "身份证号", "联系电话", "户号", "与户主关系"],
                    ["王五", idn("62070219900101001"), "13812345678", "7", "户主"],
                    ["赵六", "62070219900101001", "", "7", "妻"],
                    ["钱七", idn("62070219920202002"), "12345", "", ""]], "utf-8")


def _post(client, data=ROSTER, name="名单.csv", **fields):
    payload = {"region": OWNER_COMMUNITY, **fields, "file": io.BytesIO(data)}
    payload["file"].name = name
    return client.post("/api/v1/imports", payload)


@pytest.fixture
def owner(api_client, media, immediate_tasks):
    return api_client("community")


def test_post_runs_the_job_and_get_reports_the_command_json(owner):
    resp = _post(owner)
    assert resp.status_code == 202, resp.content
    job = resp.json()
    assert job["status"] == "done" and job["region"] == OWNER_COMMUNITY and job["dry_run"] is False
    got = owner.get(f"/api/v1/imports/{job['id']}").json()
    result = got["result"]
    assert set(result) == {"rows", "created", "updated", "unchanged", "errors", "warnings", "error_rows",
                           "warning_rows"}
    assert (result["rows"], result["created"], result["errors"]) == (3, 1, 2)
    assert [(e["row"], e["column"], e["code"]) for e in result["error_rows"]] == [
        (3, "身份证号", "id_number.format"), (4, "联系电话", "phone.format")]
    assert got["progress"]["stage"] == "done"
    assert got["report_url"] == f"/api/v1/imports/{job['id']}/report"


def test_dry_run_writes_nothing(owner):
    from jiayuan.people.models import Person

    job = _post(owner, dry_run="true").json()
    assert job["dry_run"] is True and job["result"]["created"] == 1  # would be created
    assert ImportJob.objects.get(pk=job["id"]).dry_run and not Person.objects.exists()


def test_report_is_the_error_workbook(owner):
    job = _post(owner).json()
    resp = owner.get(job["report_url"])
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in resp["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    header = [c.value for c in ws[1]]
    assert header[-1] == "错误原因"
    assert "公民身份号码" in (ws.cell(row=3, column=len(header)).value or "")


def test_file_refused_as_a_whole_is_a_finished_job_with_error(owner):
    job = _post(owner, data=b"not a workbook", name="名单.xlsx").json()
    assert job["status"] == "rejected"
    assert job["result"] == {"error": {"code": "file.extension_mismatch", "message": job["result"]["error"]["message"]}}
    assert job["report_url"] is None


@pytest.mark.parametrize("who,status", [("community", 200), ("township", 200), ("peer", 404), ("outsider", 404),
                                        ("auditor", 404)])
def test_jobs_are_scoped(api_client, owner, who, status):
    job = _post(owner).json()
    client = api_client(who)
    assert client.get(f"/api/v1/imports/{job['id']}").status_code == status
    assert client.get(f"/api/v1/imports/{job['id']}/report").status_code == status


def test_upload_into_a_region_outside_scope_is_404(api_client, media, immediate_tasks):
    assert _post(api_client("peer")).status_code == 404
    assert _post(api_client("community"), region="620722102200").status_code == 404
    assert _post(api_client("peer"), region=PEER_COMMUNITY).status_code == 202


def test_roles_without_edit_right_cannot_upload(api_client, media, immediate_tasks):
    assert _post(api_client("auditor")).status_code == 403


def test_region_must_be_community_village_or_grid(api_client, media, immediate_tasks):
    resp = _post(api_client("county"), region="620702001")
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "region.level"
    assert _post(api_client("community"), region=GRID).status_code == 202


def test_job_queued_for_the_worker_then_run_by_it(api_client, media, settings, run_worker):
    """With the database backend the job waits (pending, progress 0) until
    ``jiayuan worker`` runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    client = api_client("community")
    job = _post(client).json()
    assert job["status"] == "pending" and job["result"] is None
    assert job["progress"] == {"stage": "", "done": 0, "total": 0}
    run_worker()
    got = client.get(f"/api/v1/imports/{job['id']}").json()
    assert got["status"] == "done" and got["result"]["rows"] == 3


def test_the_error_workbook_is_only_for_the_uploader_or_whole_number_roles(api_client, users):
    # The workbook repeats the uploaded sheet with whole ID numbers: a grid member of the
    # same community must not download what a community worker uploaded.
    from jiayuan.audit.models import AuditEntry
    from jiayuan.imports.models import ImportJob
    from jiayuan.imports.services import download_error_workbook
    from jiayuan.audit.services import Actor
    from jiayuan.errors import Forbidden

    job = ImportJob.objects.create(created_by=users["community"], region_id="620702001001001",
                                   file_name="居民名单[1].csv")
    with pytest.raises(Forbidden):
        download_error_workbook(Actor(users["grid_member"], "api"), job)
    assert not AuditEntry.objects.filter(action="import.report_download").exists()
