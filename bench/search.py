#!/usr/bin/env python
"""Person-search benchmark on PostgreSQL (issue 2, "Performance").

What it does, in one run:

1. (Re)creates a dedicated database (default ``jiayuan_bench`` on 127.0.0.1), migrates,
   loads Zhangye's real divisions (prefix 6207) and registers N synthetic persons
   (``jiayuan.demodata.Generator``) across all 934 village-level units, county shares
   roughly proportional to the real population (甘州区 about half), through the
   project's real write path ``people.services.bulk_register`` (validation, AES-GCM,
   keyed hashes, pinyin and name grams, one hash-chained audit entry per row), in
   chunks. Times the load and prints persons/s.
2. ``VACUUM ANALYZE``, creates a county civil-affairs officer scoped to 甘州区 (620702)
   and measures, through ``people.selectors.search_persons`` exactly as the API does,
   the first page (``list(qs.order_by("id")[:50])``) and the ``.count()`` of each query
   class, with >= 200 samples drawn (seeded) from values present in the data, after a
   warm-up. Baseline in the same run: ``Person.objects.get(pk=...)``. Prints p50/p95/p99
   in ms and ratio = class p95 / pk p95, then ``EXPLAIN (ANALYZE, BUFFERS)`` of the
   slowest sample of each class.

Run::

    .venv/bin/python bench/search.py                      # 1,000,000 persons (~8 min in all)
    .venv/bin/python bench/search.py --persons 50000      # quick check
    .venv/bin/python bench/search.py --reuse              # measure again on the loaded DB

The database named in ``--database-url`` is dropped and created again unless
``--reuse``; its name must contain "bench" (a guard against pointing it at real data).
"""

import argparse
import gc
import json
import math
import os
import platform
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench"
SCOPE = "620702"  # 甘州区
# Share of the city's population per county-level area, rounded from the 2020 census
# (张掖市 about 1.13 million; 甘州区 about 0.52 million).
COUNTY_SHARE = {
    "620702": 0.46,  # 甘州区
    "620721": 0.03,  # 肃南裕固族自治县
    "620722": 0.16,  # 民乐县
    "620723": 0.11,  # 临泽县
    "620724": 0.12,  # 高台县
    "620725": 0.12,  # 山丹县
}
# Relative size of a unit inside its county: urban communities are larger than villages,
# virtual units (4xx/5xx, industrial parks and the like) small.
KIND_WEIGHT = {"community": 2.0, "village": 1.0, "virtual": 0.3}
PAGE_SIZE = 50
CAP = 1000  # for the capped-count comparison only


# ----------------------------------------------------------------------------- set-up

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--persons", type=int, default=1_000_000, help="persons to register (default 1,000,000)")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                   help=f"PostgreSQL URL of the benchmark database (default {DEFAULT_URL})")
    p.add_argument("--seed", type=int, default=20261129, help="seed of the population and of the samples")
    p.add_argument("--chunk", type=int, default=20_000, help="persons per bulk_register call (one transaction)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes calling bulk_register at once (default 1; the machine of the issue has 2 cores)")
    p.add_argument("--samples", type=int, default=200, help="measured samples per query class (default 200)")
    p.add_argument("--warmup", type=int, default=30, help="warm-up queries per class before measuring")
    p.add_argument("--reuse", action="store_true", help="keep the loaded database, only measure")
    p.add_argument("--verify-audit", action="store_true", help="verify the audit hash chain after loading")
    p.add_argument("--db-setting", action="append", default=[], metavar="NAME=VALUE",
                   help="planner setting for the benchmark database while measuring (ALTER DATABASE … SET), "
                        "e.g. random_page_cost=1.1; repeatable; without it the server's own settings apply")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
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


def apply_db_settings(settings: list[str]) -> None:
    """Reset the benchmark database's own settings, then set ``NAME=VALUE`` ones; the
    connection is reopened so that they apply."""
    import re

    from django.db import connection

    name = connection.settings_dict["NAME"]
    with connection.cursor() as cur:
        cur.execute(f'ALTER DATABASE "{name}" RESET ALL')
        for item in settings:
            key, _, value = item.partition("=")
            if not re.fullmatch(r"[a-z_]+", key) or not re.fullmatch(r"[\w.]+", value):
                sys.exit(f"bad --db-setting {item!r}: expected NAME=VALUE")
            cur.execute(f'ALTER DATABASE "{name}" SET {key} = %s', [value])
    connection.close()


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        pg = cur.fetchone()[0].split(" on ")[0]
        cur.execute("SELECT name, setting, unit FROM pg_settings WHERE name IN "
                    "('shared_buffers','work_mem','effective_cache_size','jit','random_page_cost',"
                    "'max_parallel_workers_per_gather','max_wal_size','synchronous_commit')")
        settings = {n: f"{s}{' ' + u if u else ''}" for n, s, u in cur.fetchall()}
    mem = ""
    try:
        kb = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration, ValueError):
        pass
    return {"cpus": os.cpu_count(), "memory": mem, "python": platform.python_version(), "postgresql": pg,
            "pg_settings": settings, "cpu_model": _cpu_model()}


def _cpu_model() -> str:
    try:
        return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor()


# ----------------------------------------------------------------------------- load

def village_targets(total: int, seed: int) -> list[tuple[object, int]]:
    """[(village Region, persons)] over every village-level unit of Zhangye."""
    from jiayuan.regions.models import Region
    from jiayuan.regions.rules import village_kind

    rng = random.Random(seed)
    by_county = defaultdict(list)
    for v in Region.objects.filter(level=Region.Level.VILLAGE, code__startswith="6207").select_related("parent__parent"):
        by_county[v.code[:6]].append(v)
    out = []
    for county, villages in sorted(by_county.items()):
        weights = [KIND_WEIGHT[village_kind(v.code)] * rng.uniform(0.6, 1.4) for v in villages]
        share = COUNTY_SHARE[county] * total
        for v, w in zip(villages, weights):
            out.append((v, max(1, round(share * w / sum(weights)))))
    return out


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine
    only: read from /proc; 0 when it cannot be read)."""
    from django.db import connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _register(households) -> tuple[int, float, float, float]:
    """Worker: register one chunk through the real write path.

    Returns (persons, wall seconds, CPU seconds of this Python process, CPU seconds of
    its PostgreSQL backend): CPU time is the work done, whatever else runs on the machine.
    """
    from jiayuan.audit.services import Actor
    from jiayuan.people.services import bulk_register

    db0, cpu0, t = _backend_cpu(), time.process_time(), time.perf_counter()
    n = bulk_register(Actor(None, "command", {"bench": True}), households)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu0
    return n, wall, cpu, _backend_cpu() - db0


def chunks(total: int, seed: int, chunk: int, timing: dict, targets=None, gen=None):
    """Households of every village (seeded Generator), in chunks of about ``chunk`` persons;
    ``targets`` ([(village, persons)]) and ``gen`` replace the defaults (bench/loadtest)."""
    from jiayuan.demodata import Generator

    gen = gen or Generator(seed)
    pending, pending_n = [], 0
    for v, n in targets if targets is not None else village_targets(total, seed):
        t = time.perf_counter()
        township, county = v.parent, v.parent.parent
        hhs = gen.village_households(v.code, v.name, [], n, f"{county.name}{township.name}{v.short_name}")
        timing["generate"] += time.perf_counter() - t
        pending.extend(hhs)
        pending_n += sum(len(h.members) for h in hhs)
        if pending_n >= chunk:
            yield pending
            pending, pending_n = [], 0
    if pending:
        yield pending


def load(total: int, seed: int, chunk: int, workers: int = 1, targets=None, gen=None) -> dict:
    """Register ``total`` persons; with ``workers`` > 1, that many processes call
    bulk_register at once (the audit chain head lock orders their audit entries).
    ``targets`` and ``gen``: see :func:`chunks`."""
    timing = {"generate": 0.0, "register": 0.0, "python_cpu": 0.0, "postgres_cpu": 0.0}
    persons = households = calls = 0
    t0 = last_report = time.perf_counter()

    def done(hh, n, secs, py_cpu, db_cpu):
        nonlocal persons, households, calls, last_report
        persons += n
        households += hh
        calls += 1
        timing["register"] += secs
        timing["python_cpu"] += py_cpu
        timing["postgres_cpu"] += db_cpu
        if time.perf_counter() - last_report > 30:
            last_report = time.perf_counter()
            el = last_report - t0
            print(f"  … {persons:,} persons in {el:.0f} s ({persons / el:,.0f}/s)", flush=True)

    if workers <= 1:
        for part in chunks(total, seed, chunk, timing, targets, gen):
            done(len(part), *_register(part))
    else:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        running = {}
        url = os.environ["DATABASE_URL"]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=setup_django, initargs=(url,)) as pool:
            for part in chunks(total, seed, chunk, timing, targets, gen):
                while len(running) >= workers + 1:  # bound the households waiting in memory
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for f in finished:
                        done(running.pop(f), *f.result())
                running[pool.submit(_register, part)] = len(part)
            for f in list(running):
                done(running.pop(f), *f.result())
    wall = time.perf_counter() - t0
    return {"persons": persons, "households": households, "bulk_register_calls": calls, "chunk": chunk,
            "workers": workers, "seconds_total": wall, "seconds_generate": timing["generate"],
            "seconds_bulk_register": timing["register"], "persons_per_s": persons / wall,
            "cpu_seconds_python_bulk_register": timing["python_cpu"],
            "cpu_seconds_postgres": timing["postgres_cpu"],
            "persons_per_s_per_worker": persons / timing["register"]}


def vacuum_analyze() -> float:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("people_person", "people_household", "people_persontag", "audit_auditentry", "regions_region"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - t


def bench_user():
    from jiayuan.accounts.models import User
    from jiayuan.accounts.services import create_user
    from jiayuan.audit.services import Actor
    from jiayuan.regions.models import Region

    user = User.objects.filter(username="bench_ganzhou").first()
    if user is None:
        user = create_user(Actor(None, "command", {"bench": True}), "bench_ganzhou", "Bench-" + os.urandom(6).hex(),
                           User.Role.COUNTY_OFFICER, Region.objects.get(code=SCOPE), full_name="甘州区民政干部（基准测试）")
    return user


# ----------------------------------------------------------------------------- samples

def draw_samples(n: int, seed: int) -> dict[str, list[str]]:
    """Query strings per class, drawn (seeded) from values present in 甘州区's data."""
    from jiayuan import security
    from jiayuan.people import rules
    from jiayuan.people.models import Person

    rng = random.Random(seed + 1)
    # ordered by keyed hash, not id: ids depend on how the load was split among workers
    rows = list(Person.objects.filter(region__code__startswith=SCOPE).order_by("id_number_hash")
                .values_list("id", "name", "name_pinyin", "name_initials"))
    names = [r[1] for r in rows]
    three = [r for r in rows if len(r[1]) == 3]
    bigrams = Counter(name[i:i + 2] for name in names for i in range(len(name) - 1))
    rare = sorted(g for g, c in bigrams.items() if c <= 20)
    picked = rng.sample(rows, n)
    ciphers = dict(Person.objects.filter(id__in=[r[0] for r in picked]).values_list("id", "id_number_cipher"))
    ids = [security.decrypt(ciphers[r[0]]) for r in picked]
    full_prefixes = [rules.name_pinyin(r[1][:2])[0] for r in rng.sample(three, n)]
    return {
        "name: surname, 1 char (张)": [r[1][0] for r in picked],
        "name: given, 2 chars (建国)": [r[1][1:3] for r in rng.sample(three, n)],
        "name: rare 2 chars (≤20 in county)": [rng.choice(rare) for _ in range(n)],
        "name: whole name (张建国)": [r[1] for r in rng.sample(rows, n)],
        "pinyin initials, 3 (zjg)": [r[3] for r in rng.sample(three, n)],
        "pinyin initials, 2 (zj)": [r[3][:2] for r in rng.sample(three, n)],
        "pinyin full prefix (zhangjian)": full_prefixes,
        "ID tail, 4 digits": [i[-4:] for i in ids],
        "ID tail, 6 digits": [i[-6:] for i in ids],
    }


# ----------------------------------------------------------------------------- measure

def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or
    below it."""
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


def summary(values: list[float]) -> dict:
    return {"p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99), "max": max(values), "n": len(values)}


def run_query(user, q: str) -> tuple[float, float, int, int]:
    from jiayuan.people.selectors import PersonFilters, search_persons

    t0 = time.perf_counter()
    qs = search_persons(user, PersonFilters(q=q)).order_by("id")
    page = list(qs[:PAGE_SIZE])
    t1 = time.perf_counter()
    count = qs.count()
    t2 = time.perf_counter()
    return (t1 - t0) * 1000, (t2 - t1) * 1000, len(page), count


def run_capped_count(user, q: str) -> float:
    """A count that stops at CAP + 1 ("1000+"): not what the API does today, measured
    to show what a capped count would cost (docs/performance.md)."""
    from jiayuan.people.selectors import PersonFilters, search_persons

    t0 = time.perf_counter()
    search_persons(user, PersonFilters(q=q)).order_by()[:CAP + 1].count()
    return (time.perf_counter() - t0) * 1000


def measure(user, samples: dict[str, list[str]], warmup: int, seed: int) -> tuple[dict, dict]:
    from jiayuan.people.models import Person

    rng = random.Random(seed + 2)
    n = max(len(v) for v in samples.values())
    pk_ids = rng.sample(list(Person.objects.order_by("id").values_list("id", flat=True)), max(1000, n))
    # warm-up: every class, and the pk fetch
    for pk in pk_ids[:200]:
        Person.objects.get(pk=pk)
    for qs in samples.values():
        for q in rng.sample(qs, min(warmup, len(qs))):
            run_query(user, q)
    results, slowest = {}, {}
    gc.collect()
    gc.disable()
    try:
        t = []
        for pk in pk_ids:
            t0 = time.perf_counter()
            Person.objects.get(pk=pk)
            t.append((time.perf_counter() - t0) * 1000)
        results["pk fetch (baseline)"] = {"total": summary(t)}
        for cls, qs in samples.items():
            page, count, total, hits, capped = [], [], [], [], []
            worst = (-1.0, "")
            for q in qs:
                a, b, _rows, c = run_query(user, q)
                page.append(a)
                count.append(b)
                total.append(a + b)
                hits.append(c)
                if a + b > worst[0]:
                    worst = (a + b, q)
            for q in qs:
                capped.append(page[len(capped)] + run_capped_count(user, q))
            results[cls] = {"page": summary(page), "count": summary(count), "total": summary(total),
                            "total_capped_count": summary(capped),
                            "hits_median": sorted(hits)[len(hits) // 2], "hits_max": max(hits)}
            slowest[cls] = worst[1]
    finally:
        gc.enable()
    return results, slowest


def explain(user, q: str) -> dict[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the page query and of the count query for ``q``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiayuan.people.selectors import PersonFilters, search_persons

    out = {}
    qs = search_persons(user, PersonFilters(q=q)).order_by("id")
    with CaptureQueriesContext(connection) as ctx:
        list(qs[:PAGE_SIZE])
        qs.count()
    for label, query in zip(("page", "count"), ctx.captured_queries):
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            out[label] = "\n".join(r[0] for r in cur.fetchall())
    return out


def print_table(results: dict) -> None:
    base = results["pk fetch (baseline)"]["total"]["p95"]
    print()
    print(f"{'class':<36} {'hits p50':>8} {'page p50':>8} {'page p95':>8} {'count p50':>9} {'count p95':>9} "
          f"{'p50':>7} {'p95':>7} {'p99':>7} {'p95/pk':>7} {'capped p95':>10}")
    print("-" * 130)
    for cls, r in results.items():
        t = r["total"]
        if "page" in r:
            print(f"{cls:<36} {r['hits_median']:>8,} {r['page']['p50']:>8.2f} {r['page']['p95']:>8.2f} "
                  f"{r['count']['p50']:>9.2f} {r['count']['p95']:>9.2f} {t['p50']:>7.2f} {t['p95']:>7.2f} "
                  f"{t['p99']:>7.2f} {t['p95'] / base:>7.1f} {r['total_capped_count']['p95']:>10.2f}")
        else:
            print(f"{cls:<36} {1:>8} {'':>8} {'':>8} {'':>9} {'':>9} {t['p50']:>7.2f} {t['p95']:>7.2f} "
                  f"{t['p99']:>7.2f} {1.0:>7.1f}")
    print("ms. page = list(qs.order_by('id')[:50]); count = qs.count(); p50/p95/p99 = page + count, as one API\n"
          "request does; p95/pk = class p95 / pk-fetch p95; capped p95 = page + a count capped at "
          f"{CAP + 1} (not the API's contract today).")


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from jiayuan.people.models import Person

    u = urlparse(args.database_url)
    report = {"database": f"{u.scheme}://{u.username or ''}@{u.hostname}:{u.port or 5432}{u.path}", "seed": args.seed}
    load_info = None
    if not args.reuse or not Person.objects.exists():
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_divisions", prefix="6207", verbosity=0)
        print(f"migrated and loaded Zhangye's divisions in {time.perf_counter() - t:.1f} s", flush=True)
        print(f"registering {args.persons:,} persons through people.services.bulk_register "
              f"(chunks of {args.chunk:,}, {args.workers} worker(s)) …", flush=True)
        load_before = os.getloadavg()[0]
        load_info = load(args.persons, args.seed, args.chunk, args.workers)
        load_info["loadavg_1min_before_after"] = [load_before, os.getloadavg()[0]]
        report["load"] = load_info
        print(f"CPU: bulk_register {load_info['cpu_seconds_python_bulk_register']:.0f} s in Python "
              f"({load_info['cpu_seconds_python_bulk_register'] / load_info['persons'] * 1e6:.0f} µs/person), "
              f"{load_info['cpu_seconds_postgres']:.0f} s in PostgreSQL backends "
              f"({load_info['cpu_seconds_postgres'] / load_info['persons'] * 1e6:.0f} µs/person)", flush=True)
        print(f"loaded {load_info['persons']:,} persons in {load_info['households']:,} households in "
              f"{load_info['seconds_total']:.1f} s = {load_info['persons_per_s']:,.0f} persons/s "
              f"(generator {load_info['seconds_generate']:.1f} s; time inside bulk_register {load_info['seconds_bulk_register']:.1f} s "
              f"= {load_info['persons_per_s_per_worker']:,.0f} persons/s per worker; load average "
              f"{load_info['loadavg_1min_before_after'][0]:.2f} before, {load_info['loadavg_1min_before_after'][1]:.2f} after)",
              flush=True)
        report["vacuum_analyze_s"] = vacuum_analyze()
        print(f"VACUUM ANALYZE: {report['vacuum_analyze_s']:.1f} s", flush=True)
        if args.verify_audit:
            from jiayuan.audit.selectors import verify_chain

            t = time.perf_counter()
            res = verify_chain()
            report["audit_verify"] = {"ok": res.ok, "checked": res.checked, "seconds": time.perf_counter() - t}
            print(f"audit chain: {'intact' if res.ok else 'BROKEN at ' + str(res.bad_seq)}, {res.checked:,} entries "
                  f"checked in {report['audit_verify']['seconds']:.1f} s", flush=True)
    apply_db_settings(args.db_setting)
    report["db_settings"] = args.db_setting
    report["machine"] = machine()
    total = Person.objects.count()
    in_scope = Person.objects.filter(region__code__startswith=SCOPE).count()
    report["persons_total"], report["persons_in_scope"] = total, in_scope
    print(f"persons: {total:,} in all, {in_scope:,} in 甘州区 ({in_scope / total:.0%})")
    print(f"machine: {report['machine']['cpus']} CPUs ({report['machine']['cpu_model']}), {report['machine']['memory']}, "
          f"{report['machine']['postgresql']}; {report['machine']['pg_settings']}")

    user = bench_user()
    samples = draw_samples(args.samples, args.seed)
    load_before = os.getloadavg()[0]
    results, slowest = measure(user, samples, args.warmup, args.seed)
    report["results"] = results
    report["measure_loadavg_1min_before_after"] = [load_before, os.getloadavg()[0]]
    print(f"load average (1 min) before/after measuring: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} CPUs (other work on the machine inflates the tails)")
    print_table(results)

    report["explain"] = {}
    for cls, q in slowest.items():
        plans = explain(user, q)
        report["explain"][cls] = {"q": q, **plans}
        print(f"\n=== EXPLAIN {cls}: slowest sample q={q!r}")
        for label, plan in plans.items():
            print(f"--- {label}")
            print(plan)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
