"""Smoke test of ``make loadtest``'s locustfile (bench/loadtest/locustfile.py), so that it
cannot rot: locust runs it headless for a few seconds with one user of each role against
a live test server, every task of each role once first (``LOADTEST_EVERY_TASK_FIRST``),
and every request must succeed — searches, pages, a grid event with a photo, a
service-desk intake, a roster import (20 rows here, run inside the request) polled until
finished, exports, the queues. The full run (1,000,000 persons, 200 users, 10 minutes) is
``make loadtest``, not part of the test suite.
"""

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler

from jiayuan.accounts.models import User
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OWNER_COMMUNITY

ROOT = Path(__file__).resolve().parents[4]
LOADTEST = ROOT / "bench" / "loadtest"

pytestmark = pytest.mark.skipif(not LOADTEST.is_dir() or importlib.util.find_spec("locust") is None,
                                reason="needs the source checkout's bench/loadtest and locust (dev extra)")

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ROLES = [  # username, role, scope
    ("lt_grid_000", "grid_member", GRID),
    ("lt_comm_000", "community_worker", OWNER_COMMUNITY),
    ("lt_town_000", "township_officer", "620702001"),
    ("lt_dept_000", "department_staff", "620702"),
    ("lt_county_000", "county_officer", "620702"),
    ("lt_city_000", "city_admin", "6207"),
    ("lt_audit_000", "auditor", "6207"),
]
# kinds every run must show (a request, or the import from upload to finished)
EXPECTED = [
    "page login (post)", "api auth token", "api persons search", "page persons search", "page person",
    "page household", "api attachment upload (photo)", "api case create (grid_event, photo)",
    "api case create (service_request)", "api cases queue (mine)", "page cases queue", "page home",
    "api import upload (5000 rows)", "api import status (poll)", "import 5000 rows (queued→finished)",
    "export community roster (xlsx)", "export township roster (csv)", "api dashboards list", "page dashboards",
    "page indicators", "page city report", "page audit log", "api batches list",
]


class _SerialServerThread(LiveServerThread):
    """Django's live server, answering one request at a time: on SQLite the test database
    lives in memory, shared with the server thread's one connection, which concurrent
    request threads would lock ("database table is locked"); locust's users queue."""

    def _create_server(self, connections_override=None):
        return WSGIServer((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)


@pytest.fixture
def serial_server(transactional_db):
    """The base URL of a live server of the test database (see _SerialServerThread)."""
    override = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for conn in override.values():
        conn.inc_thread_sharing()
    thread = _SerialServerThread("127.0.0.1", StaticFilesHandler, connections_override=override)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for conn in override.values():
        conn.dec_thread_sharing()


def _run_module():
    spec = importlib.util.spec_from_file_location("loadtest_run", LOADTEST / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _data(password: str) -> None:
    from jiayuan.cases.models import DepartmentMember
    from jiayuan.cases.services import create_department, sync_case_types
    from jiayuan.demodata import Generator
    from jiayuan.grid.models import GridMember
    from jiayuan.people.services import bulk_register
    from jiayuan.regions.models import Region
    from jiayuan.servicecenter.services import load_catalogs

    sync_case_types()
    load_catalogs(Actor(None, "command"))
    users = {}
    for username, role, scope in ROLES:
        u = User(username=username, role=role, scope_id=scope, full_name=username)
        u.set_password(password)
        u.save()
        users[role] = u
    GridMember.objects.create(grid_id=GRID, user=users["grid_member"], name="网格员")
    county = Actor(users["county_officer"], "command")
    dept = create_department(county, "lt-cgj", "压力测试城管局", Region.objects.get(code="620702"),
                             case_types=["grid_event"])
    DepartmentMember.objects.create(department=dept, user=users["department_staff"])
    households = Generator(7).village_households(OWNER_COMMUNITY, "交通巷社区", [GRID], 40, "交通巷社区")
    for h in households:  # the first search of each user (张) finds someone
        h.members[0].name = "张" + h.members[0].name[1:]
    bulk_register(Actor(None, "command"), households)


def test_locustfile_runs_every_kind_without_errors(serial_server, transactional_db, audit_log_flushable, settings,
                                                   tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}
    run = _run_module()
    _data(run.prepare.LOADTEST_PASSWORD)
    config = run.write_inputs(tmp_path / "lt", n_rosters=1, roster_rows=20, import_every=0)

    env = dict(os.environ, LOADTEST_ACCOUNTS=str(config), LOADTEST_EVERY_TASK_FIRST="1", LOADTEST_WAIT_MIN="0.2",
               LOADTEST_WAIT_MAX="0.5", LOADTEST_IMPORT_MAX_SECONDS="30", LOADTEST_POLL_SECONDS="0.5")
    prefix = tmp_path / "locust"
    proc = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOADTEST / "locustfile.py"), "--headless", "--host",
         serial_server, "-u", str(len(ROLES)), "-r", str(len(ROLES)), "--run-time", "20s", "--stop-timeout", "30",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=90)
    assert Path(f"{prefix}_stats.csv").exists(), proc.stderr[-3000:]
    with open(f"{prefix}_stats.csv", newline="") as f:
        stats = {r["Name"]: r for r in csv.DictReader(f)}
    with open(f"{prefix}_failures.csv", newline="") as f:
        failures = [f"{r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(f)]
    assert failures == [], "\n".join(failures) + "\n" + proc.stdout[-3000:] + proc.stderr[-3000:]
    missing = [k for k in EXPECTED if k not in stats or int(stats[k]["Request Count"]) == 0]
    assert missing == [], f"kinds never run: {missing}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, proc.stderr[-3000:]

    from jiayuan.imports.models import ImportJob
    from jiayuan.people.models import Person

    job = ImportJob.objects.get()
    assert (job.status, job.rows, job.created, job.errors) == ("done", 20, 20, 0)
    assert Person.objects.filter(region__code__startswith=OWNER_COMMUNITY).count() >= 40 + 20
    shutil.rmtree(tmp_path / "lt", ignore_errors=True)
