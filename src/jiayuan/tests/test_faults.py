"""Fault drills (issue 17, "Faults"), automated; CI runs them on PostgreSQL (the
real-process ones are skipped on SQLite, with the reason). Bounded: one migrated
database is made once and copied (``CREATE DATABASE … TEMPLATE``) for each run.

- ``kill -9`` of the worker in the middle of an import (inside the transaction of its
  second chunk): after a worker starts again (it fails the lost job) and the job is
  retried, the persons, households and their audit entries are exactly those of an
  uninterrupted run of the same file in another copy of the database; the audit chain
  verifies.
- ``kill -9`` of the process serving a roster export in the middle of the stream: the
  data is untouched, the chain verifies, and the export run again gives byte for byte
  the file of an uninterrupted run. (Exports stream from memory to the client: the
  server writes no export file, so a killed export leaves nothing on the server.)
- The PostgreSQL connection dropped in the middle of a request (the backend
  terminated with ``pg_terminate_backend``; the shared server is never restarted):
  the page answers 503 and the API 503 with its error body, both in Chinese, no
  traceback in the answer or the log; the next request is served normally.
- The disk full while an upload is stored (the file's writer raises ``ENOSPC``
  half-way): 507 with a clear Chinese message, no file (not even a truncated one) and
  no import job left; while a backup is written: a clear error and no manifest, so
  the incomplete backup cannot be restored.
"""

import errno
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from jiayuan.imports.tests.test_kill import _python, held_in_second_chunk, kill_when_held
from jiayuan.tests.pgdb import EmptyDatabases

pytestmark = pytest.mark.drill
needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                      reason="故障演练需要 PostgreSQL（多进程写入、pg_terminate_backend、pg_dump）")

COMMUNITY = "620702001001"
HOUSEHOLDS, MEMBERS = 12, ("户主", "妻", "长子")


def _roster() -> bytes:
    from jiayuan.people.rules import id_check_char

    rows = ["姓名,身份证号,户号,与户主关系"]
    for h in range(HOUSEHOLDS):
        for m, rel in enumerate(MEMBERS):
            n = h * 3 + m
            first17 = f"620702198{m}0101{n:03d}"
            rows.append(f"居民{chr(0x4e00 + n)},{first17 + id_check_char(first17)},{h + 1:03d},{rel}")
    return ("\r\n".join(rows) + "\r\n").encode()


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jiayuan.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


class Copies:
    """A migrated database with the regions of 交通巷社区 and a city administrator,
    made once; :meth:`copy` gives a fresh copy of it (its environment)."""

    def __init__(self, tmp: Path):
        self.dbs, self.tmp = EmptyDatabases(), tmp
        self.base, url = self.dbs.make("jiayuan_faults_base")
        env = self.env(url, "base")
        subprocess.run([sys.executable, "-m", "jiayuan.cli", "migrate", "-v0"], env=env, check=True, timeout=600)
        _python(env, """
            from jiayuan.accounts.models import User
            from jiayuan.regions.models import Region
            for code, name, level, parent in [("62", "甘肃省", "province", None), ("6207", "张掖市", "prefecture", "62"),
                    ("620702", "甘州区", "county", "6207"), ("620702001", "东街街道", "township", "620702"),
                    ("620702001001", "交通巷社区", "village", "620702001")]:
                Region.objects.create(code=code, name=name, level=level, parent_id=parent)
            User.objects.create(username="city", role="city_admin", scope_id="6207", full_name="市级管理员")
        """)

    def env(self, url: str, label: str) -> dict:
        var = self.tmp / label
        var.mkdir(parents=True, exist_ok=True)
        return {**os.environ, "DATABASE_URL": url, "JIAYUAN_VAR_DIR": str(var), "JIAYUAN_IMPORT_CHUNK_ROWS": "10",
                "JIAYUAN_TASKS_BACKEND": "", "PYTHONPATH": os.pathsep.join(sys.path)}

    def copy(self, label: str) -> dict:
        import psycopg

        from jiayuan.tests.pgdb import admin_params, url_of

        name = f"jiayuan_faults_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(**admin_params()) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.base}"')
        self.dbs.names.append(name)
        return self.env(url_of(name), label)


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("故障演练需要 PostgreSQL")
    c = Copies(tmp_path_factory.mktemp("faults"))
    yield c
    c.dbs.drop_all()


# ------------------------------------------------------------------ the worker, mid-import

QUEUE = """
    from pathlib import Path
    from jiayuan.audit.services import Actor
    from jiayuan.imports import services, tasks
    from jiayuan.regions.models import Region
    job = services.create_job(Actor(None, "page"), Region.objects.get(code="620702001001"), "roster.csv",
                              Path({path!r}).read_bytes())
    tasks.enqueue_job(job)
"""

CONTENT = """
    import json
    from jiayuan.audit.models import AuditEntry
    from jiayuan.audit.selectors import verify_chain
    from jiayuan.imports.models import ImportJob
    from jiayuan.people.models import Household, Person
    print(json.dumps({
        "persons": sorted([p.name, p.id_number_hash, p.household.number, p.relation_to_head, p.region_id]
                          for p in Person.objects.select_related("household")),
        "households": sorted(Household.objects.values_list("number", "region_id")),
        "audited": sorted(AuditEntry.objects.filter(action__in=["person.create", "household.create"])
                          .values_list("action", "object_repr")),
        "jobs": [[j.status, j.error_code, j.created, j.unchanged] for j in ImportJob.objects.order_by("pk")],
        "chain_ok": verify_chain().ok,
    }))
"""

@needs_postgresql
def test_worker_killed_mid_import_then_retry_equals_an_uninterrupted_run(copies, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())

    reference = copies.copy("reference")
    _python(reference, QUEUE.format(path=str(path)))
    assert _cli(reference, "worker", "--batch", "--no-startup-delay").returncode == 0
    want = json.loads(_python(reference, CONTENT).stdout)
    assert len(want["persons"]) == 36 and len(want["households"]) == 12 and want["chain_ok"]
    assert want["jobs"] == [["done", "", 36, 0]]

    env = copies.copy("killed")
    _python(env, QUEUE.format(path=str(path)))
    kill_when_held(env, held_in_second_chunk(["worker", "--no-startup-delay", "--interval", "0.1"]))
    assert _cli(env, "worker", "--batch", "--no-startup-delay").returncode == 0  # fails the lost job
    _python(env, """
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.imports.models import ImportJob
        tasks.enqueue_job(services.retry_job(Actor(None, "page"), ImportJob.objects.get()))
    """)
    assert _cli(env, "worker", "--batch", "--no-startup-delay").returncode == 0
    got = json.loads(_python(env, CONTENT).stdout)
    assert got["jobs"] == [["failed", "import.interrupted", 9, 0], ["done", "", 27, 9]]
    assert got["chain_ok"]
    # Same persons (names, ID hashes, households, relations, regions), households and
    # creation audit entries as the uninterrupted run: nothing lost, nothing twice.
    assert {k: got[k] for k in ("persons", "households", "audited")} == \
           {k: want[k] for k in ("persons", "households", "audited")}


# ------------------------------------------------------------------ the export, mid-stream

EXPORT = """
    import os, sys, time, django
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    django.setup()
    from django.test import Client
    from jiayuan.accounts.models import User
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="city"))
    resp = client.get("/persons/export/?format=csv")
    assert resp.status_code == 200, resp.status_code
    hold = {hold!r}
    with open({out!r}, "wb") as f:
        for i, chunk in enumerate(resp.streaming_content):
            f.write(chunk)
            f.flush()
            if hold and i == 0:
                print("HOLDING", flush=True)
                time.sleep(300)
    print("DONE", flush=True)
"""

STATE = """
    import json
    from jiayuan.audit.models import AuditEntry
    from jiayuan.audit.selectors import verify_chain
    from jiayuan.people.models import Person
    print(json.dumps({"persons": Person.objects.count(), "chain_ok": verify_chain().ok,
                      "exports": AuditEntry.objects.filter(action="person.export").count()}))
"""


@needs_postgresql
def test_export_killed_mid_stream_then_rerun_equals_an_uninterrupted_run(copies, tmp_path):
    env = copies.copy("export")
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    _python(env, QUEUE.format(path=str(path)))
    assert _cli(env, "worker", "--batch", "--no-startup-delay").returncode == 0

    first = tmp_path / "first.csv"
    assert _python(env, EXPORT.format(hold=False, out=str(first))).stdout.strip() == "DONE"
    before = json.loads(_python(env, STATE).stdout)
    assert before["persons"] == 36 and before["chain_ok"] and before["exports"] == 1

    killed = tmp_path / "killed.csv"
    kill_when_held(env, textwrap.dedent(EXPORT.format(hold=True, out=str(killed))))
    after = json.loads(_python(env, STATE).stdout)
    # The data untouched; the attempt is in the audit log (an export is audited before it streams).
    assert after == {"persons": 36, "chain_ok": True, "exports": 2}

    again = tmp_path / "again.csv"
    assert _python(env, EXPORT.format(hold=False, out=str(again))).stdout.strip() == "DONE"
    data = again.read_bytes()
    assert data == first.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.decode("utf-8-sig").count("\r\n") >= 37  # header + 36 rows
    assert json.loads(_python(env, STATE).stdout) == {"persons": 36, "chain_ok": True, "exports": 3}


# ------------------------------------------------------------------ the database connection, mid-request

@needs_postgresql
@pytest.mark.parametrize("path", ["/persons/", "/api/v1/persons"])
def test_connection_terminated_mid_request_answers_503_in_chinese(path, live_server, transactional_db,
                                                                   audit_log_flushable, users, monkeypatch, caplog):
    from django.contrib.auth import SESSION_KEY  # noqa: F401 - the session below is a real one
    from django.test import Client

    from jiayuan.people import selectors

    marker = f"jiayuan-fault-{uuid.uuid4().hex}"
    real = selectors.search_persons

    def slow(*args, **kwargs):  # the request's own connection sleeps inside the server
        with connection.cursor() as cur:
            cur.execute(f"SELECT pg_sleep(60) /* {marker} */")
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "search_persons", slow)
    if path.startswith("/api/"):
        client = Client()
        token = client.post("/api/v1/auth/token", {"username": "county", "password": "Test-pass-2026"},
                            content_type="application/json").json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
    else:
        client = Client()
        client.force_login(users["county"])
        headers = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}

    answer = {}

    def request():
        try:
            with urllib.request.urlopen(urllib.request.Request(live_server.url + path, headers=headers),
                                        timeout=90) as r:
                answer.update(status=r.status, body=r.read().decode(), headers=dict(r.headers))
        except urllib.error.HTTPError as e:
            answer.update(status=e.code, body=e.read().decode(), headers=dict(e.headers))

    caplog.set_level("WARNING")
    t = threading.Thread(target=request)
    t.start()
    with connection.cursor() as cur:
        deadline = time.monotonic() + 30
        pid = None
        while pid is None and time.monotonic() < deadline:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE query LIKE %s AND pid <> pg_backend_pid()",
                        [f"%{marker}%"])
            row = cur.fetchone()
            pid = row[0] if row else time.sleep(0.1)
        assert pid, "the request never reached the database"
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    t.join(timeout=60)
    assert answer["status"] == 503, answer
    assert "数据库暂时无法连接" in answer["body"] and "Traceback" not in answer["body"]
    assert answer["headers"].get("Retry-After") == "30"
    if path.startswith("/api/"):
        assert json.loads(answer["body"])["error"]["code"] == "database_unavailable"
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    assert any("database unavailable" in r.getMessage() for r in caplog.records)

    # The next request is served: a new connection.
    monkeypatch.setattr(selectors, "search_persons", real)
    with urllib.request.urlopen(urllib.request.Request(live_server.url + path, headers=headers), timeout=30) as r:
        assert r.status == 200


def test_a_connection_lost_before_the_view_is_503_too(rf):
    """A middleware (session, user) that loses the connection: handler500 answers 503."""
    from django.db import OperationalError

    from jiayuan.web.views import server_error

    for path in ("/persons/", "/api/v1/persons"):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            resp = server_error(rf.get(path))
        assert resp.status_code == 503 and "数据库暂时无法连接" in resp.content.decode()


# ------------------------------------------------------------------ the disk full

class _FullDisk:
    """In place of ``os`` in Django's file-system storage: files it opens accept the
    first 100 bytes, then fail with ENOSPC (what a full disk does)."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def fdopen(fd, mode="wb", *args, **kwargs):
        f = os.fdopen(fd, mode, *args, **kwargs)
        real_write = f.write

        def write(data):
            if f.tell() + len(data) > 100:
                real_write(data[: max(0, 100 - f.tell())])
                f.flush()
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(data)

        f.write = write
        return f


def test_disk_full_while_an_upload_is_stored(api_client, page_client, media_root, monkeypatch):
    from django.core.files.storage import filesystem
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jiayuan.imports.models import ImportJob

    monkeypatch.setattr(filesystem, "os", _FullDisk())
    resp = api_client("community").post("/api/v1/imports", {
        "file": SimpleUploadedFile("roster.csv", _roster(), "text/csv"), "region": COMMUNITY})
    assert resp.status_code == 507, resp.content
    err = resp.json()["error"]
    assert err["code"] == "storage_full" and "磁盘空间不足" in err["message"]
    page = page_client("community").post("/imports/new/", {
        "file": SimpleUploadedFile("roster.csv", _roster(), "text/csv"), "region": COMMUNITY})
    assert page.status_code == 507 and "磁盘空间不足" in page.content.decode()
    # Nothing stored, not even a truncated file; no job row.
    assert [p for p in Path(media_root).rglob("*") if p.is_file()] == []
    assert ImportJob.objects.count() == 0


@needs_postgresql
def test_disk_full_while_a_backup_is_written(transactional_db, audit_log_flushable, media_root, tmp_path, monkeypatch):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from jiayuan.backup import services

    default_storage.save("cases/photo.jpg", ContentFile(b"x" * 5000))

    def full(src, dst):
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes()[:100])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(services, "_copy_hashing", full)
    with pytest.raises(services.BackupError) as exc:
        services.backup(tmp_path / "b")
    assert "备份不完整（没有 manifest.json），不能用于恢复" in str(exc.value) and os.strerror(errno.ENOSPC) in str(exc.value)
    with pytest.raises(services.BackupError, match="不是完整的备份"):
        services.verify_backup(tmp_path / "b")
