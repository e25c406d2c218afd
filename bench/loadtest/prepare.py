#!/usr/bin/env python
"""The database of ``make loadtest``: 1,000,000 persons and the accounts of a working day.

    .venv/bin/python bench/loadtest/prepare.py [--persons 1000000] [--database-url URL]

Reuses the database when it already holds the persons and the load-test accounts (a
second ``make loadtest`` starts measuring at once); otherwise (re)creates it:

1. ``jiayuan demo-setup`` (migrations, Zhangye's divisions, the demo population of
   东街街道 and the other demo townships imported through the roster engine, the demo
   accounts, departments, grid events, social assistance and every module's demo data),
   with the demo password ``LOADTEST_PASSWORD``;
2. the rest of the persons through ``people.services.bulk_register`` across every other
   village-level unit of Zhangye (bench/search.py's county shares and generator);
3. the load-test accounts (``LOAD_ACCOUNTS``): many grid members and community workers,
   fewer township officers, few county and city staff, each scoped like the demo's
   accounts of the same role and tied to a demo-township grid, community or street;
4. ``VACUUM ANALYZE``.

The database's name must contain ``bench_load`` (a guard against real data).
"""

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/ (search.py)
sys.path.insert(0, str(HERE.parent.parent / "src"))

import search  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_load"
LOADTEST_PASSWORD = "Load-test-2026-jy"
SEED = 20261207


def load_accounts() -> list[tuple[str, str, str]]:
    """(username, role, scope) of the load-test accounts, in the demo townships: one grid
    member per grid (up to 100), one community worker per community (up to 60),
    one township officer per street, two county officers, one city admin, one auditor."""
    from jiayuan.regions.models import Region

    out = []
    grids = list(Region.objects.filter(level="grid", code__startswith="620702").order_by("code")
                 .values_list("code", flat=True))[:100]
    out += [(f"lt_grid_{i:03d}", "grid_member", g) for i, g in enumerate(grids)]
    communities = list(Region.objects.filter(level="village", parent_id__in=["620702001", "620702002", "620702003",
                                                                             "620702004", "620702005"])
                       .order_by("code").values_list("code", flat=True))[:60]
    out += [(f"lt_comm_{i:03d}", "community_worker", c) for i, c in enumerate(communities)]
    out += [(f"lt_town_{i:03d}", "township_officer", t) for i, t in
            enumerate(["620702001", "620702002", "620702003", "620702004", "620702005"])]
    out += [("lt_county_000", "county_officer", "620702"), ("lt_county_001", "county_officer", "620702"),
            ("lt_city_000", "city_admin", "6207"), ("lt_audit_000", "auditor", "6207")]
    return out


def ready(url: str, persons: int) -> bool:
    import psycopg

    u = urlparse(url)
    try:
        with psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                             password=u.password, dbname=u.path.lstrip("/"), connect_timeout=5) as c:
            n = c.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'people_person'").fetchone()
            done = c.execute("SELECT count(*) FROM accounts_user WHERE username = 'lt_audit_000'").fetchone()
            return bool(n and n[0] >= persons * 0.98 and done[0] == 1)
    except psycopg.Error:
        return False


def bulk_rest(total: int, seed: int, chunk: int, workers: int) -> dict:
    """Register persons in every village-level unit outside the demo townships until the
    database holds ``total``; ID numbers never repeat the demo's (decrypted first)."""
    from jiayuan import security
    from jiayuan.demodata import DEMO_TOWNSHIPS, Generator
    from jiayuan.people.models import Person

    have = Person.objects.count()
    rest = total - have
    if rest <= 0:
        return {"persons": 0}
    gen = Generator(seed)
    gen.used_ids |= {security.decrypt(c) for c in Person.objects.values_list("id_number_cipher", flat=True).iterator()}
    targets = [(v, n) for v, n in search.village_targets(round(rest / 0.97), seed) if v.parent_id not in DEMO_TOWNSHIPS]
    scale = rest / sum(n for _v, n in targets)
    targets = [(v, max(1, round(n * scale))) for v, n in targets]
    return search.load(rest, seed, chunk, workers, targets=targets, gen=gen)


def ensure_accounts() -> int:
    from jiayuan.accounts.models import User
    from jiayuan.audit.services import Actor
    from jiayuan.grid.models import GridMember
    from jiayuan.web.management.commands.demo_setup import _ensure_account

    actor = Actor(None, "command", {"loadtest": True})
    accounts = load_accounts()
    for username, role, scope in accounts:
        user = _ensure_account(actor, LOADTEST_PASSWORD, username, role, scope, f"压力测试{username}")
        if role == "grid_member":
            GridMember.objects.get_or_create(grid_id=scope, user=user, defaults={"name": f"网格员{username}"})
    return len(accounts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--database-url", default=os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--workers", type=int, default=2, help="processes calling bulk_register at once")
    p.add_argument("--force", action="store_true", help="drop and load again even if the database is ready")
    args = p.parse_args(argv)
    name = urlparse(args.database_url).path.lstrip("/")
    if "bench_load" not in name:
        sys.exit(f"refusing database {name!r}: its name must contain 'bench_load'")
    if not args.force and ready(args.database_url, args.persons):
        search.setup_django(args.database_url)
        print(f"loadtest database {name} is ready (≥ {args.persons:,} persons): reused; "
              f"load-test accounts: {ensure_accounts()}")
        return 0
    t0 = time.perf_counter()
    os.environ["JIAYUAN_DEMO_PASSWORD"] = LOADTEST_PASSWORD
    search.recreate_database(args.database_url)
    search.setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("demo_setup", verbosity=0)
    print(f"demo-setup done in {time.perf_counter() - t0:.0f} s", flush=True)
    info = bulk_rest(args.persons, SEED, 20_000, args.workers)
    print(f"bulk_register: {info.get('persons', 0):,} persons", flush=True)
    print(f"load-test accounts: {ensure_accounts()}", flush=True)
    with connection.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    from jiayuan.people.models import Person

    print(f"loadtest database {name}: {Person.objects.count():,} persons, "
          f"prepared in {time.perf_counter() - t0:.0f} s (load average {os.getloadavg()[0]:.2f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
