"""Audit chain timings: writing N entries with ``record_bulk`` (the import's path),
``verify_chain`` over them, and the bare hash throughput of the bulk path's payloads
(SHA-256 against HMAC-SHA256).

    .venv/bin/python bench/audit_chain.py [--entries 100000] [--database-url URL]

The database (default: a fresh SQLite file under a temporary directory; a PostgreSQL
URL names a database that is dropped and created again) is migrated first. Prints
JSON.
"""

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def payloads(n: int) -> list[bytes]:
    """Canonical JSON texts shaped like the import's person.create entries."""
    out = []
    prev = "0" * 64
    for i in range(n):
        out.append((
            f'{{"action":"person.create","actor_id":null,"actor_name":"system","changes":{{"address":[null,"南关 {i} 号"],'
            f'"birth_date":["***","***"],"id_number":["***","***"],"name":[null,"张{i}"]}},"extra":{{"import_job":1,'
            f'"row":{i}}},"object_id":"{i}","object_repr":"张{i}","object_type":"people.person",'
            f'"occurred_at":"2026-12-06T17:00:00.000000+00:00","prev_hash":"{prev}","region_code":"620702001001",'
            f'"seq":{i + 1},"source":"import"}}').encode("utf-8"))
    return out


def hash_throughput(n: int) -> dict:
    data = payloads(n)
    key = hashlib.sha256(b"bench").digest()
    res = {}
    clock = time.process_time  # CPU time: the machine is shared
    t = clock()
    for p in data:
        hashlib.sha256(p).hexdigest()
    res["sha256_s"] = clock() - t
    t = clock()
    for p in data:
        hmac.new(key, p, hashlib.sha256).hexdigest()
    res["hmac_new_s"] = clock() - t
    t = clock()
    for p in data:
        hmac.digest(key, p, "sha256").hex()
    res["hmac_digest_s"] = clock() - t
    padded = key.ljust(64, b"\0")
    inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    t = clock()
    for p in data:
        inner = inner0.copy()
        inner.update(p)
        outer = outer0.copy()
        outer.update(inner.digest())
        outer.hexdigest()
    res["hmac_states_s"] = clock() - t
    res["entries"] = n
    return res


def rechain(n: int, env: dict) -> dict:
    """``n`` entries written as before migration audit.0004 (unkeyed SHA-256), then the
    time of ``jiayuan migrate audit 0004`` (a process of its own) re-chaining them."""
    from datetime import UTC, datetime

    from django.db import connection, transaction

    from jiayuan.audit import rules
    from jiayuan.audit.services import insert_rows

    now = datetime.now(UTC)
    stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cur:  # the entries migrate wrote (case types), re-chained back by 0004's reverse
        cur.execute("SELECT last_seq, last_hash FROM audit_chainhead WHERE id = 1")
        start, prev = cur.fetchone() or (0, rules.GENESIS_HASH)
    rows = []
    for seq in range(start + 1, start + n + 1):
        content = {"seq": seq, "occurred_at": now.isoformat(timespec="microseconds"), "actor_id": None,
                   "actor_name": "system", "source": "import", "action": "person.create",
                   "object_type": "people.person", "object_id": str(seq), "object_repr": f"张{seq}",
                   "region_code": "620702001001", "changes": {"name": [None, f"张{seq}"]}, "extra": {"row": seq},
                   "prev_hash": prev}
        digest = rules.legacy_entry_hash(content)
        rows.append((seq, stamp, None, "system", "import", "person.create", "people.person", str(seq), f"张{seq}",
                     "620702001001", json.dumps(content["changes"], ensure_ascii=False),
                     json.dumps(content["extra"]), prev, digest))
        prev = digest
    with transaction.atomic():
        insert_rows(connection, "INSERT INTO audit_auditentry (seq, occurred_at, actor_id, actor_name, source, action, "
                    "object_type, object_id, object_repr, region_code, changes, extra, prev_hash, entry_hash) VALUES ",
                    rows)
        with connection.cursor() as cur:
            cur.execute("UPDATE audit_chainhead SET last_seq = %s, last_hash = %s WHERE id = 1", [start + n, prev])
    connection.close()
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "jiayuan.cli", "migrate", "audit", "0004", "-v0"], env=env,
                          check=True, cwd=ROOT)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0
    from jiayuan.audit.selectors import verify_chain

    res = verify_chain()
    assert res.ok and res.checked == start + n + 1, res
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"migrate_s": wall, "migrate_cpu_s": cpu}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--database-url", default="")
    ap.add_argument("--hash-only", action="store_true")
    ap.add_argument("--rechain", action="store_true",
                    help="time migration audit.0004 re-chaining --entries unkeyed entries instead")
    args = ap.parse_args()
    out = {"hashing": hash_throughput(133_000)}
    if args.hash_only:
        print(json.dumps(out, indent=2))
        return
    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/audit.sqlite3"
    if url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "JIAYUAN_VAR_DIR": tmp}
    subprocess.run([sys.executable, "-m", "jiayuan.cli", "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    if args.rechain:
        subprocess.run([sys.executable, "-m", "jiayuan.cli", "migrate", "audit", "0003", "-v0"], env=env, check=True,
                       cwd=ROOT)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.db import transaction

    from jiayuan.audit.selectors import verify_chain
    from jiayuan.audit.services import Actor, record_bulk

    if args.rechain:
        out["rechain"] = rechain(args.entries, env)
        out["entries"] = args.entries
        out["vendor"] = url.split(":", 1)[0]
        print(json.dumps(out, indent=2))
        return
    actor = Actor(None, "import", {"import_job": 1})
    items = [{"action": "person.create", "object_type": "people.person", "object_id": i, "object_repr": f"张{i}",
              "region_code": "620702001001",
              "changes": {"name": [None, f"张{i}"], "id_number": ["***", "***"], "address": [None, f"南关 {i} 号"]},
              "extra": {"row": i}} for i in range(args.entries)]
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(items), 5000):
        with transaction.atomic():
            record_bulk(actor, items[i:i + 5000])
    out["record_bulk_s"] = time.perf_counter() - t
    out["record_bulk_cpu_s"] = time.process_time() - c
    runs, cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        res = verify_chain()
        runs.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        assert res.ok, res
    out["verify_s"] = runs
    out["verify_cpu_s"] = cpu  # this process only (the PostgreSQL server's share not counted)
    out["entries"] = args.entries
    out["vendor"] = url.split(":", 1)[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
