"""Fault drills with a private PostgreSQL server that is really restarted, and gunicorn
workers killed (issue 17, "Faults"; docs/operations.md). CI runs them in its
PostgreSQL lane; skipped on SQLite and without the PostgreSQL programs, with the reason.

The machine's shared server is never restarted: :class:`~jiayuan.tests.pgcluster.PrivateCluster`
runs its own cluster (``initdb`` into /tmp, a free port). Each test builds its data
in-process with the suite's fixtures (through the services), copies the test database
into the private cluster (``pg_dump | pg_restore``) as a base, and runs the platform —
``jiayuan serve`` (gunicorn, 2 workers) or ``jiayuan worker`` — against copies of it
(``CREATE DATABASE … TEMPLATE``). :mod:`jiayuan.tests.holds` holds one function of the
running platform at the chosen point (inside the transaction, rows written, not
committed) while the drill restarts the server (``pg_ctl restart -m fast``) or kills the
process (``kill -9``); an uninterrupted run in another copy is the reference.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from jiayuan.tests import holds
from jiayuan.tests.pgcluster import PrivateCluster, pg_major
from jiayuan.tests.test_replica import _free_port

# the suite's fixtures this module builds its data with
from jiayuan.assistance.tests.test_batches import household_of, two_households  # noqa: F401
from jiayuan.eldercare.tests.conftest import assess  # noqa: F401
from jiayuan.eldercare.tests.test_orders import run as run_order, world  # noqa: F401

# (transactional: the data is built, committed and copied by the first test that needs it)
pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="故障演练需要 PostgreSQL（重启私有实例）")]

UNAVAILABLE = "数据库暂时无法连接"
BATCH = {"program": "subsistence_allowance", "county": "620702", "month": "2025-03"}
CSRF = "J" * 32  # a CSRF cookie of our own, sent back in the header: what a browser's form does


@pytest.fixture(scope="module")
def cluster():
    major = pg_major()
    if major is None:
        pytest.skip("PostgreSQL server programs (initdb) not installed")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root needs runuser to start PostgreSQL as the postgres user")
    c = PrivateCluster(major)
    yield c
    c.remove()


def _python(env: dict, body: str) -> str:
    script = "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jiayuan.settings')\n" \
             "django.setup()\n" + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class Platform:
    """The test's data on the private cluster: :meth:`copy` gives the environment of a
    fresh copy; :meth:`serve` and :meth:`worker` run the platform on one."""

    def __init__(self, cluster: PrivateCluster, base: str, auth: dict, facts: dict):
        self.cluster, self.base, self.auth, self.facts = cluster, base, auth, facts
        self.dirs: list[Path] = []
        self.procs: list[subprocess.Popen] = []

    def copy(self) -> dict:
        name = f"jy_{uuid.uuid4().hex[:10]}"
        url = self.cluster.create(name, template=self.base)
        var = Path(tempfile.mkdtemp(prefix="jy-var-", dir="/tmp"))
        self.dirs.append(var)
        return {**os.environ, "DATABASE_URL": url, "JIAYUAN_VAR_DIR": str(var), "JIAYUAN_ENV": "demo",
                "JIAYUAN_TASKS_BACKEND": "", "JIAYUAN_IMPORT_CHUNK_ROWS": "10", "DB_NAME": name,
                "PYTHONPATH": os.pathsep.join(sys.path)}

    def _start(self, env: dict, hold: str | None, command: list[str]) -> tuple[subprocess.Popen, Path]:
        hold_dir = Path(tempfile.mkdtemp(prefix="jy-hold-", dir="/tmp"))
        self.dirs.append(hold_dir)
        argv = [sys.executable, "-m", "jiayuan.tests.holds", str(hold_dir), hold, "--", *command] if hold else \
            [sys.executable, "-m", "jiayuan.cli", *command]
        log = open(hold_dir / "log", "w")
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc, hold_dir

    def serve(self, env: dict, hold: str | None = None) -> "Server":
        port = _free_port()
        proc, hold_dir = self._start(env, hold, ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"])
        server = Server(proc, port, hold_dir, self.auth)
        server.wait_up()
        return server

    def worker(self, env: dict, hold: str | None = None) -> tuple[subprocess.Popen, Path]:
        return self._start(env, hold, ["worker", "--no-startup-delay", "--interval", "0.1"])

    def close(self) -> None:
        for d in self.dirs:
            if d.name.startswith("jy-hold-"):
                holds.release(d)
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)  # gunicorn: quick shutdown; the worker: stop
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


class Server:
    def __init__(self, proc, port, hold_dir, auth):
        self.proc, self.port, self.hold_dir, self.auth = proc, port, hold_dir, auth

    def wait_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/accounts/login/", timeout=5):
                    return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer: {self.log()}")

    def log(self) -> str:
        return (self.hold_dir / "log").read_text(errors="replace")

    def request(self, method: str, path: str, who: str, body: dict | None = None, *, api: bool) -> dict:
        """One request as ``who`` (API: bearer token, JSON; page: session cookie, form
        with CSRF). {"status", "body", "headers"}; {"status": None, "error"} when the
        connection broke (a killed worker)."""
        import urllib.parse

        headers = {}
        data = None
        if api:
            headers["Authorization"] = f"Bearer {self.auth['tokens'][who]}"
            if body is not None:
                data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        else:
            headers["Cookie"] = f"sessionid={self.auth['sessions'][who]}; csrftoken={CSRF}"
            if body is not None:
                data = urllib.parse.urlencode(body).encode()
                headers.update({"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": CSRF,
                                "Referer": f"http://127.0.0.1:{self.port}/"})
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers,
                                     method=method)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        try:
            with urllib.request.build_opener(NoRedirect).open(req, timeout=90) as r:
                return {"status": r.status, "body": r.read().decode(), "headers": dict(r.headers)}
        except urllib.error.HTTPError as e:
            return {"status": e.code, "body": e.read().decode(), "headers": dict(e.headers)}
        except (ConnectionError, urllib.error.URLError, OSError) as e:
            return {"status": None, "error": repr(e)}

    def in_thread(self, *args, **kwargs) -> tuple[threading.Thread, dict]:
        answer: dict = {}
        t = threading.Thread(target=lambda: answer.update(self.request(*args, **kwargs)))
        t.start()
        return t, answer


_BASE: dict = {}


@pytest.fixture
def platform(request, cluster):
    """The data of the drills, built through the services, on the private cluster:
    households A and B enrolled in 低保 (668.01 and 735.00 yuan for March 2025, worked by
    hand in assistance's test_batches), the home-care world of eldercare's test_orders
    with three orders done and confirmed this month (3 × 30.00 × 2 h = 180.00 yuan), a
    grid event reported; a bearer token and a session per user. Built once per module
    (in the first test that needs it, a transactional one) and kept in the cluster as
    the base database every copy is made from."""
    if cluster not in _BASE.values():
        _BASE.clear()
        _BASE.update(_build_base(request, cluster), cluster=cluster)
    p = Platform(cluster, _BASE["base"], _BASE["auth"], _BASE["facts"])
    yield p
    p.close()
    with cluster.connect() as admin:
        for (name,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE 'jy\\_%'").fetchall():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _build_base(request, cluster) -> dict:
    from django.test import Client

    from jiayuan.conftest import PASSWORD, PEER_GRID, seed_reference_data
    from jiayuan.eldercare.models import WorkOrder
    from jiayuan.regions.models import Region
    from jiayuan.tests.pgdb import admin_params

    request.getfixturevalue("transactional_db")
    if not Region.objects.filter(code=PEER_GRID).exists():  # an earlier transactional test flushed
        seed_reference_data()
    request.getfixturevalue("media_root")
    users = request.getfixturevalue("users")
    request.getfixturevalue("two_households")
    w = request.getfixturevalue("world")
    for o in WorkOrder.objects.filter(plan=w["plan"]).order_by("pk")[:3]:
        run_order(w, o)
    case = request.getfixturevalue("report_event")()
    tokens, sessions = {}, {}
    for who in ("county", "township", "community"):
        tokens[who] = Client().post("/api/v1/auth/token", {"username": who, "password": PASSWORD},
                                    content_type="application/json").json()["token"]
        c = Client()
        c.force_login(users[who])
        sessions[who] = c.cookies["sessionid"].value
    base = f"base_{uuid.uuid4().hex[:8]}"
    cluster.copy_database({**admin_params(), "dbname": connection.settings_dict["NAME"]}, base)
    return {"base": base, "auth": {"tokens": tokens, "sessions": sessions},
            "facts": {"case": case.number, "provider": w["org"].pk, "month": f"{w['today']:%Y-%m}"}}


STATE = """
    import json
    from jiayuan.assistance.models import PaymentBatch, PaymentLine
    from jiayuan.audit.models import AuditEntry
    from jiayuan.audit.selectors import verify_chain
    from jiayuan.cases.models import Case, CaseEvent
    from jiayuan.eldercare.models import Settlement, SettlementLine
    from jiayuan.imports.models import ImportJob
    from jiayuan.people.models import Household, Person
    print(json.dumps({
        "batches": sorted([b.program_id, b.county_id, str(b.month), b.status, b.generation, b.line_count,
                           str(b.total_amount)] for b in PaymentBatch.objects.all()),
        "lines": sorted([l.person.name, str(l.amount), l.members, str(l.benefit_month), l.rule, l.status]
                        for l in PaymentLine.objects.select_related("person")),
        "settlements": sorted([s.status, s.generation, s.order_count, str(s.gross), str(s.net),
                               s.generated_at is not None] for s in Settlement.objects.all()),
        "settlement_lines": sorted([l.order_id, str(l.net), l.live, l.generation]
                                   for l in SettlementLine.objects.all()),
        "cases": sorted([c.number, c.state, c.version] for c in Case.objects.all()),
        "case_events": sorted([e.action, e.from_state, e.to_state] for e in CaseEvent.objects.all()),
        "persons": sorted([p.name, p.id_number_hash, p.household.number if p.household else "", p.region_id]
                          for p in Person.objects.select_related("household")),
        "households": Household.objects.count(),
        "jobs": [[j.status, j.error_code, j.created, j.unchanged] for j in ImportJob.objects.order_by("pk")],
        "audited": sorted(AuditEntry.objects.exclude(action__in=["token.issue", "auth.login"])
                          .values_list("action", "object_repr")),
        "chain_ok": verify_chain().ok,
    }))
"""


def _state(env: dict) -> dict:
    return json.loads(_python(env, STATE))


def _same(got: dict, want: dict, *keys: str) -> None:
    assert {k: got[k] for k in keys} == {k: want[k] for k in keys}


def _no_traceback(server: Server) -> None:
    log = server.log()
    assert "Traceback" not in log, log[-4000:]


def _unavailable(answer: dict, api: bool) -> None:
    assert answer.get("status") == 503, answer
    assert UNAVAILABLE in answer["body"] and "Traceback" not in answer["body"]
    assert answer["headers"].get("Retry-After") == "30"
    if api:
        assert json.loads(answer["body"])["error"]["code"] == "database_unavailable"


# ------------------------------------------------------------------ PostgreSQL restarted

def test_postgresql_restarted_mid_request_then_served_again(platform):
    env = platform.copy()
    server = platform.serve(env, hold="jiayuan.people.selectors:search_persons")
    # A page request inside the view, its connection open, when the server restarts.
    t, answer = server.in_thread("GET", "/persons/", "county", api=False)
    holds.held_pid(server.hold_dir)
    started = time.monotonic()
    platform.cluster.restart()
    restart_seconds = time.monotonic() - started
    holds.release(server.hold_dir)
    t.join(timeout=60)
    _unavailable(answer, api=False)
    # An API request while the server is down.
    platform.cluster.stop()
    try:
        _unavailable(server.request("GET", "/api/v1/persons", "county", api=True), api=True)
        _unavailable(server.request("GET", "/persons/", "county", api=False), api=False)
    finally:
        platform.cluster.start()
    # Up again: the next requests are served (each worker opens a new connection).
    for _ in range(2):
        assert server.request("GET", "/api/v1/persons", "county", api=True)["status"] == 200
        assert server.request("GET", "/persons/", "county", api=False)["status"] == 200
    _no_traceback(server)
    assert "database unavailable" in server.log()
    assert _state(env)["chain_ok"]
    assert restart_seconds < 30


def test_postgresql_restarted_mid_batch_generation_and_settlement(platform):
    reference = platform.copy()
    _python(reference, f"""
        import datetime
        from jiayuan.accounts.models import User
        from jiayuan.assistance.models import Program
        from jiayuan.assistance.services import generate_batch
        from jiayuan.audit.services import Actor
        from jiayuan.eldercare.orders import settlement_services
        from jiayuan.organizations.models import SocialOrganization
        from jiayuan.regions.models import Region
        county = User.objects.get(username="county")
        generate_batch(Actor(county, "api"), Program.objects.get(code="subsistence_allowance"),
                       Region.objects.get(code="620702"), datetime.date(2025, 3, 1))
        settlement_services.generate(Actor(county, "page"), SocialOrganization.objects.get(pk={platform.facts["provider"]}),
                                     "620702", datetime.date.fromisoformat("{platform.facts["month"]}-01"))
    """)
    want = _state(reference)
    assert want["batches"] == [["subsistence_allowance", "620702", "2025-03-01", "draft", 1, 2, "1403.01"]]
    assert sorted(line[1] for line in want["lines"]) == ["668.01", "735.00"]
    assert [s[:5] for s in want["settlements"]] == [["draft", 1, 3, "180.00", "180.00"]]

    for what, hold in (("batch", "jiayuan.assistance.services.batches:_store_report"),
                       ("settlement", "jiayuan.eldercare.orders.settlement_services:_event")):
        env = platform.copy()
        server = platform.serve(env, hold=hold)
        before = _state(env)
        if what == "batch":
            t, answer = server.in_thread("POST", "/api/v1/assistance/batches", "county", BATCH, api=True)
        else:
            t, answer = server.in_thread("POST", "/eldercare/settlements/", "county",
                                         {"provider": platform.facts["provider"], "month": platform.facts["month"]},
                                         api=False)
        holds.held_pid(server.hold_dir)  # lines inserted, not committed
        platform.cluster.restart()
        holds.release(server.hold_dir)
        t.join(timeout=60)
        _unavailable(answer, api=what == "batch")
        during = _state(env)
        # Nothing half-written: no batch, no line; the settlement (a row made empty,
        # before, in its own transaction) has no line and was never generated.
        assert during["lines"] == [] and during["batches"] == [] and during["settlement_lines"] == []
        assert all(not s[5] for s in during["settlements"])
        assert during["audited"] == before["audited"] and during["chain_ok"]
        # The same request again: the run equals the uninterrupted one.
        if what == "batch":
            assert server.request("POST", "/api/v1/assistance/batches", "county", BATCH, api=True)["status"] == 201
        else:
            again = server.request("POST", "/eldercare/settlements/", "county",
                                   {"provider": platform.facts["provider"], "month": platform.facts["month"]},
                                   api=False)
            assert again["status"] == 302, again
        got = _state(env)
        keys = ("batches", "lines") if what == "batch" else ("settlements", "settlement_lines")
        _same(got, want, *keys)
        assert [a for a in got["audited"] if a not in before["audited"]] == \
               [a for a in want["audited"] if a[0] in (("payment_batch.generate",) if what == "batch"
                                                        else ("eldercare.settlement.generate",))]
        assert got["chain_ok"]
        _no_traceback(server)


def _queue_roster(env: dict, path: Path) -> None:
    _python(env, f"""
        from pathlib import Path
        from jiayuan.accounts.models import User
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.regions.models import Region
        job = services.create_job(Actor(User.objects.get(username="community"), "page"),
                                  Region.objects.get(code="620702001001"), "roster.csv", Path({str(path)!r}).read_bytes())
        tasks.enqueue_job(job)
    """)


def _wait_job(cluster: PrivateCluster, env: dict, pk_rank: int, statuses: tuple, timeout: float = 60,
              log: Path | None = None) -> list:
    deadline = time.monotonic() + timeout
    row = None
    while time.monotonic() < deadline:
        try:
            with cluster.connect(env["DB_NAME"]) as db:
                rows = db.execute("SELECT status, error_code, created FROM imports_importjob ORDER BY id").fetchall()
        except Exception:  # noqa: BLE001 - the server may be starting again
            rows = []
        row = rows[pk_rank] if len(rows) > pk_rank else None
        if row and row[0] in statuses:
            return list(row)
        time.sleep(0.1)
    raise AssertionError(f"import job {pk_rank}: {row}\n{log.read_text()[-5000:] if log else ''}")


def test_postgresql_restarted_mid_import_worker_reconnects(platform, tmp_path):
    from jiayuan.tests.test_faults import _roster

    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    reference = platform.copy()
    _queue_roster(reference, path)
    done = subprocess.run([sys.executable, "-m", "jiayuan.cli", "worker", "--batch", "--no-startup-delay"],
                          env=reference, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    want = _state(reference)
    assert want["jobs"] == [["done", "", 36, 0]]

    env = platform.copy()
    _queue_roster(env, path)
    worker, hold_dir = platform.worker(env, hold="jiayuan.imports.engine.write:record_bulk@2")
    holds.held_pid(hold_dir)  # the second chunk's persons inserted, not committed
    # The other writer thread goes on with the third and fourth chunks (9 rows each):
    # restart once they are committed, with the second chunk's transaction open.
    with platform.cluster.connect(env["DB_NAME"]) as db:
        deadline = time.monotonic() + 30
        while db.execute("SELECT created FROM imports_importjob").fetchone()[0] < 27 and time.monotonic() < deadline:
            time.sleep(0.05)
    platform.cluster.restart()
    holds.release(hold_dir)
    status, code, created = _wait_job(platform.cluster, env, 0, ("failed", "done"), log=hold_dir / "log")
    assert (status, code, created) == ("failed", "import.interrupted", 27)
    assert worker.poll() is None, (hold_dir / "log").read_text()  # the worker reconnected and goes on
    _python(env, """
        from jiayuan.accounts.models import User
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.imports.models import ImportJob
        tasks.enqueue_job(services.retry_job(Actor(User.objects.get(username="community"), "page"),
                                             ImportJob.objects.get()))
    """)
    assert _wait_job(platform.cluster, env, 1, ("done", "failed"), log=hold_dir / "log") == ["done", "", 9]
    got = _state(env)
    assert got["jobs"] == [["failed", "import.interrupted", 27, 0], ["done", "", 9, 27]]
    _same(got, want, "persons", "households")
    assert [a for a in got["audited"] if a[0] in ("person.create", "household.create")] == \
           [a for a in want["audited"] if a[0] in ("person.create", "household.create")]
    assert got["chain_ok"]
    log = (hold_dir / "log").read_text()
    assert "Traceback" not in log, log[-4000:]


# ------------------------------------------------------------------ gunicorn workers killed

def test_gunicorn_worker_killed_mid_batch_generation_and_mid_transition(platform):
    reference = platform.copy()
    server = platform.serve(reference)
    assert server.request("POST", "/api/v1/assistance/batches", "county", BATCH, api=True)["status"] == 201
    want = _state(reference)

    env = platform.copy()
    server = platform.serve(env, hold="jiayuan.assistance.services.batches:_store_report")
    before = _state(env)
    t, answer = server.in_thread("POST", "/api/v1/assistance/batches", "county", BATCH, api=True)
    os.kill(holds.held_pid(server.hold_dir), signal.SIGKILL)
    t.join(timeout=60)
    assert answer["status"] in (None, 502), answer  # the connection dropped with the worker
    assert _state(env)["batches"] == [] and _state(env)["lines"] == []
    again = server.request("POST", "/api/v1/assistance/batches", "county", BATCH, api=True)  # a new worker answers
    assert again["status"] == 201, again
    assert server.request("POST", "/api/v1/assistance/batches", "county", BATCH, api=True)["status"] == 409
    got = _state(env)
    _same(got, want, "batches", "lines")
    assert [a for a in got["audited"] if a not in before["audited"]] == \
           [a for a in want["audited"] if a[0] == "payment_batch.generate"]
    assert got["chain_ok"]

    # A case transition (立案), killed after the case row is updated and before the
    # timeline line and the audit entry: all or nothing.
    env = platform.copy()
    server = platform.serve(env, hold="jiayuan.cases.services:_add_event")
    number = platform.facts["case"]
    before = _state(env)
    assert before["cases"] == [[number, "reported", 1]]
    body = {"action": "accept", "version": 1, "comment": "属实，立案"}
    t, answer = server.in_thread("POST", f"/api/v1/cases/{number}/transitions", "township", body, api=True)
    os.kill(holds.held_pid(server.hold_dir), signal.SIGKILL)
    t.join(timeout=60)
    assert answer["status"] in (None, 502), answer
    after = _state(env)
    _same(after, before, "cases", "case_events", "audited")
    retry = server.request("POST", f"/api/v1/cases/{number}/transitions", "township", body, api=True)
    assert retry["status"] == 200, retry
    assert json.loads(retry["body"])["state"] == "accepted"
    twice = server.request("POST", f"/api/v1/cases/{number}/transitions", "township", body, api=True)
    assert twice["status"] == 409, twice  # version 1 is gone: done once
    got = _state(env)
    assert got["cases"] == [[number, "accepted", 2]]
    assert [e for e in got["case_events"] if e[0] == "accept"] == [["accept", "reported", "accepted"]]
    assert [a for a in got["audited"] if a[0] == "case.transition"] == \
           [a for a in before["audited"] if a[0] == "case.transition"] + [["case.transition", number]]
    assert got["chain_ok"]
