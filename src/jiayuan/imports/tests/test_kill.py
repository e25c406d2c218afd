"""Interrupted imports: a process killed in the middle of a chunk leaves no half-written
row or household, and running the same import again completes it with nothing
duplicated.

``test_kill_mid_chunk_then_rerun`` runs the real command in a subprocess against a
database of its own (a fresh SQLite file, or a fresh PostgreSQL database on the server
the suite uses), holds it inside the transaction of its second chunk, kills it with
SIGKILL, then re-runs it. ``test_failure_between_chunks_then_rerun`` does the same
in-process by failing from the progress callback after the first chunk.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import uuid

import pytest
from django.db import connection

from jiayuan.imports import services
from jiayuan.imports.models import ImportJob
from jiayuan.people.models import Household, Person

from .conftest import OWNER_COMMUNITY, csv_bytes, idn

HOUSEHOLDS = 12
MEMBERS = ("户主", "妻", "长子")


def _roster() -> bytes:
    rows = [["姓名", "身份证号", "户号", "与户主关系"]]
    for h in range(HOUSEHOLDS):
        for m, rel in enumerate(MEMBERS):
            n = h * 3 + m
            rows.append([f"居民{chr(0x4e00 + n)}", idn(f"620702198{m}0101{n:03d}"), f"{h + 1:03d}", rel])
    return csv_bytes(rows, "utf-8")


# ---------------------------------------------------------------- in-process


class Stop(Exception):
    pass


def test_failure_between_chunks_then_rerun(db, users, settings):
    settings.IMPORT_CHUNK_ROWS = 10  # households of 3 never split: chunks of 9 rows
    from jiayuan.audit.services import Actor
    from jiayuan.regions.models import Region

    region = Region.objects.get(code=OWNER_COMMUNITY)
    data = _roster()

    def stop_after_first_chunk(stage, done, total):
        if stage == "writing" and done > 0:
            raise Stop

    job = services.create_job(Actor(None, "command"), region, "r.csv", data, store_file=False)
    with pytest.raises(Stop):
        services.run_import(job, data, progress=stop_after_first_chunk)
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.FAILED, 9)
    assert Person.objects.count() == 9 and Household.objects.count() == 3
    assert all(h.members.count() == 3 and h.members.filter(relation_to_head="02").count() == 1
               for h in Household.objects.all())

    job2 = services.create_job(Actor(None, "command"), region, "r.csv", data, store_file=False)
    services.run_import(job2, data)
    job2.refresh_from_db()
    assert (job2.status, job2.created, job2.unchanged, job2.errors) == (ImportJob.Status.DONE, 27, 9, 0)
    assert Person.objects.count() == 36 and Household.objects.count() == 12


# ---------------------------------------------------------------- a real kill


def _database_url(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "") + "@" if s.get("USER") else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{name}"


@pytest.fixture
def fresh_database(tmp_path):
    """A migrated database of its own, with the regions of 交通巷社区: its URL."""
    if connection.vendor == "sqlite":
        url, cleanup = f"sqlite:///{tmp_path / 'kill.sqlite3'}", None
    elif connection.vendor == "postgresql":
        import psycopg

        name = f"jiayuan_kill_{uuid.uuid4().hex[:10]}"
        s = connection.settings_dict
        params = {"host": s.get("HOST") or "127.0.0.1", "port": s.get("PORT") or 5432, "user": s.get("USER"),
                  "password": s.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True}
        with psycopg.connect(**params) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = _database_url(name)

        def cleanup():
            with psycopg.connect(**params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        pytest.skip("needs SQLite or PostgreSQL")
    env = {**os.environ, "DATABASE_URL": url, "JIAYUAN_VAR_DIR": str(tmp_path), "JIAYUAN_IMPORT_CHUNK_ROWS": "10"}
    subprocess.run([sys.executable, "-m", "jiayuan.cli", "migrate", "-v0"], env=env, check=True, timeout=300)
    _python(env, """
        from jiayuan.regions.models import Region
        for code, name, level, parent in [("62", "甘肃省", "province", None), ("6207", "张掖市", "prefecture", "62"),
                ("620702", "甘州区", "county", "6207"), ("620702001", "东街街道", "township", "620702"),
                ("620702001001", "交通巷社区", "village", "620702001")]:
            Region.objects.create(code=code, name=name, level=level, parent_id=parent)
    """)
    yield env
    if cleanup:
        cleanup()


def _python(env, body: str, **kw):
    script = "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jiayuan.settings')\n" \
             "django.setup()\n" + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=300, capture_output=True,
                          text=True, **kw)


def held_in_second_chunk(cli_args: list[str]) -> str:
    """A Python script running ``jiayuan <cli_args>`` (the command, or the worker) with
    the import's audit writes held: the second chunk (persons inserted, not committed)
    prints ``HOLDING`` once the first chunk's 9 rows are committed, then waits, as
    does any later chunk (on PostgreSQL two writers may be at work), until killed."""
    return textwrap.dedent(f"""
        import os, sys, time, django
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
        django.setup()
        from jiayuan.imports.engine import write
        from jiayuan.imports.models import ImportJob
        real = write.record_bulk
        calls = []
        def held(actor, items):
            calls.append(1)
            if len(calls) >= 2:
                if len(calls) == 2:
                    while (ImportJob.objects.order_by("-pk").values_list("created", flat=True).first() or 0) < 9:
                        time.sleep(0.05)
                    print("HOLDING", flush=True)
                time.sleep(300)
            return real(actor, items)
        write.record_bulk = held
        from jiayuan.cli import main
        main(["jiayuan", *{cli_args!r}])
    """)


def kill_when_held(env: dict, hold: str) -> None:
    """Run the script ``hold`` (:func:`held_in_second_chunk`) and kill it with SIGKILL
    once it says ``HOLDING`` (nothing runs afterwards: what a Rust abort or the OOM
    killer amounts to)."""
    proc = subprocess.Popen([sys.executable, "-c", hold], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "HOLDING", proc.stderr.read() if proc.poll() is not None else line
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL


STATE = """
    import json
    from django.db.models import Count, Q
    from jiayuan.audit.models import AuditEntry
    from jiayuan.audit.selectors import verify_chain
    from jiayuan.people.models import Household, Person
    heads = list(Household.objects.annotate(n=Count("members")).values_list("n", flat=True))
    print(json.dumps({
        "persons": Person.objects.count(),
        "distinct_ids": Person.objects.values("id_number_hash").distinct().count(),
        "households": Household.objects.count(),
        "members_per_household": sorted(set(heads)),
        "heads_per_household": sorted(set(Household.objects.annotate(
            n=Count("members", filter=Q(members__relation_to_head="02"))).values_list("n", flat=True))),
        "audited_creates": AuditEntry.objects.filter(action="person.create", source="command").count(),
        "chain_ok": verify_chain().ok,
    }))
"""


def test_kill_mid_chunk_then_rerun(fresh_database, tmp_path):
    env = fresh_database
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    # The real command, held inside the transaction of its second chunk (persons of that
    # chunk inserted, not committed) until it is killed; any later chunk waits likewise.
    hold = held_in_second_chunk(["import", "residents", str(path), "--region", "620702001001", "--json"])
    kill_when_held(env, hold)

    state = json.loads(_python(env, STATE).stdout)
    assert state == {"persons": 9, "distinct_ids": 9, "households": 3, "members_per_household": [3],
                     "heads_per_household": [1], "audited_creates": 9, "chain_ok": True}

    rerun = subprocess.run([sys.executable, "-m", "jiayuan.cli", "import", "residents", str(path),
                            "--region", "620702001001", "--json"], env=env, capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    out = json.loads(rerun.stdout)
    assert (out["rows"], out["created"], out["updated"], out["unchanged"], out["errors"]) == (36, 27, 0, 9, 0)
    state = json.loads(_python(env, STATE).stdout)
    assert state == {"persons": 36, "distinct_ids": 36, "households": 12, "members_per_household": [3],
                     "heads_per_household": [1], "audited_creates": 36, "chain_ok": True}
