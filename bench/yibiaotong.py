#!/usr/bin/env python
"""一表通 benchmark on PostgreSQL (issue 16, "Performance": pre-filling one form for all 934
communities and villages under 10 s).

What it does, in one run:

1. Unless ``--reuse``: (re)creates ``jiayuan_bench_ybt``, migrates, loads Zhangye's real
   divisions (prefix 6207: 934 village-level units), and inserts ``--persons`` synthetic
   persons (default 1,000,000) and one household per 2.6 persons with SQL
   ``INSERT … SELECT generate_series`` spread over every unit's grid-less code (the
   columns the pre-fill reads are real; cipher text and hashes are placeholders: nothing
   here decrypts). ``VACUUM ANALYZE``.
2. Seeds the data elements and one form of 8 rows: the three registry counts
   (persons alive, households, persons 60+ at the period's end: one grouped query each
   over the whole city), two indicators with bench rules standing in for the modules'
   (``bench.by_child``: one grouped query per parent township through ``by_child``;
   ``bench.per_unit``: one aggregate query per unit, a rule without ``by_child``), and
   three entered elements, with base values stored for half the units (one query).
3. Measures ``prefill(elements, all 934 units, period)`` ``--runs`` times (p50/p95/max,
   queries per run), and the baseline in the same run: ``UnitValue.objects.get(pk=…)``
   (p95 over 300 samples); prints the ratio.

Run::

    .venv/bin/python bench/yibiaotong.py                   # 1,000,000 persons
    .venv/bin/python bench/yibiaotong.py --persons 100000  # quick check
    .venv/bin/python bench/yibiaotong.py --reuse           # measure again on the loaded DB

The database named in ``--database-url`` is dropped and created again unless ``--reuse``;
its name must contain "bench".
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_ybt"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--reuse", action="store_true", help="measure on the loaded database")
    p.add_argument("--reload", action="store_true", help="keep the schema and divisions, insert the persons again")
    return p.parse_args(argv)


def recreate_database(url: str) -> None:
    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to drop database {name!r}: its name must contain 'bench'")
    admin = psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                            password=u.password, dbname="postgres", autocommit=True)
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()


def load(persons: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    from jiayuan.regions.models import Region

    if not Region.objects.filter(code__startswith="6207", level="village").exists():
        call_command("load_divisions", prefix="6207", verbosity=0)
    print(f"migrate + divisions: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE people_person, people_household CASCADE")
        cur.execute("SELECT array_agg(code ORDER BY code) FROM regions_region WHERE level = 'village'")
        units = cur.fetchone()[0]
        n_households = max(1, int(persons / 2.6))
        cur.execute("""
            INSERT INTO people_household (number, community_code, region_code, address, version, created_at, updated_at)
            SELECT lpad(g::text, 8, '0'), u.code, u.code, '', 1, now(), now()
            FROM generate_series(1, %s) g
            CROSS JOIN LATERAL (SELECT (%s::text[])[1 + (g %% %s)] AS code) u
        """, [n_households, units, len(units)])
        cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'people_person'")
        cols = {r[0] for r in cur.fetchall()}
        values = {
            "name": "'居民' || g", "name_pinyin": "''", "name_initials": "''", "name_grams": "''",
            "id_type": "'resident_id'", "id_number_cipher": "'\\x00'::bytea", "id_number_hash": "md5(g::text)",
            "id_tail4": "right(lpad(g::text, 4, '0'), 4)", "id_tail6_hash": "md5('t' || g)",
            "sex": "1 + (g %% 2)", "birth_date": "date '1930-01-01' + (g %% 30000)", "ethnic_group": "'01'",
            "phone_cipher": "''::bytea", "phone_hash": "''", "residence_status": "'registered'", "address": "''",
            "region_code": "(%s::text[])[1 + (g %% %s)]", "household_id": "NULL", "relation_to_head": "''",
            "life_status": "CASE WHEN g %% 50 = 0 THEN 'deceased' ELSE 'alive' END", "life_status_date": "CASE WHEN g %% 50 = 0 THEN date '2024-01-01' END",
            "note": "''", "version": "1", "created_at": "now()", "updated_at": "now()",
        }
        missing = cols - set(values) - {"id"}
        if missing:
            print(f"columns without a bench value (left to the database): {sorted(missing)}")
        names = [c for c in values if c in cols]
        cur.execute(f"INSERT INTO people_person ({', '.join(names)}) "
                    f"SELECT {', '.join(values[c] for c in names)} FROM generate_series(1, %s) g",
                    [units, len(units), persons])
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"{persons:,} persons, {n_households:,} households inserted: {time.perf_counter() - t0:.1f} s")


def bench_rules():
    """Two rules standing in for the modules' (registered for the run only)."""
    from collections import Counter

    from django.db.models import Count
    from django.db.models.functions import Substr

    from jiayuan.people.models import Person
    from jiayuan.stats import registry

    def per_unit(region, period):      # one aggregate per call, like a rule without by_child
        return Person.objects.filter(region__code__startswith=region.code, sex=2, life_status="alive").count()

    def by_child_value(region, period):
        return Person.objects.filter(region__code__startswith=region.code, birth_date__lte=period.end).count()

    def by_child(region, period, children):   # one grouped query for all the children
        n = len(children[0].code)
        rows = (Person.objects.filter(region__code__startswith=region.code, birth_date__lte=period.end)
                .annotate(u=Substr("region_id", 1, n)).values("u").annotate(c=Count("pk")).order_by())
        got = Counter({r["u"]: r["c"] for r in rows})
        return {c.code: got[c.code] for c in children}

    registry._RULES["children.home_children"] = registry.Rule("children.home_children", per_unit)
    registry._RULES["grid.members_max"] = registry.Rule("grid.members_max", by_child_value, by_child=by_child)
    return ["children.home_children", "grid.members_max"]


def main(argv=None):
    args = parse_args(argv)
    if not args.reuse and not args.reload:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    if not args.reuse:
        load(args.persons)
    from decimal import Decimal

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiayuan.accounts.models import User
    from jiayuan.audit.services import Actor
    from jiayuan.regions.models import Region
    from jiayuan.stats.models import DataElement, UnitValue
    from jiayuan.stats.rules import parse_period
    from jiayuan.stats.yibiaotong import services
    from jiayuan.stats.yibiaotong.prefill import prefill

    indicator_codes = bench_rules()
    admin = User.objects.filter(username="bench-admin").first() or User.objects.create_superuser(
        "bench-admin", password="x-Bench-2026")
    actor = Actor(admin, "command")
    services.seed_elements(actor)
    codes = ["registry.persons", "registry.households", "registry.elderly_60", *indicator_codes,
             "entered.office_area_m2", "entered.council_meetings", "entered.volunteer_activities"]
    elements = [DataElement.objects.get(code=c) for c in codes]
    units = list(Region.objects.filter(level="village").select_related("parent").order_by("code"))
    period = parse_period(str(timezone.localdate().year))
    UnitValue.objects.filter(period=period.label).delete()
    now = timezone.now()
    UnitValue.objects.bulk_create([UnitValue(unit=u, element=e, period=period.label, value=Decimal(k % 97),
                                             provenance="entered", recorded_by=admin, recorded_at=now)
                                   for k, u in enumerate(units[::2]) for e in elements[5:]], batch_size=2000)
    persons = connection.cursor()
    persons.execute("SELECT count(*) FROM people_person")
    n_persons = persons.fetchone()[0]
    print(f"units: {len(units)}, persons: {n_persons:,}, form rows: {len(elements)}")

    def measure(els):
        times, queries = [], 0
        prefill(els, units[:10], period)   # warm-up
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as q:
                t0 = time.perf_counter()
                cells = prefill(els, units, period)
                times.append(time.perf_counter() - t0)
            queries = len(q.captured_queries)
        assert len(cells) == len(units) and all(len(v) == len(els) for v in cells.values())
        filled = sum(1 for v in cells.values() for c in v.values() if c.value is not None)
        return times, queries, filled

    # the form as a unit would get it: every indicator rule with by_child, and with one
    # rule without it (one query per unit)
    fast = [e for e in elements if e.code != "children.home_children"]
    variants = [("rules with by_child", fast, *measure(fast)), ("plus a rule without by_child", elements,
                                                                 *measure(elements))]
    from jiayuan.stats.yibiaotong.prefill import platform_values, stored_values

    for e in elements:   # where the time goes: one pass per element
        with CaptureQueriesContext(connection) as q:
            t0 = time.perf_counter()
            platform_values([e], units, period)
            dt = time.perf_counter() - t0
        print(f"  {e.code:<28} {e.source_kind:<9} {dt:7.3f} s  {len(q.captured_queries):4d} queries")
    t0 = time.perf_counter()
    stored_values(elements, units, period)
    print(f"  {'base dataset (stored values)':<38} {time.perf_counter() - t0:7.3f} s     1 query")
    pks = list(UnitValue.objects.values_list("pk", flat=True)[:300])
    base = []
    for pk in pks * 1:
        t0 = time.perf_counter()
        UnitValue.objects.get(pk=pk)
        base.append(time.perf_counter() - t0)
    reset_queries()

    def p95(xs):
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]

    pk95 = p95(base)
    print(f"baseline UnitValue pk fetch: p50 {statistics.median(base) * 1000:.3f} ms, p95 {pk95 * 1000:.3f} ms "
          f"({len(base)} samples)")
    for label, els, times, queries, filled in variants:
        print(f"prefill of {len(units)} units × {len(els)} rows ({label}): p50 {statistics.median(times):.3f} s, "
              f"p95 {p95(times):.3f} s, max {max(times):.3f} s ({args.runs} runs, {queries} queries a run, "
              f"{filled} of {len(units) * len(els)} cells with a value); ratio p95 / pk p95 {p95(times) / pk95:,.0f}; "
              f"target under 10 s: {'met' if p95(times) < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
