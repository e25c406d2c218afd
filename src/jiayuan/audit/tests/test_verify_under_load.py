"""``verify`` while the application writes (issue 11, finding 5): verify reads the chain
head and the entries in one consistent snapshot, so entries committed while it walks
the log are never taken for tampering ("链尾记录缺失").

A writer process appends entries through ``audit.services.record`` (one transaction
each, as every service does) without pause, while a verifier process runs
``verify_chain`` several times over a log of 20,000 entries. Both run against a database
of their own (a fresh SQLite file in WAL mode, as the project configures it, or a fresh
PostgreSQL database on the suite's server), since the suite's SQLite test database lives
in memory and cannot be shared between processes, and a test's own transaction would
hide the writer's commits. Before the fix, verify read the entries and then the head
outside one snapshot and reported "链尾记录缺失" here on every run.
"""

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from django.db import connection

SEED = 20_000


def _python(env, body: str, **kw) -> subprocess.Popen | subprocess.CompletedProcess:
    script = "import django, os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jiayuan.settings')\n" \
             "django.setup()\n" + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=300, capture_output=True,
                          text=True, **kw)


@pytest.fixture
def own_database(tmp_path):
    """A migrated database of its own: the environment to reach it."""
    if connection.vendor == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path / 'load.sqlite3'}", None
    elif connection.vendor == "postgresql":
        import psycopg

        name = f"jiayuan_auditload_{uuid.uuid4().hex[:10]}"
        s = connection.settings_dict
        params = {"host": s.get("HOST") or "127.0.0.1", "port": s.get("PORT") or 5432, "user": s.get("USER"),
                  "password": s.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True}
        with psycopg.connect(**params) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        auth = s.get("USER") or ""
        if s.get("PASSWORD"):
            auth += f":{s['PASSWORD']}"
        url = f"postgres://{auth}@{params['host']}:{params['port']}/{name}"

        def cleanup():
            with psycopg.connect(**params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        pytest.skip("needs SQLite or PostgreSQL")
    env = {**os.environ, "DATABASE_URL": url, "JIAYUAN_VAR_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "jiayuan.cli", "migrate", "-v0"], env=env, check=True, timeout=300)
    yield env
    if cleanup:
        cleanup()


WRITER = """
    import time
    from jiayuan.audit.services import Actor, record
    stop, actor, n, t0 = sys.argv[1], Actor(None, "command"), 0, time.monotonic()
    while not os.path.exists(stop) and time.monotonic() - t0 < 240:
        record(actor, "load.write", object_type="load.item", object_id=n, changes={"n": [n, n + 1]})
        n += 1
        if n == 1:
            print("WRITING", flush=True)
    print(n, flush=True)
"""

VERIFIER = """
    import json
    from jiayuan.audit.models import AuditEntry
    from jiayuan.audit.selectors import verify_chain
    runs = []
    for _ in range(5):
        r = verify_chain(chunk_size=2000)
        runs.append({"ok": r.ok, "checked": r.checked, "reason": r.reason})
    print(json.dumps(runs, ensure_ascii=False))
"""


def test_verify_never_reports_tampering_while_entries_are_written(own_database, tmp_path):
    env = own_database
    seeded = int(_python(env, f"""
        from django.db import transaction
        from jiayuan.audit.services import Actor, record_bulk
        items = [{{"action": "seed", "object_type": "load.item", "object_id": i, "changes": {{"n": [None, i]}}}}
                 for i in range({SEED})]
        with transaction.atomic():
            record_bulk(Actor(None, "import"), items)
        from jiayuan.audit.models import AuditEntry
        print(AuditEntry.objects.count())
    """).stdout)
    stop = tmp_path / "stop"
    script = "import django, os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jiayuan.settings')\n" \
             "django.setup()\n" + textwrap.dedent(WRITER)
    writer = subprocess.Popen([sys.executable, "-c", script, str(stop)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "WRITING", writer.stderr.read()
        t0 = time.monotonic()
        runs = json.loads(_python(env, VERIFIER).stdout)
        elapsed = time.monotonic() - t0
    finally:
        stop.touch()
        written = writer.communicate(timeout=60)[0]
    assert writer.returncode == 0
    assert [r["reason"] for r in runs] == [""] * 5, runs
    assert all(r["ok"] for r in runs)
    checked = [r["checked"] for r in runs]
    # The writer went on while verify ran: every run saw a longer log than the one before.
    assert checked == sorted(set(checked)) and checked[0] > seeded >= SEED, (checked, elapsed)
    assert int(written) > checked[-1] - seeded
    final = json.loads(_python(env, VERIFIER).stdout)
    assert all(r["ok"] and r["checked"] == seeded + int(written) for r in final), final
