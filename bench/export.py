#!/usr/bin/env python
"""Roster export benchmark (issue 3, "Performance"): 1,000,000 persons to .xlsx on
PostgreSQL in under 60 s with peak RSS under 400 MB.

What it does, in one run:

1. Unless ``--reuse``: (re)creates ``jiayuan_bench_export``, migrates, loads Zhangye's
   divisions and registers N synthetic persons with their households and tags through
   ``people.services.bulk_register`` (``bench/search.py``'s loader), then ``VACUUM
   ANALYZE``.
2. In a fresh child process per measurement (so that peak RSS is the export's own),
   exports every person of the city, as a city civil-affairs administrator would from
   the person list with no filter, exactly as the page and the API do:
   ``people.selectors.search_persons`` → ``imports.export.persons_for_export``
   (households together) → ``imports.export.person_rows`` (server-side cursor,
   batches of 2,000 with their current tags; ID numbers and phones decrypted, and
   masked or whole) → ``imports.export.stream_xlsx`` (the streaming writer) into a
   file, or ``stream_csv``. Prints seconds, rows/s, the file size and peak RSS.
   Baseline in the same run: the same query read alone (no decryption, no file), the
   raw limit of what the database hands over.

Run::

    .venv/bin/python bench/export.py                     # load 1,000,000 persons (~5–10 min), measure
    .venv/bin/python bench/export.py --reuse             # measure again on the loaded database
    .venv/bin/python bench/export.py --persons 100000    # quick check

The database in ``--database-url`` is dropped and created again unless ``--reuse``;
its name must contain "bench".
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(BENCH))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_export"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def city_admin():
    from jiayuan.accounts.models import User

    user, _ = User.objects.get_or_create(username="bench-export", defaults={"role": "city_admin",
                                                                            "scope_id": "6207"})
    return user


def phase_load(url: str, persons: int) -> dict:
    import search  # bench/search.py

    search.recreate_database(url)
    search.setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_divisions", prefix="6207", verbosity=0)
    info = search.load(persons, 20261129, 20_000)
    info["vacuum_seconds"] = search.vacuum_analyze()
    return info


def phase_export(url: str, fmt: str, sensitive: bool) -> dict:
    import search

    search.setup_django(url)
    from jiayuan.imports import export
    from jiayuan.people.selectors import PersonFilters, search_persons

    user = city_admin()
    qs = export.persons_for_export(search_persons(user, PersonFilters()))
    t0 = time.perf_counter()
    rows = export.person_rows(qs, sensitive=sensitive)
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False) as out:
        if fmt == "xlsx":
            writer, chunks = export.stream_xlsx(rows, title="居民名单（全部）")
            for chunk in chunks:
                out.write(chunk)
            n = writer.rows_written
        else:
            n = 0
            for chunk in export.stream_csv(rows):
                out.write(chunk)
            n = None
        path = out.name
    dt = time.perf_counter() - t0
    size = os.path.getsize(path)
    if n is None:
        with open(path, "rb") as fh:
            n = sum(1 for _ in fh) - 1
    os.unlink(path)
    return {"format": fmt, "sensitive": sensitive, "rows": n, "seconds": dt, "rows_per_s": n / dt,
            "bytes": size, "rss_mb": rss_mb()}


def phase_query(url: str) -> dict:
    """The raw limit: the same rows (the export's columns) streamed from the server."""
    import search

    search.setup_django(url)
    from jiayuan.imports import export
    from jiayuan.people.selectors import PersonFilters, search_persons

    qs = export.persons_for_export(search_persons(city_admin(), PersonFilters()))
    t0 = time.perf_counter()
    n = sum(1 for _ in qs.values_list(*export._PERSON_COLUMNS).iterator(chunk_size=2000))
    dt = time.perf_counter() - t0
    return {"rows": n, "seconds": dt, "rss_mb": rss_mb()}


def child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          env={**os.environ, "JIAYUAN_LOG_LEVEL": "ERROR"})
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {args} failed")
    sys.stdout.write("".join(line + "\n" for line in proc.stdout.splitlines()[:-1]))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--database-url", default=DEFAULT_URL)
    p.add_argument("--reuse", action="store_true", help="measure on the already loaded database")
    p.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    p.add_argument("--format", default="xlsx", help=argparse.SUPPRESS)
    p.add_argument("--sensitive", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    url = args.database_url
    if args.phase == "load":
        out = phase_load(url, args.persons)
    elif args.phase == "export":
        out = phase_export(url, args.format, args.sensitive)
    elif args.phase == "query":
        out = phase_query(url)
    if args.phase:
        print(json.dumps(out, default=str))
        return 0

    print(f"# Roster export benchmark — PostgreSQL, {os.cpu_count()} CPU")
    if not args.reuse:
        info = child(["--phase", "load", "--persons", str(args.persons), "--database-url", url])
        print(f"loaded {info['persons']:,} persons / {info['households']:,} households in "
              f"{info['seconds_total']:.0f} s ({info['persons_per_s']:,.0f}/s)")
    q = child(["--phase", "query", "--database-url", url])
    print(f"query only (the export's rows and columns, server-side cursor): {q['seconds']:.1f} s for "
          f"{q['rows']:,} rows ({q['rows'] / q['seconds']:,.0f} rows/s), peak RSS {q['rss_mb']:.0f} MB")
    results = {"query": q}
    for fmt, sensitive in (("xlsx", False), ("xlsx", True), ("csv", False)):
        r = child(["--phase", "export", "--format", fmt, "--database-url", url] + (["--sensitive"] if sensitive else []))
        label = f"{fmt}{' (whole ID numbers and phones)' if sensitive else ' (masked)'}"
        print(f"export {label}: {r['seconds']:.1f} s for {r['rows']:,} rows ({r['rows_per_s']:,.0f} rows/s), "
              f"{r['bytes'] / 1e6:.0f} MB, peak RSS {r['rss_mb']:.0f} MB; {r['seconds'] / q['seconds']:.1f}× the query")
        results[f"{fmt}{'-sensitive' if sensitive else ''}"] = r
    x = results["xlsx"]
    ok = x["rows"] >= 1_000_000 and x["seconds"] < 60 and x["rss_mb"] < 400
    print(f"target (1,000,000 persons to .xlsx < 60 s, RSS < 400 MB): {'met' if ok else 'NOT met'}"
          + ("" if x["rows"] >= 1_000_000 else f" (only {x['rows']:,} rows loaded)"))
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
