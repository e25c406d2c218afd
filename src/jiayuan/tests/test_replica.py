"""The read router against a real PostgreSQL streaming replica (issue 17, "Past one
machine"; jiayuan/dbrouting.py, docs/operations.md).

The module starts a second PostgreSQL cluster on a free port in a temporary directory,
made with ``pg_basebackup -R -X stream`` from the server of ``DATABASE_URL`` (the
machine's own PostgreSQL), streaming from it as a hot standby; it stops it and removes
the directory at the end. The main server is never restarted or reconfigured; it must
allow replication connections from 127.0.0.1 (a ``host replication all 127.0.0.1/32``
line in pg_hba.conf). Run::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME_test \\
        python -m pytest src/jiayuan/tests/test_replica.py -m replica --create-db

Skipped, with the reason, on SQLite, without the PostgreSQL binaries, or when the server
refuses replication connections. The tests run in file order: the last one stops the
replica.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from jiayuan import dbrouting
from jiayuan.dbrouting import REPLICA, lag_tolerant, may_lag
from jiayuan.regions.models import Region

pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])]

LAG_LOG = Path(tempfile.gettempdir()) / "jiayuan-replica-lag.txt"


def _pg_bin(name: str, major: str) -> str | None:
    for candidate in (f"/usr/lib/postgresql/{major}/bin/{name}", shutil.which(name)):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(argv: list[str]) -> list[str]:
    """Run PostgreSQL's programs as the ``postgres`` user when we are root (the server
    refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class Replica:
    def __init__(self, pg_ctl, datadir, port, log):
        self.pg_ctl, self.datadir, self.port, self.log = pg_ctl, datadir, port, log

    def start(self):
        subprocess.run(_as_postgres([self.pg_ctl, "-D", str(self.datadir), "-l", str(self.log), "-w", "-t", "600",
                                     "start"]), check=True, capture_output=True)

    def stop(self):
        subprocess.run(_as_postgres([self.pg_ctl, "-D", str(self.datadir), "-m", "fast", "-w", "stop"]),
                       capture_output=True)


def _setting(name: str) -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cur:
        cur.execute(f"SHOW {name}")
        return cur.fetchone()[0]


@pytest.fixture(scope="module")
def replica_server(django_db_setup, django_db_blocker):
    default = connections[DEFAULT_DB_ALIAS].settings_dict
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://… (the replica is made from its server)")
    with django_db_blocker.unblock():
        major = _setting("server_version").split(".")[0]
        wal_level = _setting("wal_level")
        # A hot standby needs these at least as high as its primary's.
        at_least = {n: _setting(n) for n in ("max_connections", "max_worker_processes", "max_wal_senders",
                                              "max_prepared_transactions", "max_locks_per_transaction")}
    if wal_level not in ("replica", "logical"):
        pytest.skip(f"the server's wal_level is {wal_level}: a streaming replica needs replica or logical")
    tools = {n: _pg_bin(n, major) for n in ("pg_basebackup", "pg_ctl")}
    if not all(tools.values()):
        pytest.skip(f"PostgreSQL {major} programs missing: {[n for n, p in tools.items() if not p]}")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root needs runuser to start PostgreSQL as the postgres user")
    host = default.get("HOST") or "127.0.0.1"
    primary_port = str(default.get("PORT") or 5432)
    user = default.get("USER") or "postgres"
    tmp = Path(tempfile.mkdtemp(prefix="jiayuan-replica-"))
    datadir, log = tmp / "data", tmp / "replica.log"
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port = _free_port()
    started = time.monotonic()
    backup = subprocess.run(
        _as_postgres([tools["pg_basebackup"], "-h", host, "-p", primary_port, "-U", user, "-D", str(datadir),
                      "-R", "-X", "stream", "-c", "fast", "--no-password"]),
        capture_output=True, text=True, env={**os.environ, "PGPASSWORD": default.get("PASSWORD") or ""})
    if backup.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.skip("the server refuses pg_basebackup (a pg_hba.conf line "
                    f"'host replication all 127.0.0.1/32 …' is needed): {backup.stderr.strip()[:300]}")
    backup_seconds = time.monotonic() - started
    # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy gets its own.
    (datadir / "postgresql.conf").write_text(
        f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{tmp}'\n"
        "hot_standby = on\nshared_buffers = 32MB\nfsync = off\n"
        "hot_standby_feedback = on\nwal_receiver_status_interval = 1s\n"
        + "".join(f"{n} = {v}\n" for n, v in at_least.items()))
    (datadir / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (datadir / "pg_ident.conf").write_text("")
    if os.geteuid() == 0:
        for p in (datadir / "postgresql.conf", datadir / "pg_hba.conf", datadir / "pg_ident.conf"):
            shutil.chown(p, "postgres", "postgres")
    replica = Replica(tools["pg_ctl"], datadir, port, log)
    try:
        replica.start()
    except subprocess.CalledProcessError as exc:
        text = log.read_text() if log.exists() else ""
        replica.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"the replica did not start: {exc.stderr!r} {text[-1500:]}")
    replica.backup_seconds = backup_seconds
    # The alias mirrors the default one in settings (tests create no database for it and
    # never flush it); here it is pointed at the replica's port.
    from django.conf import settings

    added = REPLICA not in settings.DATABASES
    if added:
        settings.DATABASES[REPLICA] = {**default, "TEST": {**default.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}}
        connections.settings[REPLICA] = settings.DATABASES[REPLICA]
    yield replica
    connections[REPLICA].close()
    replica.stop()
    if added:
        settings.DATABASES.pop(REPLICA, None)
        connections.settings.pop(REPLICA, None)
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def replica(replica_server, settings):
    """The running replica, with the ``replica`` alias pointing at it (the test database
    of the default alias, on the replica's port), a fresh lag measurement on every read,
    and a bound of one second."""
    conn = connections[REPLICA]
    saved = conn.settings_dict
    conn.close()
    conn.settings_dict = {**connections[DEFAULT_DB_ALIAS].settings_dict, "HOST": "127.0.0.1",
                          "PORT": str(replica_server.port), "CONN_MAX_AGE": 0,
                          "OPTIONS": {"connect_timeout": 2}}
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 1.0
    dbrouting.forget_replica_state()
    yield replica_server
    conn.close()
    conn.settings_dict = saved
    dbrouting.forget_replica_state()


def _on_replica(sql, params=()):
    with connections[REPLICA].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def _wait_visible(code: str, timeout: float = 30.0) -> float:
    """Seconds until the region ``code`` is visible on the replica."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _on_replica("SELECT count(*) FROM regions_region WHERE code = %s", [code])[0]:
            return time.monotonic() - started
        time.sleep(0.005)
    raise AssertionError(f"region {code} not replicated within {timeout} s")


def test_declared_reads_go_to_the_replica_others_and_writes_to_the_primary(replica):
    # (one test for several checks: every transactional test flushes the database)
    assert _on_replica("SELECT pg_is_in_recovery()")[0] is True
    with connections[DEFAULT_DB_ALIAS].cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        assert cur.fetchone()[0] >= 1

    lags = []
    for i in range(20):
        Region.objects.create(code=f"99{i:04d}", name=f"复制测试{i}", level=Region.Level.COUNTY)
        lags.append(_wait_visible(f"99{i:04d}"))
    lags.sort()
    Region.objects.bulk_create(Region(code=f"98{i:04d}", name=f"批量{i}", level=Region.Level.COUNTY)
                               for i in range(5000))
    bulk = _wait_visible("984999")
    LAG_LOG.write_text(f"pg_basebackup {replica.backup_seconds:.1f} s; commit-to-visible on the replica over "
                       f"20 single-row commits: median {lags[10] * 1000:.1f} ms, max {lags[-1] * 1000:.1f} ms; "
                       f"one commit of 5000 rows: {bulk * 1000:.1f} ms\n")

    with CaptureQueriesContext(connections[REPLICA]) as on_replica, \
            CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_primary:
        assert Region.objects.filter(code__startswith="99").count() == 20  # undeclared: primary
        with lag_tolerant():
            assert Region.objects.filter(code__startswith="99").count() == 20
            # a write inside a declared block still goes to the primary (the replica is read-only)
            Region.objects.filter(code="990000").update(name="改名")
        listed = may_lag(Region.objects.filter(code__startswith="99"))
        assert len(list(listed)) == 20
    replica_reads = [q["sql"] for q in on_replica.captured_queries if "regions_region" in q["sql"]]
    primary_reads = [q["sql"] for q in on_primary.captured_queries if "regions_region" in q["sql"]]
    assert len(replica_reads) == 2  # the declared count and the marked list
    assert len(primary_reads) == 2 and primary_reads[1].startswith("UPDATE")

    # A read inside a transaction stays on the primary, declared or not (read-your-own-write).
    from django.db import transaction

    with transaction.atomic(), lag_tolerant():
        Region.objects.create(code="998888", name="事务内", level=Region.Level.COUNTY)
        assert dbrouting.read_alias() == DEFAULT_DB_ALIAS
        assert Region.objects.filter(code="998888").exists()


def test_a_replica_that_lags_beyond_the_bound_is_not_read(replica):
    _on_replica("SELECT pg_wal_replay_pause()")
    try:
        Region.objects.create(code="997777", name="滞后", level=Region.Level.COUNTY)
        time.sleep(1.5)  # the bound is 1 s: the unreplayed commit makes the replica 1.5 s+ behind
        lag = dbrouting.replica_lag()
        assert lag is not None and lag > 1.0
        assert dbrouting.read_alias() == DEFAULT_DB_ALIAS
        with lag_tolerant():
            assert Region.objects.filter(code="997777").exists()  # read from the primary
    finally:
        _on_replica("SELECT pg_wal_replay_resume()")
    _wait_visible("997777")
    # Caught up again: read again. (The machine's server is shared: other databases' WAL
    # keeps arriving, so the lag is small rather than exactly 0; poll for the bound.)
    deadline = time.monotonic() + 30
    while dbrouting.read_alias() != REPLICA and time.monotonic() < deadline:
        time.sleep(0.1)
    assert dbrouting.read_alias() == REPLICA
    assert dbrouting.replica_lag() is not None


def test_a_replica_that_is_down_is_not_read(replica):
    Region.objects.create(code="996666", name="宕机", level=Region.Level.COUNTY)
    replica.stop()
    connections[REPLICA].close()
    started = time.monotonic()
    assert dbrouting.replica_lag() is None
    assert dbrouting.read_alias() == DEFAULT_DB_ALIAS
    with lag_tolerant():
        assert Region.objects.filter(code="996666").exists()
    assert time.monotonic() - started < 5  # a refused connection, not a hang


def test_a_replica_that_dies_between_the_check_and_the_query_is_read_again_on_the_primary(replica, settings,
                                                                                           users):
    """The lag was measured (usable) and is not measured again for an hour; then the
    replica stops before the declared reads run: each is answered by the primary
    instead of failing, and the replica is marked down (later reads go to the primary
    without trying it)."""
    from django.test import Client

    from jiayuan.people.selectors import PersonFilters, search_persons

    if _is_down(replica):  # the previous test stopped it
        replica.start()
    Region.objects.create(code="995555", name="检查后宕机", level=Region.Level.COUNTY)
    _wait_visible("995555")
    settings.REPLICA_CHECK_SECONDS = 3600
    dbrouting.forget_replica_state()
    assert dbrouting.read_alias() == REPLICA  # measured now: usable
    listed = may_lag(Region.objects.filter(code__startswith="9955"))
    counted = may_lag(Region.objects.filter(code__startswith="9955"))
    persons = may_lag(search_persons(users["county"], PersonFilters()))
    assert listed.db == counted.db == persons.db == REPLICA

    @lag_tolerant()
    def declared_view():
        return Region.objects.filter(code="995555").values_list("name", flat=True).get()

    connections[REPLICA].close()
    replica.stop()
    started = time.monotonic()
    assert [r.code for r in listed] == ["995555"]  # evaluated: read on the primary
    assert not dbrouting.replica_usable()  # marked down, no new measurement (an hour)
    dbrouting.forget_replica_state()
    settings.REPLICA_CHECK_SECONDS = 3600
    with _usable_once():
        assert counted.count() == 1
    with _usable_once():
        assert declared_view() == "检查后宕机"
    with _usable_once():
        assert list(persons.values_list("pk", flat=True)) == []
    with _usable_once():  # a real page: the person search list (page 居民)
        client = Client()
        client.force_login(users["county"])
        assert client.get("/persons/").status_code == 200
    assert time.monotonic() - started < 10  # refused connections, no hang


def _is_down(replica) -> bool:
    try:
        _on_replica("SELECT 1")
        return False
    except Exception:  # noqa: BLE001 - refused: down
        connections[REPLICA].close()
        return True


@contextmanager
def _usable_once():
    """The last measurement says the replica is usable (as it was before it stopped):
    the next declared read goes to it, finds it dead, and must be read on the primary."""
    with dbrouting._lock:
        dbrouting._state.update(lag=0.0, checked_at=time.monotonic())
    yield
    assert not dbrouting.replica_usable()  # marked down by the failed read
