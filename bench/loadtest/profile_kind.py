#!/usr/bin/env python
"""One request kind of the load test, alone, under cProfile (docs/performance.md, "Load").

    .venv/bin/python bench/loadtest/profile_kind.py --user lt_grid_000 --path "/api/v1/persons?q=张" [--repeat 20]

Runs the request ``--repeat`` times through Django's test client against the load-test
database (``jiayuan_bench_load``) as ``--user`` (the API with a token, pages with a
session), one at a time: prints the time of each (p50, max), the SQL statements and their
time per request (Django's query log), and the functions with the most cumulative time.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent / "src"))

import prepare  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--user", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--database-url", default=os.environ.get("LOADTEST_DATABASE_URL", prepare.DEFAULT_URL))
    args = p.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiayuan.accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    user = User.objects.get(username=args.user)
    if args.path.startswith("/api/"):
        tok = Client(HTTP_HOST="127.0.0.1").post("/api/v1/auth/token", {
            "username": user.username, "password": prepare.LOADTEST_PASSWORD}, content_type="application/json")
        client = Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Bearer {tok.json()['token']}"})
    else:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
    client.get(args.path)  # warm-up
    times, queries = [], []
    prof = cProfile.Profile()
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            prof.enable()
            r = client.get(args.path)
            if getattr(r, "streaming", False):
                b"".join(r.streaming_content)
            prof.disable()
            times.append((time.perf_counter() - t) * 1000)
        queries.append(ctx.captured_queries)
    times.sort()
    print(f"{args.path} as {args.user}: status {r.status_code}; {args.repeat} requests one at a time: "
          f"p50 {times[len(times) // 2]:.0f} ms, max {times[-1]:.0f} ms (load average {os.getloadavg()[0]:.2f})")
    last = queries[-1]
    print(f"SQL per request: {len(last)} statements, {sum(float(q['time']) for q in last) * 1000:.0f} ms in all; "
          "slowest:")
    for q in sorted(last, key=lambda q: -float(q["time"]))[:5]:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
