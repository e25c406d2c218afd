#!/usr/bin/env python
"""Dashboard benchmark on PostgreSQL (issue 16, "Performance").

What it does, in one run:

1. (Re)creates a dedicated database (default ``dash_bench`` on 127.0.0.1), migrates
   (programs, tag kinds and case types come with the migrations), loads Zhangye's real
   divisions (prefix 6207), then writes by one ``INSERT … SELECT generate_series`` per
   table (a fast path: no audit, no encryption — the dashboards read none of it):
   - N persons (``--persons``, default 20,000) spread evenly over the 934 communities
     and villages, births from 1930 to 2020 (about a third 60 and over);
   - N/10 person tags (the eleven kinds in turn, open-ended);
   - N cases (grid events) over the last two years, 2.5 % open and a fifth of those past
     their limit;
   - N/5 enrollments (``assistance_enrollment``, four programs in turn, active since January)
     with a paid payment line for each month of the current year: 2.4 × N lines;
   then ``VACUUM ANALYZE``.
2. Measures, after a warm-up, in ms, with the current year as the period:
   - baseline: ``Person.objects.get(pk=…)`` (random pk);
   - the city dashboard (6207) and one community's (the one with the most persons):
     the seven panels one after another, as the page loads them, each computed by
     ``stats.dashboards.selectors.panel`` and serialized to JSON (what the API and the
     page's JSON view answer, without HTTP);
   prints p50/p95 per dashboard and per panel, and ratio = p95 / pk-fetch p95;
   - computed live (``compute_panel``: what a township's or community's dashboard does,
     and the city's when no snapshot is stored), then the city's precomputed snapshot
     refreshed (``services.refresh``, timed: the background task's work for one region and
     period) and read as the API reads it (``selectors.panel``);
   - the city's full report for the year (``stats.selectors.report``: the 29 indicators
     computed live) with its page rendered, then its docx and xlsx downloads
     (``--report-samples``), and the slowest indicators; the load average at the end.

Run::

    .venv/bin/python bench/dashboard.py                    # 20,000 persons (about a minute)
    .venv/bin/python bench/dashboard.py --persons 1000000  # the issue's scale
    .venv/bin/python bench/dashboard.py --reuse            # measure again on the loaded DB

The database in ``--database-url`` is dropped and created again unless ``--reuse``; its
name must contain "bench" (a guard against pointing it at real data).
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dash_bench"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--persons", type=int, default=20_000)
    p.add_argument("--samples", type=int, default=20, help="dashboards timed per region")
    p.add_argument("--reuse", action="store_true", help="measure on the database already loaded")
    p.add_argument("--drop", action="store_true", help="drop the database afterwards")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--live-samples", type=int, default=None, help="live city dashboards timed (default --samples)")
    p.add_argument("--report-samples", type=int, default=5, help="city reports timed")
    return p.parse_args(argv)


def _admin(url: str):
    import psycopg

    u = urlparse(url)
    return psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                           password=u.password, dbname="postgres", autocommit=True)


def _name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    return name


def recreate_database(url: str) -> None:
    name = _name(url)
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    with _admin(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_name(url)}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()


def load(n: int) -> dict:
    """Write the data (see the module docstring); returns seconds per table."""
    from django.db import connection
    from django.utils import timezone

    from jiayuan.cases.services import current_type

    year = timezone.localdate().year
    case_type = current_type("grid_event").pk
    times = {}
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_units AS SELECT row_number() OVER (ORDER BY code) - 1 AS k, code "
                    "FROM regions_region WHERE level = 'village' AND code LIKE '6207%'")
        cur.execute("SELECT count(*) FROM bench_units")
        units = cur.fetchone()[0]
        t = time.perf_counter()
        cur.execute(f"""
            INSERT INTO people_person (name, name_pinyin, name_initials, name_grams, id_type, id_number_cipher,
                id_number_hash, id_tail4, id_tail6_hash, sex, birth_date, ethnic_group, phone_cipher, phone_hash,
                residence_status, address, region_code, relation_to_head, life_status, note, version, created_at,
                updated_at)
            SELECT '居民' || i, '', '', '', 'resident_id', ''::bytea, md5('p' || i) || md5('q' || i),
                lpad((i %% 10000)::text, 4, '0'), md5('t' || i), 1 + i %% 2,
                date '1930-01-01' + ((i::bigint * 7919) %% 33000)::int, '01', ''::bytea, '', 'registered', '',
                u.code, '', 'alive', '', 1, now(), now()
            FROM generate_series(1, %s) AS i JOIN bench_units u ON u.k = i %% {units}""", [n])
        times["persons"] = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute("""
            INSERT INTO people_persontag (person_id, kind_id, region_code, valid_from, source, note, created_at)
            SELECT p.id, k.code, p.region_code, date '2020-01-01', 'manual', '', now()
            FROM (SELECT id, region_code, row_number() OVER (ORDER BY id) AS r FROM people_person
                  WHERE id % 10 = 0) p
            JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS k FROM people_tagkind) k
              ON k.k = p.r % (SELECT count(*) FROM people_tagkind)""")
        times["tags"] = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute(f"""
            INSERT INTO cases_case (number, case_type_id, type_code, region_code, state, is_open, queue,
                state_entered_at, due_at, deadline_estimated, overdue_noted, escalation_level, urge_count, version,
                category, title, description, address, contact_name, contact_phone_cipher, limits, data, channel,
                is_public, request_key, created_at, updated_at, closed_at)
            SELECT 'BENCH-' || i, %s, 'grid_event', u.code,
                CASE WHEN i %% 40 = 0 THEN 'reported' ELSE 'closed' END, i %% 40 = 0, '',
                c.at, CASE WHEN i %% 40 = 0 THEN c.at + interval '5 days' END, false, false, 0, 0, 1,
                'dispute.neighbor', '', '', '', '', ''::bytea, '{{}}', '{{}}', 'api', false, '', c.at, c.at,
                CASE WHEN i %% 40 <> 0 THEN c.at + interval '3 days' END
            FROM generate_series(1, %s) AS i
            JOIN bench_units u ON u.k = (i * 7) %% {units}
            CROSS JOIN LATERAL (SELECT CASE WHEN i %% 40 = 0
                THEN now() - ((i %% 200) * interval '1 day' / 20)
                ELSE now() - ((i %% 730) * interval '1 day') END AS at) c""", [case_type, n])
        times["cases"] = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute("""
            INSERT INTO assistance_enrollment (program_id, person_id, region_code, start_month, status, inputs,
                amount, computation, review_months, flag, flag_note, payee_account, payee_account_cipher, version,
                created_at, updated_at)
            SELECT (ARRAY['subsistence_allowance','extreme_poverty_support','disability_living_allowance',
                'disability_care_allowance'])[1 + p.id %% 4], p.id, p.region_code, make_date(%s, 1, 1), 'active',
                '{}', 300 + p.id %% 500, '{}', 12, '', '', '', ''::bytea, 1, now(), now()
            FROM people_person p WHERE p.id %% 5 = 0""", [year])
        times["enrollments"] = time.perf_counter() - t
        t = time.perf_counter()
        cur.execute("""
            INSERT INTO assistance_paymentline (batch_id, generation, enrollment_id, program_id, person_id,
                region_code, benefit_month, amount, members, rule, computation, basis, status, result_note)
            SELECT 1, 1, e.id, e.program_id, e.person_id, e.region_code,
                make_date(%s, m, 1), e.amount, 1, 'bench', '{}', '', 'paid', ''
            FROM assistance_enrollment e CROSS JOIN generate_series(1, 12) AS m""", [year])
        times["payment_lines"] = time.perf_counter() - t
    connection.close()
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        times["vacuum_analyze"] = time.perf_counter() - t
    return times


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def measure(samples: int, live_samples: int | None = None, report_samples: int = 5) -> dict:
    from django.db.models import Count
    from django.utils import timezone

    from jiayuan.accounts.models import User
    from jiayuan.people.models import Person
    from jiayuan.regions.models import Region
    from jiayuan.stats.dashboards import selectors, services
    from jiayuan.stats.rules import parse_period

    user, _ = User.objects.get_or_create(username="bench_city", defaults={"role": "city_admin", "scope_id": "6207"})
    period = parse_period(str(timezone.localdate().year))
    community_code = (Person.objects.values("region_id").annotate(n=Count("id")).order_by("-n", "region_id")
                      .values_list("region_id", flat=True).first())
    rng = random.Random(16)
    ids = list(Person.objects.values_list("id", flat=True)[:100_000])
    pk_times = []
    for _i in range(20):
        Person.objects.get(pk=rng.choice(ids))
    for _i in range(500):
        t = time.perf_counter()
        Person.objects.get(pk=rng.choice(ids))
        pk_times.append((time.perf_counter() - t) * 1000)
    out = {"pk_fetch": {"p50": pct(pk_times, 50), "p95": pct(pk_times, 95)}, "dashboards": {}}
    types = selectors.readable_types(user)

    def run(label, code, n, fn):
        region = selectors.dashboard_region(user, code)
        per_panel = {p: [] for p in selectors.PANELS}
        totals = []
        for i in range(n + 2):
            t0 = time.perf_counter()
            for p in selectors.PANELS:
                t = time.perf_counter()
                json.dumps(fn(p, region))
                if i >= 2:
                    per_panel[p].append((time.perf_counter() - t) * 1000)
            if i >= 2:  # two warm-up rounds
                totals.append((time.perf_counter() - t0) * 1000)
        out["dashboards"][label] = {
            "persons": Person.objects.filter(region__code__startswith=code).count(),
            "p50": pct(totals, 50), "p95": pct(totals, 95),
            "panels": {p: {"p50": pct(v, 50), "p95": pct(v, 95)} for p, v in per_panel.items()},
        }

    def live(p, region):
        return selectors.compute_panel(p, region, period, types)

    def served(p, region):
        return selectors.panel(user, p, region, period)

    run(f"community {community_code} (live)", community_code, samples, live)
    run("city 6207 (live)", "6207", live_samples or samples, live)
    t = time.perf_counter()
    stored = services.refresh(regions=["6207"], periods=[period.label])
    out["refresh_city_seconds"] = time.perf_counter() - t
    out["refresh_city_panels"] = stored
    run("city 6207 (precomputed)", "6207", samples, served)
    out["report"] = measure_report(user, period.label, report_samples)
    return out


def measure_report(user, period: str, samples: int) -> dict:
    """The city's full report for ``period`` (``stats.selectors.report``: every indicator
    of every section computed live), then as the page renders it and as its docx and xlsx
    downloads write it; ms per sample after one warm-up, and the slowest indicators."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from jiayuan.stats import exports, registry, selectors
    from jiayuan.stats.rules import parse_period
    from jiayuan.stats.views import _chooser

    request = RequestFactory().get("/stats/report/", {"region": "6207", "period": period})
    request.user = user
    steps = {"compute": [], "page": [], "docx": [], "xlsx": []}
    for i in range(samples + 1):
        t = time.perf_counter()
        rep = selectors.report(user, "6207", period)
        t1 = time.perf_counter()
        render_to_string("stats/city_report.html", {"report": rep, **_chooser(request, rep.region)}, request)
        t2 = time.perf_counter()
        exports.report_docx(rep)
        t3 = time.perf_counter()
        exports.report_xlsx(rep)
        t4 = time.perf_counter()
        if i:
            for k, a, b in (("compute", t, t1), ("page", t1, t2), ("docx", t2, t3), ("xlsx", t3, t4)):
                steps[k].append((b - a) * 1000)
    totals = [steps["compute"][i] + steps["page"][i] for i in range(samples)]
    region = selectors.region_for(user, "6207")
    per = parse_period(period)
    slow = []
    for d in registry.definitions():
        if registry.computable(d.code, region, per):
            t = time.perf_counter()
            registry.value(d.code, region, per)
            slow.append(((time.perf_counter() - t) * 1000, d.code))
    slow.sort(reverse=True)
    return {"samples": samples, "figures": len(rep.figures),
            "computable": sum(1 for f in rep.figures if f.computable),
            "total_p50": pct(totals, 50), "total_p95": pct(totals, 95),
            **{f"{k}_p50": pct(v, 50) for k, v in steps.items()},
            **{f"{k}_p95": pct(v, 95) for k, v in steps.items()},
            "slowest": [{"code": c, "ms": ms} for ms, c in slow[:6]]}


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    load_times = {}
    if args.reuse:
        call_command("migrate", verbosity=0)   # the tables added since the load (stats 0002)
    else:
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_divisions", prefix="6207", verbosity=0)
        load_times["migrate_and_divisions"] = time.perf_counter() - t
        load_times.update(load(args.persons))
    with connection.cursor() as cur:
        cur.execute("SELECT (SELECT count(*) FROM people_person), (SELECT count(*) FROM cases_case), "
                    "(SELECT count(*) FROM assistance_paymentline), (SELECT count(*) FROM assistance_enrollment), "
                    "(SELECT version())")
        persons, cases, lines, enrollments, version = cur.fetchone()
    print(f"data: {persons:,} persons, {cases:,} cases, {enrollments:,} enrollments, {lines:,} payment lines; {version.split(' on ')[0]}; "
          f"{os.cpu_count()} CPUs")
    for k, v in load_times.items():
        print(f"  load {k}: {v:.1f} s")
    res = measure(args.samples, args.live_samples, args.report_samples)
    base = res["pk_fetch"]["p95"]
    print(f"\nbaseline Person.objects.get(pk): p50 {res['pk_fetch']['p50']:.2f} ms  p95 {base:.2f} ms")
    print(f"{'dashboard (7 panels in turn)':<34}{'persons':>10}{'p50 ms':>10}{'p95 ms':>10}{'ratio p95/pk':>14}")
    for label, d in res["dashboards"].items():
        print(f"{label:<34}{d['persons']:>10,}{d['p50']:>10.1f}{d['p95']:>10.1f}{d['p95'] / base:>14.0f}")
        for p, v in d["panels"].items():
            print(f"    {p:<30}{'':>10}{v['p50']:>10.1f}{v['p95']:>10.1f}{v['p95'] / base:>14.0f}")
    print(f"refresh of the city's snapshot ({res['refresh_city_panels']} panels, one period): "
          f"{res['refresh_city_seconds']:.1f} s")
    r = res["report"]
    print(f"\ncity report 6207, {r['samples']} samples, {r['figures']} figures ({r['computable']} computable):")
    print(f"  computed + page rendered: p50 {r['total_p50']:.0f} ms  p95 {r['total_p95']:.0f} ms  "
          f"ratio p95/pk {r['total_p95'] / base:.0f}  (target < 3000 ms)")
    for k in ("compute", "page", "docx", "xlsx"):
        print(f"    {k:<10} p50 {r[k + '_p50']:>8.0f} ms  p95 {r[k + '_p95']:>8.0f} ms")
    print("  slowest indicators: " + ", ".join(f"{s['code']} {s['ms']:.0f} ms" for s in r["slowest"]))
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    res.update({"persons": persons, "cases": cases, "payment_lines": lines, "load_seconds": load_times})
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))
    if args.drop:
        connection.close()
        drop_database(args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
