#!/usr/bin/env python
"""Home-care settlement and the care worker's "today" list on PostgreSQL (issue 12,
"Performance").

Targets: 50,000 confirmed orders of one provider in a county-month settled **under
10 s**; regenerating with nothing changed **under 5 s**; the ratio against one SQL
aggregate computing the same gross total, measured in the same run; a care worker's
"today" list **p95 under 50 ms** with 1,000,000 orders in the table.

What it does, in one run:

1. (Re)creates a dedicated database (default ``jiayuan_bench_eldercare``; the name must
   contain "bench"), migrates, loads 甘州区's divisions.
2. Set-up through the real services where it is small (catalogue item 居室保洁 30.00 a
   hour with a 60-minute minimum, 上门送餐 12.00; a provider, its contract; 100 elders
   with an entitlement is not needed for the measurement, so one plan and plan line are
   written directly) and by one ``INSERT … SELECT generate_series`` for the orders
   (bench scaffolding): 1,000,000 orders of 200 care workers over 24 months, of which
   50,000 confirmed orders of the provider in the measured month, every 20th checked in
   out of range, every 33rd shorter than the minimum; 500 upheld complaints and 300
   call-backs that found no service in that month. The other 950,000 are spread evenly
   over the other 699 days, each day's orders over all the care workers (about 7 a
   worker a day, as a real day). Then ``VACUUM ANALYZE``.
3. Measures, in this process:
   - ``settlement_services.generate`` (first generation), then again with nothing
     changed (regeneration: the live lines voided, the same lines written anew);
   - the baseline: one SQL aggregate of price × quantity over the same orders
     (:func:`jiayuan.eldercare.orders.selectors.sql_totals`), and checks that its gross
     equals the settlement's gross to the fen;
   - ``selectors.worker_day`` for 300 random (care worker, day) pairs: p50, p95, max.
4. Prints the figures and the machine's 1-minute load average (a shared machine slows
   every figure).

Run::

    .venv/bin/python bench/eldercare.py                   # 1,000,000 orders, 50,000 settled
    .venv/bin/python bench/eldercare.py --orders 200000   # quick check
"""

import argparse
import os
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_eldercare"
COUNTY = "620702"
MONTH = date(2025, 3, 1)
MONTH_DAYS = 31  # days of MONTH
OTHER_DAYS = 730 - MONTH_DAYS  # 2024-01-01 … 2025-12-30 less the measured month


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=1_000_000)
    p.add_argument("--settled", type=int, default=50_000)
    p.add_argument("--workers", type=int, default=200)
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--drop", action="store_true", help="drop the database at the end")
    return p.parse_args(argv)


def _admin(url: str):
    import psycopg

    u = urlparse(url)
    return psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                           password=u.password, dbname="postgres", autocommit=True)


def _name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to touch database {name!r}: its name must contain 'bench'")
    return name


def loadavg() -> float:
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:
        return 0.0


def setup(args):
    from django.core.management import call_command
    from django.db import connection

    from jiayuan.accounts.models import User
    from jiayuan.audit.services import Actor
    from jiayuan.conftest import make_id_number
    from jiayuan.eldercare import services as ec
    from jiayuan.eldercare.models import CareDuty, CarePlan, CarePlanLine, Entitlement, EntitlementStandard
    from jiayuan.eldercare.orders import services as orders
    from jiayuan.organizations.models import OrganizationMember, SocialOrganization
    from jiayuan.people.services import create_person

    call_command("migrate", verbosity=0)
    call_command("load_divisions", prefix=COUNTY, verbosity=0)
    county = User.objects.create(username="bench_county", role="county_officer", scope_id=COUNTY)
    approver = User.objects.create(username="bench_county2", role="county_officer", scope_id=COUNTY)
    admin = User.objects.create(username="bench_root", is_superuser=True)
    a = Actor(county, "command")
    clean = ec.save_item(a, COUNTY, {"code": "ZJ01", "kind": "cleaning", "name": "居室保洁", "unit": "hour",
                                     "price": "30.00", "min_minutes": 60, "evidence": ["location"]})
    meal = ec.save_item(a, COUNTY, {"code": "ZC01", "kind": "meals", "name": "上门送餐", "unit": "meal",
                                    "price": "12.00", "evidence": ["location"]})
    org = SocialOrganization.objects.create(name="基准居家养老服务中心", kind="social_service_institution",
                                            uscc="52620702MJ0002002", region_id=COUNTY)
    contract = orders.sign_contract(a, COUNTY, org, number="BENCH-01", start="2024-01-01", end="2026-12-31",
                                    prices={clean.pk: "30.00", meal.pk: "12.00"})
    elders = [create_person(Actor(admin, "command"), {
        "name": "老人" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "子丑寅卯辰巳午未申酉"[i // 10], "region": "620702001001", "address": f"交通巷{i}号",
        "id_number": make_id_number(date(1940, 1, 1 + i % 28), 1 + i % 2)}) for i in range(100)]
    std = EntitlementStandard.objects.create(county_id=COUNTY, category="disabled", level="", amount=400, hours=20,
                                             effective_from=date(2024, 1, 1), basis="基准")
    ent = Entitlement.objects.create(person=elders[0], county_id=COUNTY, category="disabled", amount=400, hours=20,
                                     start_month=date(2024, 1, 1), standard=std, approved_by=county)
    plan = CarePlan.objects.create(person=elders[0], entitlement=ent, contract=contract, provider=org, county_id=COUNTY,
                                   month=MONTH, address="交通巷1号", home_lat=Decimal("38.9326"),
                                   home_lon=Decimal("100.4512"), confirm_code="123456", planned_amount=0)
    line = CarePlanLine.objects.create(plan=plan, item=clean, price=30, quantity=2, days=[1])
    workers = User.objects.bulk_create([User(username=f"bench_worker{i}", role="org_staff", scope_id=COUNTY)
                                        for i in range(args.workers)])
    OrganizationMember.objects.bulk_create([OrganizationMember(organization=org, user=w) for w in workers])
    CareDuty.objects.bulk_create([CareDuty(provider=org, user=w, duty="care_worker") for w in workers])
    wmin = min(w.pk for w in workers)
    pmin = min(p.pk for p in elders)
    t0 = time.perf_counter()
    with connection.cursor() as c:
        # the measured month: args.settled confirmed orders of the provider
        c.execute("""
            INSERT INTO eldercare_workorder (plan_id, line_id, person_id, provider_id, county_code, region_code, item_id,
                month, scheduled_on, price, quantity, status, worker_id, checkin_at, checkin_distance_m, location_ok,
                checkout_at, duration, notes, confirmed_by, confirmer_name, done_at, version, created_at)
            SELECT %(plan)s, %(line)s, %(pmin)s + g %% 100, %(org)s, %(county)s, '620702001001',
                   CASE WHEN g %% 2 = 0 THEN %(clean)s ELSE %(meal)s END,
                   %(month)s, %(month)s::date + (g %% 28),
                   CASE WHEN g %% 2 = 0 THEN 30.00 ELSE 12.00 END, CASE WHEN g %% 2 = 0 THEN 2 ELSE 1 END,
                   'done', %(wmin)s + g %% %(nw)s, now(), CASE WHEN g %% 20 = 0 THEN 600 ELSE 20 END, g %% 20 <> 0,
                   now(), CASE WHEN g %% 33 = 0 THEN 40 ELSE 125 END, '', 'elder', '', now(), 1, now()
            FROM generate_series(1, %(n)s) g""",
                  {"plan": plan.pk, "line": line.pk, "pmin": pmin, "org": org.pk, "county": COUNTY, "clean": clean.pk,
                   "meal": meal.pk, "month": MONTH, "wmin": wmin, "nw": args.workers, "n": args.settled})
        # the rest: other months (2024-01 … 2025-12 except the measured one), any state
        c.execute("""
            INSERT INTO eldercare_workorder (plan_id, line_id, person_id, provider_id, county_code, region_code, item_id,
                month, scheduled_on, price, quantity, status, worker_id, checkin_at, checkin_distance_m, location_ok,
                checkout_at, duration, notes, confirmed_by, confirmer_name, done_at, version, created_at)
            SELECT %(plan)s, %(line)s, %(pmin)s + g %% 100, %(org)s, %(county)s, '620702001001', %(meal)s,
                   date_trunc('month', d)::date, d, 12.00, 1, 'done', %(wmin)s + (g / %(ndays)s) %% %(nw)s, now(), 20,
                   true, now(), 30, '', 'elder', '', now(), 1, now()
            FROM (SELECT g, DATE '2024-01-01' + (g %% %(ndays)s)
                            + CASE WHEN DATE '2024-01-01' + (g %% %(ndays)s) >= %(month)s THEN %(mdays)s ELSE 0 END AS d
                  FROM generate_series(1, %(n)s) g) s""",
                  {"plan": plan.pk, "line": line.pk, "pmin": pmin, "org": org.pk, "county": COUNTY, "meal": meal.pk,
                   "month": MONTH, "wmin": wmin, "nw": args.workers, "n": args.orders - args.settled,
                   "ndays": OTHER_DAYS, "mdays": MONTH_DAYS})
        c.execute("""INSERT INTO eldercare_complaint (order_id, complainant, content, status, received_by_id,
                         received_at, decided_by_id, decided_at, decision)
                     SELECT id, '家属', '基准', 'upheld', %(u)s, now(), %(u)s, now(), '属实' FROM eldercare_workorder
                     WHERE month = %(month)s ORDER BY id LIMIT 500""", {"u": county.pk, "month": MONTH})
        c.execute("""INSERT INTO eldercare_callback (order_id, method, result, note, by_id, at)
                     SELECT id, 'phone', 'not_served', '', %(u)s, now() FROM eldercare_workorder
                     WHERE month = %(month)s ORDER BY id DESC LIMIT 300""", {"u": county.pk, "month": MONTH})
        c.execute("SELECT count(*) FROM eldercare_workorder")
        total = c.fetchone()[0]
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    print(f"set-up: {total:,} orders written in {time.perf_counter() - t0:.1f} s")
    return {"county": county, "approver": approver, "org": org, "workers": workers}


def measure(ctx, args):
    from jiayuan.audit.services import Actor
    from jiayuan.eldercare.orders import selectors, settlement_services

    a = Actor(ctx["county"], "command")
    print(f"load before: {loadavg():.2f}")
    t = time.perf_counter()
    s = settlement_services.generate(a, ctx["org"], COUNTY, MONTH)
    first = time.perf_counter() - t
    t = time.perf_counter()
    s2 = settlement_services.generate(a, ctx["org"], COUNTY, MONTH)
    again = time.perf_counter() - t
    t = time.perf_counter()
    base = selectors.sql_totals(ctx["org"].pk, COUNTY, MONTH)
    sql = time.perf_counter() - t
    assert base["n"] == s.order_count == s2.order_count == args.settled, (base, s.order_count)
    assert base["gross"] == s.gross == s2.gross and s.net == s2.net, (base, s.gross, s2.gross)
    print(f"settlement of {s.order_count:,} orders: gross {s.gross}, deductions {s.deduction}, net {s.net}")
    print(f"  generate     {first:6.2f} s   (target < 10 s)")
    print(f"  regenerate   {again:6.2f} s   (target < 5 s)")
    print(f"  SQL aggregate {sql:5.2f} s   ratio generate/SQL {first / sql:.0f}×, regenerate/SQL {again / sql:.0f}×")
    rng = random.Random(7)
    times = []
    for _ in range(300):
        w = rng.choice(ctx["workers"])
        day = date(2024, 1, 1).fromordinal(date(2024, 1, 1).toordinal() + rng.randrange(730))
        t = time.perf_counter()
        rows = selectors.worker_day(w, day)
        times.append((time.perf_counter() - t) * 1000)
        assert all(r["status"] for r in rows)
    times.sort()
    print(f"care worker's today list over {args.orders:,} orders: p50 {times[149]:.1f} ms, "
          f"p95 {times[284]:.1f} ms (target < 50 ms), max {times[-1]:.1f} ms")
    print(f"load after: {loadavg():.2f}")


def main(argv=None):
    args = parse_args(argv)
    name = _name(args.database_url)
    with _admin(args.database_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    os.environ.setdefault("JIAYUAN_VAR_DIR", "/tmp/jiayuan_bench_eldercare_var")
    import django

    django.setup()
    ctx = setup(args)
    measure(ctx, args)
    if args.drop:
        from django.db import connections
        connections.close_all()
        with _admin(args.database_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
