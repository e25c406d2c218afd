#!/usr/bin/env python
"""Children's files benchmark on PostgreSQL (issue 13, "Performance").

Targets: with 100,000 children's files and 2,000,000 visits, **a township's overdue list
p95 under 50 ms**; **re-deriving every category after a registry change to 10,000
parents under 10 s**; ratios against a primary-key fetch measured in the same run.

What it does:

1. (Re)creates a dedicated database (default ``jiayuan_bench_children``; the name must
   contain "bench"), migrates, loads Zhangye's divisions (prefix 6207).
2. Set-up through a fast path (bench scaffolding, not the services): N children
   (default 100,000) as persons spread over the villages and communities of the city
   (COPY), one file each (``INSERT … SELECT``: categories, grade by id, next visit due
   spread over a year around today so about a third are overdue), V visits (default
   2,000,000) spread over the files (``INSERT … SELECT generate_series``), P parents
   (default 10,000) as registry persons linked as fathers of the first P files, working
   away, their mothers (by name) working away too. ``VACUUM ANALYZE``.
3. Measures, on the loaded database:
   - the overdue list of the township with the most files, as its 儿童督导员 reads it
     (``selectors.search_files(user, FileFilters(overdue=True))``: the count and the
     first page of 50 rows with person and region, as the list page and
     ``GET /api/v1/children?overdue=1`` do), R runs (default 200): p50, p95;
   - the baseline: ``ChildFile.objects.select_related("person", "region").get(pk=…)``
     for random files, R runs: p50, p95; the ratio of the p95s;
   - the registry change: the P parents marked deceased (one UPDATE), then
     ``services.rederive(actor, ids)`` of their P files (what the registry signal's
     handler runs): every category derived again from the registry, the differences
     flagged; the time, the files flagged, and the ratio per file against one
     primary-key fetch.
4. Prints the results (and the machine's 1-minute load average before and after: the
   machine is shared, every figure is slowed by other work), and the CPU time of each
   measure (this process and its PostgreSQL backend, ``cpu_ms_mean``,
   ``rederive.cpu_seconds``): what the work costs without the wait for a core.

Run::

    .venv/bin/python bench/children.py                       # 100,000 files, 2,000,000 visits
    .venv/bin/python bench/children.py --files 20000 --visits 400000 --parents 2000   # quick
    .venv/bin/python bench/children.py --reuse               # measure again (the parents are reset first)
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_children"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=100_000)
    p.add_argument("--visits", type=int, default=2_000_000)
    p.add_argument("--parents", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--seed", type=int, default=20261207)
    p.add_argument("--reuse", action="store_true", help="keep the loaded database, only measure")
    p.add_argument("--drop", action="store_true", help="drop the database at the end")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    return p.parse_args(argv)


def _db_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to touch database {name!r}: its name must contain 'bench'")
    return name


def _admin(url: str):
    import psycopg

    u = urlparse(url)
    return psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                           password=u.password, dbname="postgres", autocommit=True)


def recreate_database(url: str) -> None:
    name = _db_name(url)
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    os.environ.setdefault("JIAYUAN_VAR_DIR", "/tmp/jiayuan_bench_children_var")
    import django

    django.setup()


def loadavg() -> float:
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:
        return 0.0


def cpu_clock():
    """A clock of the CPU time spent on this benchmark's behalf: this process's and that of
    the PostgreSQL backend serving its connection (``/proc/<pid>/stat``; the server runs on
    this machine). Unlike wall-clock time it leaves out the time spent waiting for a core
    while other work runs on the shared machine; None when /proc cannot be read."""
    from django.db import connection

    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    tick = os.sysconf("SC_CLK_TCK")

    def now() -> float:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return time.process_time() + (int(fields[11]) + int(fields[12])) / tick

    try:
        now()
    except OSError:
        return None
    return now


def pct(values, q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


# ----------------------------------------------------------------------------- set-up

def setup(n: int, visits: int, parents: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from jiayuan.accounts.models import User
    from jiayuan.children.models import ChildFile, ChildParent, ChildVisit
    from jiayuan.people.models import Person
    from jiayuan.regions.models import Region

    call_command("migrate", verbosity=0)
    call_command("load_divisions", prefix="6207", verbosity=0)
    visitor, _ = User.objects.get_or_create(username="bench_visitor", defaults={
        "role": "community_worker", "scope_id": "6207", "full_name": "探访人（基准）"})
    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith="6207")
                    .exclude(kind=Region.Kind.VIRTUAL).values_list("code", flat=True))
    rng = random.Random(seed)
    qn = connection.ops.quote_name
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    today = date.today()
    cols = ("id", "name", "name_pinyin", "name_initials", "name_grams", "id_type", "id_number_cipher",
            "id_number_hash", "id_tail4", "id_tail6_hash", "sex", "birth_date", "ethnic_group", "phone_cipher",
            "phone_hash", "residence_status", "address", "region_code", "relation_to_head", "life_status", "note",
            "version", "created_at", "updated_at")
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Person._meta.db_table, n + parents])
        ids = sorted(r[0] for r in cur.fetchall())
        child_ids, parent_ids = ids[:n], ids[n:]
        with cur.copy(f"COPY {qn(Person._meta.db_table)} ({', '.join(cols)}) FROM STDIN") as copy:
            for i, pid in enumerate(child_ids):
                birth = today - timedelta(days=365 * 3 + (i * 37) % (365 * 12))
                copy.write_row((pid, f"儿童{i}", "benchchild", "", "", "resident_id", b"", f"benchc{i:012d}",
                                "0000", f"benchc{i:012d}", 1 + i % 2, birth, "01", b"", "", "registered", "",
                                rng.choice(villages), "", "alive", "", 1, now, now))
            for i, pid in enumerate(parent_ids):
                copy.write_row((pid, f"家长{i}", "benchparent", "", "", "resident_id", b"", f"benchp{i:012d}",
                                "0000", f"benchp{i:012d}", 1, date(1985, 1, 1), "01", b"", "", "registered", "",
                                "620702001001", "", "alive", "", 1, now, now))
        # files: left-behind, grade by id, next visit due spread over a year around today
        cur.execute(f"""
            INSERT INTO {qn(ChildFile._meta.db_table)} (person_id, region_code, status, opened_on, categories,
                category_facts, review_reasons, own_illness, guardianship_problem, guardian_name, guardian_relation,
                guardian_phone_cipher, guardian_ability, caregiver_name, caregiver_relation, caregiver_phone_cipher,
                caregiver_ability, school, school_grade, health, needs, risk, risk_reason, next_visit_due,
                close_reason, version, created_at, updated_at)
            SELECT p.id, substr(p.region_code, 1, 12), 'open', %s, '["left_behind"]', '[]', '[]', false, false,
                   '祖母', '祖母', '\\x'::bytea, 'good', '', '', '\\x'::bytea, '', '', '', '', '',
                   (ARRAY['red','yellow','blue','green'])[1 + p.id %% 4], '', %s::date + ((p.id * 7919) %% 365 - 120)::int,
                   '', 1, now(), now()
            FROM {qn(Person._meta.db_table)} p WHERE p.name_pinyin = 'benchchild'""", [today - timedelta(days=400),
                                                                                     today])
        cur.execute(f"SELECT min(id), max(id) FROM {qn(ChildFile._meta.db_table)}")
        lo, hi = cur.fetchone()
        # parents of the first P files: registry persons, working away
        cur.execute(f"""
            INSERT INTO {qn(ChildParent._meta.db_table)} (file_id, role, person_id, name, phone_cipher, working_away,
                away_place, severely_disabled, seriously_ill, imprisoned, drug_rehab, missing, deceased, note)
            SELECT f.id, 'father', p.id, '', '\\x'::bytea, true, '浙江宁波', false, false, false, false, false,
                   false, ''
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {qn(ChildFile._meta.db_table)}) f
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM {qn(Person._meta.db_table)}
                  WHERE name_pinyin = 'benchparent') p ON p.rn = f.rn""")
        # and their mothers, by name, working away too: left-behind before the change
        cur.execute(f"""
            INSERT INTO {qn(ChildParent._meta.db_table)} (file_id, role, person_id, name, phone_cipher, working_away,
                away_place, severely_disabled, seriously_ill, imprisoned, drug_rehab, missing, deceased, note)
            SELECT file_id, 'mother', NULL, '母亲', '\\x'::bytea, true, '新疆乌鲁木齐', false, false, false, false,
                   false, false, ''
            FROM {qn(ChildParent._meta.db_table)} WHERE role = 'father'""")
        cur.execute(f"""
            INSERT INTO {qn(ChildVisit._meta.db_table)} (file_id, visited_on, visitor_id, place, face_to_face,
                findings, risk_before, risk_after, risk_reason, created_at)
            SELECT %s + (g %% (%s - %s + 1)), %s::date - (g %% 700)::int, %s, '家中', true, '探访情况正常',
                   'yellow', 'green', '', now()
            FROM generate_series(1, %s) g""", [lo, hi, lo, today, visitor.pk, visits])
        for table in (Person._meta.db_table, ChildFile._meta.db_table, ChildParent._meta.db_table,
                      ChildVisit._meta.db_table):
            cur.execute(f"VACUUM ANALYZE {qn(table)}")


# ----------------------------------------------------------------------------- measure

def measure(runs: int, parents: int, seed: int) -> dict:
    from django.db.models import Count

    from jiayuan.accounts.models import User
    from jiayuan.audit.services import Actor
    from jiayuan.children import selectors, services
    from jiayuan.children.models import ChildFile, ChildParent, ChildrenDuty, DutyKind
    from jiayuan.people.models import Person

    rng = random.Random(seed)
    # the township with the most files, and its 督导员
    top = (ChildFile.objects.extra(select={"t": "substr(region_code, 1, 9)"}).values("t")
           .annotate(n=Count("id")).order_by("-n").first())
    township = top["t"]
    user, _ = User.objects.get_or_create(username="bench_dudao", defaults={
        "role": "township_officer", "scope_id": township, "full_name": "督导员（基准）"})
    ChildrenDuty.objects.get_or_create(kind=DutyKind.SUPERVISOR, region_id=township, ended_on__isnull=True,
                                       defaults={"user": user, "started_on": date(2025, 1, 1)})
    f = selectors.FileFilters(overdue=True)

    def overdue_page():
        qs = selectors.search_files(user, f)
        n = qs.count()
        rows = list(qs[:50])
        return n, rows

    n_overdue, rows = overdue_page()
    for _ in range(5):
        overdue_page()
    cpu = cpu_clock() or (lambda: 0.0)
    t_list = []
    c0 = cpu()
    for _ in range(runs):
        t = time.perf_counter()
        overdue_page()
        t_list.append((time.perf_counter() - t) * 1000)
    cpu_list = (cpu() - c0) * 1000 / runs
    ids = list(ChildFile.objects.values_list("pk", flat=True)[:50_000])
    t_pk = []
    c0 = cpu()
    for _ in range(runs):
        pk = rng.choice(ids)
        t = time.perf_counter()
        ChildFile.objects.select_related("person", "region").get(pk=pk)
        t_pk.append((time.perf_counter() - t) * 1000)
    cpu_pk = (cpu() - c0) * 1000 / runs

    # the registry change: the parents marked deceased, their files re-derived
    parent_person_ids = list(ChildParent.objects.filter(person__isnull=False).values_list("person_id", flat=True)
                             [:parents])
    ChildFile.objects.filter(parents__person_id__in=parent_person_ids).update(proposed=None, review_reasons=[],
                                                                               flagged_at=None)
    Person.objects.filter(pk__in=parent_person_ids).update(life_status="alive", life_status_date=None)
    Person.objects.filter(pk__in=parent_person_ids).update(life_status="deceased", life_status_date=date.today())
    file_ids = list(selectors.files_of_parent(parent_person_ids).values_list("pk", flat=True))
    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={
        "role": "city_admin", "scope_id": "6207", "full_name": "基准"})
    load0 = loadavg()
    c0 = cpu()
    t = time.perf_counter()
    flagged = services.rederive(Actor(admin, "command", {"bench": True}), file_ids)
    t_rederive = time.perf_counter() - t
    cpu_rederive = cpu() - c0
    return {
        "files": ChildFile.objects.count(), "township": township, "township_files": top["n"],
        "overdue_in_township": n_overdue, "page_rows": len(rows),
        "overdue_list_ms": {"p50": round(pct(t_list, .5), 2), "p95": round(pct(t_list, .95), 2)},
        "pk_fetch_ms": {"p50": round(pct(t_pk, .5), 3), "p95": round(pct(t_pk, .95), 3)},
        "ratio_p95_list_vs_pk": round(pct(t_list, .95) / pct(t_pk, .95), 1),
        "cpu_ms_mean": {"overdue_list": round(cpu_list, 2), "pk_fetch": round(cpu_pk, 3),
                        "ratio_list_vs_pk": round(cpu_list / cpu_pk, 1) if cpu_pk else None},
        "rederive": {"files": len(file_ids), "flagged": flagged, "seconds": round(t_rederive, 2),
                     "cpu_seconds": round(cpu_rederive, 2),
                     "ms_per_file": round(t_rederive * 1000 / max(1, len(file_ids)), 2),
                     "ratio_per_file_vs_pk_p50": round(t_rederive * 1000 / max(1, len(file_ids))
                                                       / statistics.median(t_pk), 1),
                     "load_before": load0, "load_after": loadavg()},
    }


def main(argv=None):
    args = parse_args(argv)
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    if not args.reuse:
        t = time.perf_counter()
        setup(args.files, args.visits, args.parents, args.seed)
        print(f"set-up: {args.files} files, {args.visits} visits, {args.parents} parents in "
              f"{time.perf_counter() - t:.1f} s", flush=True)
    from jiayuan.children.models import ChildVisit

    out = measure(args.runs, args.parents, args.seed)
    out["visits"] = ChildVisit.objects.count()
    out["load_1min"] = loadavg()
    print(json.dumps(out, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    if args.drop:
        from django.db import connections

        connections.close_all()
        with _admin(args.database_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{_db_name(args.database_url)}" WITH (FORCE)')


if __name__ == "__main__":
    main()
