#!/usr/bin/env python
"""Monthly payment batch benchmark on PostgreSQL (issue 5, "Performance").

Targets: 200,000 active enrollments in one county-month batch generated in **under
20 s with peak RSS under 500 MB**; regenerating it with nothing changed **under 10 s**;
the ratio against one SQL ``INSERT … SELECT`` computing the same amounts, measured in
the same run.

What it does, in one run:

1. (Re)creates a dedicated database (default ``jiayuan_bench_assistance``; the name
   must contain "bench"), migrates, loads Zhangye's divisions (prefix 6207).
2. Set-up through a fast path (bench scaffolding, not the services): N households
   (default 200,000) each with its head, spread over the communities and villages of
   甘州区 (620702), written by COPY (persons with an encrypted valid ID number, a
   unique placeholder lookup hash, birth date, name); one 低保 enrollment per household
   (``inputs``: urban/rural by the village code, 1–5 members, a per-capita income below
   the standard with fen), written by COPY; parameters through the real service
   (``set_parameters``: the city's standards from 2024-01, raised from 2025-01, and a
   county override for 甘州区 from 2025-02, so that resolution has work to do). Then
   ``VACUUM ANALYZE``.
3. In a **fresh child process** each (so ``ru_maxrss`` is the operation's own):
   - ``generate_batch`` for 甘州区, March 2025, through the real service (one
     transaction: enrollments streamed, amounts by ``rules.compute_amount``, rows by
     COPY into a temporary table, the rows the no-double-payment constraints would
     refuse found under a per-program advisory lock, one plain ``INSERT … SELECT``,
     totals from the staged rows, event and one audit entry);
   - ``regenerate_batch`` of that batch with nothing changed (one statement voids the
     200,000 lines and stages a copy of those whose basis and parameter row are
     unchanged — all of them here —, then the same insert);
   - the baseline: one ``INSERT … SELECT`` computing the same amounts in SQL (the
     parameter row in force per enrollment by a lateral join, (standard − income) ×
     members rounded to the fen) into a scratch table without indexes — what the
     database alone needs to write the same numbers.
4. Checks that the baseline's total equals the batch's total (to the fen), and prints
   times, peak RSS, the ratios and the machine's load average (1 min) before and after
   each measured phase (other work on a shared machine slows every figure).

Run::

    .venv/bin/python bench/assistance.py                      # 200,000 enrollments
    .venv/bin/python bench/assistance.py --enrollments 20000  # quick check
    .venv/bin/python bench/assistance.py --reuse              # measure again on the loaded DB
"""

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_assistance"
COUNTY = "620702"
MONTH = date(2025, 3, 1)
PROGRAM = "subsistence_allowance"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--enrollments", type=int, default=200_000)
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--seed", type=int, default=20250301)
    p.add_argument("--reuse", action="store_true", help="keep the loaded database, only measure")
    p.add_argument("--drop", action="store_true", help="drop the database at the end")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    p.add_argument("--phase", default=None, help=argparse.SUPPRESS)
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


def drop_database(url: str) -> None:
    name = _db_name(url)
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    os.environ.setdefault("JIAYUAN_VAR_DIR", "/tmp/jiayuan_bench_assistance_var")
    import django

    django.setup()


def loadavg() -> float:
    """The 1-minute load average (0 where /proc/loadavg is missing)."""
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:
        return 0.0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- set-up

def users():
    from jiayuan.accounts.models import User

    county, _ = User.objects.get_or_create(username="bench_county", defaults={
        "role": "county_officer", "scope_id": COUNTY, "full_name": "县民政（基准）"})
    county2, _ = User.objects.get_or_create(username="bench_county2", defaults={
        "role": "county_officer", "scope_id": COUNTY, "full_name": "县民政二（基准）"})
    city, _ = User.objects.get_or_create(username="bench_city", defaults={
        "role": "city_admin", "scope_id": "6207", "full_name": "市民政（基准）"})
    return county, county2, city


def setup(n: int, seed: int) -> dict:
    """Divisions, parameters (service), households, persons and enrollments (COPY)."""
    from django.core.management import call_command
    from django.db import connection

    from jiayuan import security
    from jiayuan.assistance.models import Enrollment
    from jiayuan.assistance.services.parameters import set_parameters
    from jiayuan.audit.services import Actor
    from jiayuan.people import rules as people_rules
    from jiayuan.people.models import Household, Person
    from jiayuan.regions.models import Region

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_divisions", prefix="6207", verbosity=0)
    _county, _county2, city = users()
    actor = Actor(city, "command", {"bench": True})
    set_parameters(actor, PROGRAM, "6207", date(2024, 1, 1), {"standard_urban": "700.00", "standard_rural": "480.00"})
    set_parameters(actor, PROGRAM, "6207", date(2025, 1, 1), {"standard_urban": "735.00", "standard_rural": "500.00"})
    set_parameters(actor, PROGRAM, COUNTY, date(2025, 2, 1), {"standard_urban": "760.00", "standard_rural": "520.00"})
    standards = {"urban": Decimal("760.00"), "rural": Decimal("520.00")}

    villages = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=COUNTY)
                    .values_list("code", flat=True))
    rng = random.Random(seed)
    regions = [rng.choice(villages) for _ in range(n)]
    t_setup = time.perf_counter()
    qn = connection.ops.quote_name
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    with connection.cursor() as cur:
        # households
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Household._meta.db_table, n])
        hh_ids = sorted(r[0] for r in cur.fetchall())
        with cur.copy(f"COPY {qn(Household._meta.db_table)} (id, number, community_code, region_code, address, "
                      "version, created_at, updated_at) FROM STDIN") as copy:
            for i, (hid, region) in enumerate(zip(hh_ids, regions)):
                copy.write_row((hid, f"B{i:07d}", region[:12], region, "", 1, now, now))
        # persons (heads): a valid ID number encrypted, placeholder lookup hashes
        cur.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [Person._meta.db_table, n])
        p_ids = sorted(r[0] for r in cur.fetchall())
        cols = ("id", "name", "name_pinyin", "name_initials", "name_grams", "id_number_cipher", "id_number_hash",
                "id_tail4", "id_tail6_hash", "sex", "birth_date", "ethnic_group", "phone_cipher", "phone_hash",
                "residence_status", "address", "region_code", "household_id", "relation_to_head", "life_status",
                "note", "version", "created_at", "updated_at")
        surnames, given = "王李张刘陈杨赵黄周吴徐孙马朱胡", "秀英建国桂兰玉梅志强德福春花明"
        with cur.copy(f"COPY {qn(Person._meta.db_table)} ({', '.join(cols)}) FROM STDIN") as copy:
            for i, (pid, hid, region) in enumerate(zip(p_ids, hh_ids, regions)):
                birth = date(1940 + i % 60, 1 + i % 12, 1 + i % 28)
                first17 = f"{COUNTY}{birth:%Y%m%d}{i % 1000:03d}"
                number = first17 + people_rules.id_check_char(first17)
                name = surnames[i % 15] + given[(i // 15) % 15] + given[(i // 225) % 15]
                copy.write_row((pid, name, "", "", "", security.encrypt(number), f"bench{i:012d}", number[-4:],
                                f"bench{i:012d}", 1 + i % 2, birth, "01", b"", "", "registered", "", region, hid,
                                "02", "alive", "", 1, now, now))
        # enrollments: 低保, one per household, active since 2024
        cols = ("program_id", "person_id", "household_id", "region_code", "start_month", "status", "inputs", "amount",
                "computation", "review_months", "flag", "flag_note", "payee_account", "version", "created_at",
                "updated_at")
        expected = Decimal("0.00")
        with cur.copy(f"COPY {qn(Enrollment._meta.db_table)} ({', '.join(cols)}) FROM STDIN") as copy:
            for i, (pid, hid, region) in enumerate(zip(p_ids, hh_ids, regions)):
                area = "urban" if int(region[9:12]) < 200 else "rural"
                members = 1 + rng.randrange(5)
                pci = (Decimal(rng.randrange(0, int(standards[area] * 100))) / 100).quantize(Decimal("0.01"))
                expected += ((standards[area] - pci) * members).quantize(Decimal("0.01"))
                inputs = json.dumps({"area": area, "members": members, "per_capita_income": str(pci)})
                copy.write_row((PROGRAM, pid, hid, region, date(2024, 1, 1), "active", inputs, "0.00", "{}", 12, "",
                                "", f"6230****{i % 10000:04d}", 1, now, now))
    t_copy = time.perf_counter() - t_setup
    t1 = time.perf_counter()
    with connection.cursor() as cur:
        for table in (Household._meta.db_table, Person._meta.db_table, Enrollment._meta.db_table):
            cur.execute(f"VACUUM ANALYZE {qn(table)}")
    return {"enrollments": n, "seconds_total": time.perf_counter() - t0, "seconds_copy": t_copy,
            "seconds_vacuum": time.perf_counter() - t1, "expected_total": str(expected)}


# ----------------------------------------------------------------------------- phases (child processes)

def phase_generate() -> dict:
    from django.db import connection

    from jiayuan.assistance.models import PaymentBatch, Program
    from jiayuan.assistance.services.batches import generate_batch
    from jiayuan.audit.services import Actor
    from jiayuan.regions.models import Region

    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # a reused database gets the current schema (before timing)
    county, _c2, _city = users()
    program, region = Program.objects.get(code=PROGRAM), Region.objects.get(code=COUNTY)
    PaymentBatch.objects.all().count()  # connection open before timing
    before = rss_mb()
    load = loadavg()
    t0 = time.perf_counter()
    batch = generate_batch(Actor(county, "command"), program, region, MONTH)
    secs = time.perf_counter() - t0
    load = (load, loadavg())
    with connection.cursor() as cur:
        cur.execute("ANALYZE assistance_paymentline")
    return {"seconds": secs, "rss_mb": rss_mb(), "rss_before_mb": before, "batch": batch.pk, "load": load,
            "lines": batch.line_count, "total": str(batch.total_amount), "problems": batch.problem_counts}


def phase_regenerate() -> dict:
    from jiayuan.assistance.models import PaymentBatch, PaymentLine
    from jiayuan.assistance.services.batches import regenerate_batch
    from jiayuan.audit.services import Actor

    _county, county2, _city = users()
    batch = PaymentBatch.objects.select_related("program", "county").get(program_id=PROGRAM, county_id=COUNTY,
                                                                          month=MONTH)
    before = rss_mb()
    load = loadavg()
    t0 = time.perf_counter()
    batch = regenerate_batch(Actor(county2, "command"), batch, version=batch.version)
    secs = time.perf_counter() - t0
    load = (load, loadavg())
    voided = PaymentLine.objects.filter(batch=batch, status="voided").count()
    return {"seconds": secs, "rss_mb": rss_mb(), "rss_before_mb": before, "generation": batch.generation, "load": load,
            "lines": batch.line_count, "total": str(batch.total_amount), "voided": voided}


BASELINE_SQL = """
INSERT INTO bench_baseline (enrollment_id, person_id, household_id, region_code, benefit_month, amount, members,
                            parameter_id)
SELECT e.id, e.person_id, e.household_id, e.region_code, %(month)s,
       round((p.standard - (e.inputs->>'per_capita_income')::numeric) * (e.inputs->>'members')::int, 2),
       (e.inputs->>'members')::int, p.id
FROM assistance_enrollment e
CROSS JOIN LATERAL (
    SELECT pp.id, (pp.values->>('standard_' || (e.inputs->>'area')))::numeric AS standard
    FROM assistance_programparameter pp
    WHERE pp.program_id = e.program_id AND e.region_code LIKE pp.region_code || '%%'
      AND pp.effective_from <= %(month)s
    ORDER BY length(pp.region_code) DESC, pp.effective_from DESC
    LIMIT 1) p
WHERE e.program_id = %(program)s AND e.region_code LIKE %(county)s AND e.status = 'active'
  AND e.flag = '' AND e.start_month <= %(month)s AND (e.end_month IS NULL OR e.end_month >= %(month)s)
  AND p.standard > (e.inputs->>'per_capita_income')::numeric
"""


def phase_baseline() -> dict:
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_baseline")
        cur.execute("CREATE TABLE bench_baseline (enrollment_id bigint, person_id bigint, household_id bigint, "
                    "region_code varchar(15), benefit_month date, amount numeric(12, 2), members smallint, "
                    "parameter_id bigint)")
    times = []
    load = loadavg()
    for _ in range(3):  # best of 3
        with connection.cursor() as cur:
            cur.execute("TRUNCATE bench_baseline")
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(BASELINE_SQL, {"month": MONTH, "program": PROGRAM, "county": COUNTY + "%"})
        times.append(time.perf_counter() - t0)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), sum(amount) FROM bench_baseline")
        n, total = cur.fetchone()
    return {"seconds": min(times), "all_seconds": times, "lines": n, "total": str(total), "load": (load, loadavg())}


def child(url: str, phase: str, extra: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--phase", phase, "--database-url", url, *extra],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"phase {phase} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine(url: str) -> dict:
    import psycopg

    u = urlparse(url)
    with psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                         dbname=_db_name(url)) as conn:
        pg = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
        settings = dict((n, f"{s}{' ' + un if un else ''}") for n, s, un in conn.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name IN "
            "('shared_buffers','work_mem','synchronous_commit','max_wal_size')").fetchall())
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "postgresql": pg, "pg_settings": settings,
            "load_average": open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []}


def main() -> int:
    args = parse_args()
    url = args.database_url
    if args.phase:
        setup_django(url)
        if args.phase == "setup":
            out = setup(args.enrollments, args.seed)
        elif args.phase == "generate":
            out = phase_generate()
        elif args.phase == "regenerate":
            out = phase_regenerate()
        elif args.phase == "baseline":
            out = phase_baseline()
        else:
            raise SystemExit(f"unknown phase {args.phase}")
        print(json.dumps(out, default=str))
        return 0

    _db_name(url)
    results = {}
    print(f"# Payment batch benchmark — {args.enrollments:,} active 低保 enrollments in 甘州区, batch {MONTH:%Y-%m}")
    if not args.reuse:
        recreate_database(url)
        s = child(url, "setup", ["--enrollments", str(args.enrollments), "--seed", str(args.seed)])
        results["setup"] = s
        print(f"set-up: {s['seconds_total']:.1f} s (COPY of households, persons, enrollments "
              f"{s['seconds_copy']:.1f} s; VACUUM ANALYZE {s['seconds_vacuum']:.1f} s)")
    else:
        import psycopg

        u = urlparse(url)
        with psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                             dbname=_db_name(url), autocommit=True) as conn:
            # a measured run starts with no batch: delete the previous run's batch rows
            conn.execute("DELETE FROM assistance_paymentline")
            conn.execute("DELETE FROM assistance_paymentbatchevent")
            conn.execute("DELETE FROM assistance_paymentbatch")
            conn.execute("VACUUM ANALYZE assistance_paymentline")
    m = machine(url)
    results["machine"] = m
    print(f"# {m['postgresql']}, Python {m['python']}, {m['cpus']} CPU, load {' '.join(m['load_average'])}; "
          f"{m['pg_settings']}")
    g = child(url, "generate", [])
    results["generate"] = g
    print(f"generate_batch: {g['seconds']:.2f} s for {g['lines']:,} lines ({g['lines'] / g['seconds']:,.0f} lines/s), "
          f"total {g['total']} yuan, problems {g['problems'] or 'none'}; peak RSS {g['rss_mb']:.0f} MB "
          f"(process before: {g['rss_before_mb']:.0f} MB); load {g['load'][0]:.2f} → {g['load'][1]:.2f}  "
          "[targets < 20 s, < 500 MB]")
    r = child(url, "regenerate", [])
    results["regenerate"] = r
    print(f"regenerate_batch (nothing changed): {r['seconds']:.2f} s — voided {r['voided']:,}, new generation "
          f"{r['generation']}, {r['lines']:,} lines, total {r['total']} yuan; peak RSS {r['rss_mb']:.0f} MB; "
          f"load {r['load'][0]:.2f} → {r['load'][1]:.2f}  [target < 10 s]")
    b = child(url, "baseline", [])
    results["baseline"] = b
    print(f"baseline INSERT … SELECT (SQL only, no indexes on the scratch table): {b['seconds']:.2f} s "
          f"(best of 3: {', '.join(f'{x:.2f}' for x in b['all_seconds'])}), {b['lines']:,} rows, total {b['total']}; "
          f"load {b['load'][0]:.2f} → {b['load'][1]:.2f}")
    same = g["total"] == r["total"] == b["total"] and g["lines"] == r["lines"] == b["lines"]
    expected = results.get("setup", {}).get("expected_total")
    results["ratios"] = {"generate_vs_sql": g["seconds"] / b["seconds"], "regenerate_vs_sql": r["seconds"] / b["seconds"]}
    print(f"ratio generate / SQL: {results['ratios']['generate_vs_sql']:.1f}×; regenerate / SQL: "
          f"{results['ratios']['regenerate_vs_sql']:.1f}×")
    print(f"totals agree (batch, regenerated, SQL): {'yes' if same else 'NO'}"
          + (f"; expected by the generator of the data: {expected} ({'yes' if expected == g['total'] else 'NO'})"
             if expected else ""))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    if args.drop:
        drop_database(url)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
