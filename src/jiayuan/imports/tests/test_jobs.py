"""Jobs as the pages, the API and background tasks will use them: created for a user in
scope, run by id from the stored file with a progress callback, read back through the
scoped selectors in the command's JSON shape."""

import pytest
from jiayuan.errors import NotFound

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.imports import selectors, services
from jiayuan.imports.models import ImportJob
from jiayuan.imports.rules import FileRejected
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY, PEER_COMMUNITY, csv_bytes, idn

ROSTER = csv_bytes([["姓名", "身份证号", "现住址"], ["王五", idn("62070219900101001"), "交通巷2号"],
                    ["赵六", "62070219900101001", ""]], "utf-8")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_run_job_by_id_from_the_stored_file(users, media):
    region = Region.objects.get(code=OWNER_COMMUNITY)
    job = services.create_job(Actor(users["community"], "page"), region, "名单.csv", ROSTER)
    assert job.status == ImportJob.Status.PENDING and job.file.name.startswith("imports/")
    seen = []
    result = services.run_job(job.pk, progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert result.rejected is None
    assert seen[0] == ("validating", 0, 2) and seen[-1] == ("writing", 1, 1)
    job.refresh_from_db()
    assert (job.status, job.rows, job.created, job.errors, job.progress_done, job.progress_total) == \
        (ImportJob.Status.DONE, 2, 1, 1, 1, 1)
    entry = AuditEntry.objects.get(action="person.create")
    assert (entry.source, entry.actor_id, entry.extra["import_job"]) == ("import", users["community"].pk, job.pk)


def test_summary_is_the_command_json(users, media):
    job = services.create_job(Actor(users["community"], "api"), Region.objects.get(code=OWNER_COMMUNITY),
                              "名单.csv", ROSTER)
    services.run_job(job.pk)
    summary = selectors.job_summary(selectors.get_job(users["community"], job.pk))
    assert summary["error_rows"] == [{"row": 3, "column": "身份证号", "code": "id_number.format",
                                      "message": summary["error_rows"][0]["message"]}]
    assert (summary["rows"], summary["created"], summary["errors"]) == (2, 1, 1)
    assert job.source == "api"


def test_rejected_job_summary(users, media):
    job = services.create_job(Actor(users["community"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                              "名单.xlsx", ROSTER)
    result = services.run_job(job.pk)
    assert result.rejected.code == "file.extension_mismatch"
    job.refresh_from_db()
    assert selectors.job_summary(job) == {"error": {"code": "file.extension_mismatch",
                                                    "message": job.error_message}}


def test_user_outside_the_region_cannot_import(users, media):
    with pytest.raises(FileRejected) as exc:
        services.create_job(Actor(users["peer"], "page"), Region.objects.get(code=OWNER_COMMUNITY), "a.csv", ROSTER)
    assert exc.value.code == "permission.denied"
    with pytest.raises(FileRejected):
        services.resolve_region(users["peer"], OWNER_COMMUNITY)
    assert services.resolve_region(users["peer"], PEER_COMMUNITY).code == PEER_COMMUNITY


def test_role_without_edit_right_cannot_import(users, media):
    with pytest.raises(FileRejected):
        services.create_job(Actor(users["auditor"], "page"), Region.objects.get(code=OWNER_COMMUNITY), "a.csv",
                            ROSTER)


def test_jobs_are_scoped(users, media):
    job = services.create_job(Actor(users["community"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                              "名单.csv", ROSTER)
    assert selectors.get_job(users["township"], job.pk) == job
    with pytest.raises(NotFound):
        selectors.get_job(users["peer"], job.pk)
    assert list(selectors.jobs_for(users["auditor"])) == []
