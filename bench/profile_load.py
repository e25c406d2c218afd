#!/usr/bin/env python
"""Profile the benchmark load (``bulk_register``) with cProfile.

    .venv/bin/python bench/profile_load.py [--persons 20000] [--database-url ...]

Creates (DROP/CREATE) ``jiayuan_bench_profile``, migrates, loads Zhangye's divisions,
then registers the persons under cProfile and prints the top functions by own and by
cumulative time. The database name must contain "bench".
"""

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import search  # noqa: E402  (bench/search.py)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--persons", type=int, default=20_000)
    p.add_argument("--chunk", type=int, default=20_000)
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jiayuan_bench_profile")
    p.add_argument("--top", type=int, default=40)
    args = p.parse_args()
    search.recreate_database(args.database_url)
    search.setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_divisions", prefix="6207", verbosity=0)
    prof = cProfile.Profile()
    prof.enable()
    info = search.load(args.persons, 1, args.chunk)
    prof.disable()
    print(f"{info['persons']:,} persons, {info['persons_per_s']:,.0f}/s "
          f"(bulk_register {info['persons_per_s_per_worker']:,.0f}/s; cProfile slows everything)")
    stats = pstats.Stats(prof)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
