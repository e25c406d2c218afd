#!/usr/bin/env python
"""一表通 pre-fill with the modules' real indicator rules (issue 16, performance).

Times :func:`jiayuan.stats.yibiaotong.prefill.platform_values` for every village-level unit
of 6207 and every registered rule of the modules listed in ``MODULES``, one element at a
time (seconds and queries) and all together (three runs), against a loaded benchmark
database (``bench/dashboard.py`` loads one; its name must contain "bench"). ``before``
switches ``by_child`` off for the 两项补贴 rules only (one query per unit, as before).

    .venv/bin/python bench/yibiaotong_rules.py [--database-url URL] [--period 2026] [--mode after|before]
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
MODULES = ("servicecenter.", "facilities.", "funds.", "projects.", "workforce.", "grid.", "disability.")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/dash_bench")
    p.add_argument("--period", default=None)
    p.add_argument("--mode", choices=("after", "before"), default="after")
    args = p.parse_args(argv)
    if "bench" not in args.database_url.rsplit("/", 1)[-1]:
        sys.exit("refusing: the database name must contain 'bench'")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from jiayuan.people.models import Person
    from jiayuan.regions.models import Region
    from jiayuan.stats import registry
    from jiayuan.stats.rules import parse_period
    from jiayuan.stats.yibiaotong import prefill

    registry.autodiscover()
    codes = sorted(c for c in registry._RULES if c.startswith(MODULES))
    units = list(Region.objects.filter(level="village", code__startswith="6207").order_by("code"))
    period = parse_period(args.period or str(timezone.localdate().year))
    ids = list(Person.objects.values_list("id", flat=True)[:50000])
    rng, pk = random.Random(1), []
    for _i in range(300):
        t = time.perf_counter()
        Person.objects.get(pk=rng.choice(ids))
        pk.append((time.perf_counter() - t) * 1000)
    pk.sort()
    print(f"units {len(units)}; rules {len(codes)}; pk fetch p50 {pk[150]:.2f} ms p95 {pk[284]:.2f} ms; "
          f"load {os.getloadavg()[0]:.1f}")
    sel = codes if args.mode == "after" else [c for c in codes if c.startswith("disability.")]
    if args.mode == "before":
        for c in sel:
            registry._RULES[c].by_child, registry._RULES[c].deep = None, False

    def element(c):
        return SimpleNamespace(code=c, source=c, source_kind="indicator", pk=0)

    for c in sel:
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            prefill.platform_values([element(c)], units, period)
            dt = time.perf_counter() - t
        print(f"{args.mode:7} {c:40} {dt:7.2f} s  {len(ctx.captured_queries):5} queries")
    times = []
    for _i in range(3):
        t = time.perf_counter()
        prefill.platform_values([element(c) for c in sel], units, period)
        times.append(time.perf_counter() - t)
    print(f"{args.mode}: all {len(sel)} rules for {len(units)} units: runs {', '.join(f'{x:.2f}' for x in times)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
