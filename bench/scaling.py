#!/usr/bin/env python
"""Measurements of the scaling plan (docs/scaling.md, issue 17 "Past one machine").

Three commands, each on a PostgreSQL database prepared by ``bench/loadtest/prepare.py``
(persons through ``bulk_register``, the demo data, the load-test accounts):

``sizes``       rows (exact ``count(*)``) and disk (``pg_total_relation_size``: heap, TOAST
                and indexes) of every table, with the number of persons; JSON to stdout.
``fit``         a per-person linear fit of two or more ``sizes`` files (rows = a + b·persons,
                bytes likewise) and the extrapolation to ``--target`` persons.
``partitions``  which of the platform's queries touch one county and which cross
                counties: builds the schema ``bycounty`` in the database — a copy of every
                table that has a division column, declaratively partitioned by RANGE of that
                column with one partition per county of 张掖市 (``[6207xx, 6207xx~)``) and a
                DEFAULT partition for rows above county level (city-wide rows) — fills it
                from the real tables, then drives the real pages and API (Django's test
                client, as a grid member, a community worker, a street officer, a county
                officer, the city and an auditor, see ``SCENARIO``), captures every SQL
                statement each request runs (``CaptureQueriesContext``), and EXPLAINs it
                with ``search_path = bycounty, public`` (SELECTs with ANALYZE, inside a
                rolled-back transaction; writes without), counting the partitions each plan
                touches (scanned, and executed at least once). Each statement is explained
                twice: as the code emits it, and with every scope filter
                ``col::text LIKE '6207xx…%'`` rewritten to the range
                ``col >= '6207xx…' AND col < '6207xx…~'`` (what partition pruning and a
                Citus router need; LIKE prunes nothing).

    .venv/bin/python bench/scaling.py sizes --database-url URL > var/scaling/sizes-1000000.json
    .venv/bin/python bench/scaling.py fit var/scaling/sizes-*.json --target 25000000
    .venv/bin/python bench/scaling.py partitions --database-url URL --json var/scaling/partitions.json

The database's name must contain "bench" (``partitions`` adds a schema and writes through
the services: grid events, service requests, an import of 20 rows).
"""

import argparse
import json
import os
import re
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "loadtest"))

# the column a table is partitioned by, in this order of preference (db column names)
KEY_COLUMNS = ["region_code", "county_code", "community_code", "grid_code", "unit_code", "township_code",
               "region_id", "jurisdiction_code"]
# division columns that say who may act, not where the row lives: not partitioned by them
NOT_PLACE = {("accounts_user", "scope_code"), ("regions_region", "parent_code")}
# catalogs and settings that carry a division (whose it is) but are small, read by every
# county and partly set above county level: reference tables, not partitioned
REFERENCE = {"cases_department", "assistance_programparameter", "servicecenter_accesslistitem",
             "servicecenter_sealscopeitem", "open311_open311client", "eldercare_entitlementstandard",
             "facilities_fundstandard"}
SCHEMA = "bycounty"
LIKE_SCOPE = re.compile(r"""((?:"?\w+"?\.)?"\w+")(?:::text)? LIKE '(6\d{3,14})%'""")


def guard(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing database {name!r}: its name must contain 'bench'")
    return name


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()


# ----------------------------------------------------------------------------- sizes

def sizes(url: str) -> dict:
    setup(url)
    from django.db import connection

    out = {"database": guard(url), "tables": {}}
    with connection.cursor() as cur:
        cur.execute("SELECT relname, pg_total_relation_size(relid) FROM pg_stat_user_tables "
                    "WHERE schemaname = 'public' ORDER BY relname")
        for name, size in cur.fetchall():
            cur.execute(f'SELECT count(*) FROM "{name}"')
            out["tables"][name] = {"rows": cur.fetchone()[0], "bytes": size}
        cur.execute("SELECT pg_database_size(current_database())")
        out["database_bytes"] = cur.fetchone()[0]
    out["persons"] = out["tables"]["people_person"]["rows"]
    return out


def fit(files: list[Path], target: int, top: int) -> None:
    runs = sorted((json.loads(f.read_text()) for f in files), key=lambda r: r["persons"])
    xs = [r["persons"] for r in runs]
    n = len(xs)
    mx = sum(xs) / n

    def line(ys):
        my = sum(ys) / n
        b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
        return my - b * mx, b

    rows = []
    for t in [t for t in runs[-1]["tables"] if all(t in r["tables"] for r in runs)]:
        r_a, r_b = line([r["tables"][t]["rows"] for r in runs])
        s_a, s_b = line([r["tables"][t]["bytes"] for r in runs])
        rows.append((t, r_a, r_b, s_a, s_b))
    db_a, db_b = line([r["database_bytes"] for r in runs])
    print(f"persons measured: {', '.join(f'{x:,}' for x in xs)}; extrapolated to {target:,}")
    print(f"{'table':<36} {'rows/person':>11} {'bytes/person':>12} {'rows @target':>14} {'GB @target':>10}")
    for t, r_a, r_b, s_a, s_b in sorted(rows, key=lambda r: -(r[3] + r[4] * target))[:top]:
        print(f"{t:<36} {r_b:>11.4f} {s_b:>12.1f} {r_a + r_b * target:>14,.0f} {(s_a + s_b * target) / 1e9:>10.2f}")
    print(f"{'database':<36} {'':>11} {db_b:>12.1f} {'':>14} {(db_a + db_b * target) / 1e9:>10.2f}")


# ----------------------------------------------------------------------------- partitions

def partition_keys(cur) -> dict[str, str]:
    """{table: column} of the tables that have a division column (a foreign key to
    regions_region, or audit_auditentry.region_code), by KEY_COLUMNS preference."""
    cur.execute("""SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
                   WHERE c.contype = 'f' AND c.confrelid = 'regions_region'::regclass""")
    cols = defaultdict(set)
    for table, col in cur.fetchall():
        if (table, col) not in NOT_PLACE and "_also_" not in table and table not in REFERENCE:
            cols[table].add(col)
    cols["audit_auditentry"].add("region_code")
    return {t: next(k for k in KEY_COLUMNS if k in c) for t, c in sorted(cols.items()) if any(k in c for k in KEY_COLUMNS)}


def build_schema(cur, keys: dict[str, str]) -> dict:
    """The partitioned copy; returns {table: {"key", "partitions", "rows_above_county",
    "unique_without_key": [index definitions]}}."""
    cur.execute("SELECT code FROM regions_region WHERE level = 'county' ORDER BY code")
    counties = [r[0] for r in cur.fetchall()]
    cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    cur.execute(f"CREATE SCHEMA {SCHEMA}")
    info = {}
    for table, key in keys.items():
        cur.execute(f'CREATE TABLE {SCHEMA}."{table}" (LIKE public."{table}" INCLUDING DEFAULTS) '
                    f'PARTITION BY RANGE ("{key}")')
        for c in counties:
            cur.execute(f'CREATE TABLE {SCHEMA}."{table}__{c}" PARTITION OF {SCHEMA}."{table}" '
                        f"FOR VALUES FROM ('{c}') TO ('{c}~')")
        cur.execute(f'CREATE TABLE {SCHEMA}."{table}__other" PARTITION OF {SCHEMA}."{table}" DEFAULT')
        cur.execute(f'INSERT INTO {SCHEMA}."{table}" SELECT * FROM public."{table}"')
        # the indexes of the real table, on the partitioned one (unique ones must contain
        # the partition key: those that do not are listed, and made plain here)
        cur.execute("SELECT indexdef, indisunique, array_agg(a.attname) FROM pg_indexes i "
                    "JOIN pg_class ic ON ic.relname = i.indexname JOIN pg_index x ON x.indexrelid = ic.oid "
                    "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey) "
                    "WHERE i.schemaname = 'public' AND i.tablename = %s GROUP BY indexdef, indisunique", [table])
        unique_without = []
        for n, (indexdef, unique, columns) in enumerate(cur.fetchall()):
            d = indexdef.replace(f"ON public.{table}", f'ON {SCHEMA}."{table}"').replace(
                f'ON public."{table}"', f'ON {SCHEMA}."{table}"')
            d = re.sub(r"INDEX \S+ ON", f"INDEX {table[:40]}_p{n} ON", d)
            if unique and key not in (columns or []):
                unique_without.append(indexdef)
                d = d.replace("CREATE UNIQUE INDEX", "CREATE INDEX")
            cur.execute(d)
        cur.execute(f'ANALYZE {SCHEMA}."{table}"')
        cur.execute(f'SELECT count(*) FILTER (WHERE length("{key}") < 6), count(*) FROM public."{table}"')
        above, total = cur.fetchone()
        info[table] = {"key": key, "partitions": len(counties) + 1, "rows": total, "rows_above_county": above,
                       "unique_without_key": unique_without}
    return info


def scenario_users():
    from jiayuan.accounts.models import User

    pick = {"grid_member": "lt_grid_000", "community_worker": "lt_comm_000", "township_officer": "lt_town_000",
            "department_staff": "chengguan", "county_officer": "lt_county_000", "city_admin": "lt_city_000",
            "auditor": "lt_audit_000"}
    return {role: User.objects.get(username=name) for role, name in pick.items()}


def run_scenario(password: str, tmp: Path) -> list[tuple[str, str, list[str]]]:
    """[(role, request kind, [SQL])]: the requests of a working day (as the load test's
    roles make them) through Django's test client, with the SQL each ran."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import run as loadtest_run  # bench/loadtest/run.py

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}
    settings.ALLOWED_HOSTS = ["*"]
    settings.MEDIA_ROOT = str(tmp / "media")
    users = scenario_users()
    out = []
    clients = {}

    def client(role):
        if role not in clients:
            page = Client(HTTP_HOST="127.0.0.1")
            page.force_login(users[role])
            api = Client(HTTP_HOST="127.0.0.1")
            tok = api.post("/api/v1/auth/token", {"username": users[role].username, "password": password},
                           content_type="application/json").json()["token"]
            clients[role] = (page, Client(HTTP_HOST="127.0.0.1", headers={"Authorization": f"Bearer {tok}"}))
        return clients[role]

    def req(role, kind, method, path, api=True, **kw):
        c = client(role)[1 if api else 0]
        with CaptureQueriesContext(connection) as ctx:
            r = getattr(c, method)(path, **kw)
            if getattr(r, "streaming", False):
                b"".join(r.streaming_content)
        if r.status_code >= 400:
            print(f"  ! {role} {kind}: {r.status_code} {r.content[:200]!r}", file=sys.stderr)
        out.append((role, kind, [q["sql"] for q in ctx.captured_queries]))
        try:
            return r.json()
        except (ValueError, AttributeError):
            return None

    gm, cw, to, ds, co, ci, au = ("grid_member", "community_worker", "township_officer", "department_staff",
                                  "county_officer", "city_admin", "auditor")
    grid, community = users[gm].scope_id, users[cw].scope_id
    page = req(gm, "api persons search (name)", "get", "/api/v1/persons", data={"q": "张"})
    person = page["results"][0]
    req(gm, "api persons search (pinyin initials)", "get", "/api/v1/persons", data={"q": "zjg"})
    req(co, "api persons search (ID tail 4)", "get", "/api/v1/persons", data={"q": "1234"})
    req(gm, "page person", "get", f"/persons/{person['id']}/", api=False)
    if person.get("household"):
        req(gm, "page household", "get", f"/households/{person['household']}/", api=False)
    req(cw, "page persons search", "get", "/persons/", api=False, data={"q": "王"})
    req(gm, "page home (to-do)", "get", "/", api=False)
    loadtest_run.photo(tmp / "photo.jpg")
    with open(tmp / "photo.jpg", "rb") as f:
        att = req(gm, "api attachment upload", "post", "/api/v1/attachments", data={"file": f})
    case = req(gm, "api case create (grid_event)", "post", "/api/v1/cases", content_type="application/json", data={
        "type": "grid_event", "category": "sanitation.garbage", "region": grid, "description": "分区分析：垃圾堆放",
        "address": "分区分析", "attachments": [att["id"]]})
    number = case["number"]
    req(gm, "api cases queue (mine)", "get", "/api/v1/cases", data={"mine": "true"})
    req(to, "api cases queue (mine)", "get", "/api/v1/cases", data={"mine": "true"})
    d = req(to, "api case detail", "get", f"/api/v1/cases/{number}")
    d = req(to, "api case transition (accept)", "post", f"/api/v1/cases/{number}/transitions",
            content_type="application/json", data={"action": "accept", "version": d["version"]})
    depts = req(to, "api departments (for dispatch)", "get", "/api/v1/departments", data={"case": number})
    d = req(to, "api case transition (dispatch)", "post", f"/api/v1/cases/{number}/transitions",
            content_type="application/json", data={"action": "dispatch", "version": d["version"],
                                                   "fields": {"department": depts[0]["code"]}})
    req(to, "page cases queue", "get", "/cases/", api=False)
    items = req(cw, "api service items", "get", "/api/v1/service-items")
    item = next(i for i in items if i["materials"])
    near = req(cw, "api persons search (name)", "get", "/api/v1/persons", data={"q": "李"})
    req(cw, "api case create (service_request)", "post", "/api/v1/cases", content_type="application/json", data={
        "type": "service_request", "item": item["code"], "person": near["results"][0]["id"],
        "materials": item["materials"], "description": "分区分析：窗口受理"})
    req(cw, "export community roster (xlsx)", "get", "/api/v1/persons/export",
        data={"format": "xlsx", "region": community})
    roster = loadtest_run.rosters(tmp, [community], 1, 20, "9" + str(os.getpid()))[0]
    with open(roster["path"], "rb") as f:
        job = req(cw, "api import upload (roster, 20 rows)", "post", "/api/v1/imports",
                  data={"file": f, "region": community})
    req(cw, "api import status", "get", f"/api/v1/imports/{job['id']}")
    batches = req(co, "api batches list", "get", "/api/v1/assistance/batches")
    if batches and batches["results"]:
        b = batches["results"][0]["id"]
        req(co, "api batch detail", "get", f"/api/v1/assistance/batches/{b}")
        req(co, "api batch lines", "get", f"/api/v1/assistance/batches/{b}/lines")
    panels = req(co, "api dashboards list", "get", "/api/v1/dashboards")
    for p in panels["panels"][:3]:
        req(co, f"api dashboard panel ({p}, county)", "get", f"/api/v1/dashboards/{p}")
        req(ci, f"api dashboard panel ({p}, city)", "get", f"/api/v1/dashboards/{p}")
    req(co, "page dashboards", "get", "/stats/dashboards/", api=False)
    req(co, "page indicators", "get", "/stats/indicators/", api=False)
    req(co, "export township roster (csv)", "get", "/api/v1/persons/export",
        data={"format": "csv", "region": "620702001"})
    req(ci, "page city report", "get", "/stats/report/", api=False)
    req(ci, "api case counts", "get", "/api/v1/case-counts")
    req(au, "page audit log", "get", "/audit/", api=False)
    req(ds, "api cases queue (mine)", "get", "/api/v1/cases", data={"mine": "true"})
    return out


def range_scope(sql: str) -> str:
    """Every ``col::text LIKE '6207…%'`` as ``(col >= '6207…' AND col < '6207…~')``."""
    return LIKE_SCOPE.sub(lambda m: f"({m.group(1)} >= '{m.group(2)}' AND {m.group(1)} < '{m.group(2)}~')", sql)


def touched(cur, sql: str, parts: dict[str, str]) -> dict[str, tuple[int, int]] | None:
    """{partitioned table: (partitions in the plan, partitions executed)} for ``sql`` in
    the partitioned schema; None for a statement that is not explained."""
    head = sql.lstrip().split(None, 1)[0].upper()
    if head not in ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH"):
        return None
    analyze = head in ("SELECT", "WITH") and " FOR UPDATE" not in sql.upper()
    cur.execute("SAVEPOINT scaling_explain")
    try:
        cur.execute(f"SET LOCAL search_path = {SCHEMA}, public")
        cur.execute(("EXPLAIN (ANALYZE, FORMAT JSON) " if analyze else "EXPLAIN (FORMAT JSON) ") + sql)
        plan = cur.fetchone()[0]
    except Exception as exc:  # a statement that needs its transaction's state
        cur.execute("ROLLBACK TO SAVEPOINT scaling_explain")
        return {"error": str(exc).splitlines()[0]}
    cur.execute("ROLLBACK TO SAVEPOINT scaling_explain")
    seen, ran = defaultdict(set), defaultdict(set)

    def walk(node):
        rel = node.get("Relation Name", "")
        if rel in parts:
            seen[parts[rel]].add(rel)
            if not analyze or node.get("Actual Loops", 0) > 0:
                ran[parts[rel]].add(rel)
        for child in node.get("Plans", []):
            walk(child)

    if head == "INSERT":
        m = re.match(r'\s*INSERT INTO "(\w+)"', sql)
        if m and any(p == m.group(1) for p in parts.values()):
            return {m.group(1): (1, 1)}  # tuple routing: the row's own partition
    walk(plan[0]["Plan"])
    return {t: (len(seen[t]), len(ran[t])) for t in seen}


def classify(result: dict | None, total: dict[str, int]) -> str:
    if result is None:
        return "-"
    if "error" in result:
        return "error"
    if not result:
        return "no partitioned table"
    worst = max(n for _s, n in result.values())
    return "one county" if worst <= 1 else ("all counties" if any(
        n >= total[t] for t, (_s, n) in result.items()) else f"{worst} partitions")


def partitions(url: str, out_json: Path | None) -> None:
    import tempfile

    from prepare import LOADTEST_PASSWORD

    guard(url)
    setup(url)
    from django.db import connection, transaction

    with connection.cursor() as cur:
        keys = partition_keys(cur)
    with transaction.atomic(), connection.cursor() as cur:
        info = build_schema(cur, keys)
    print(f"schema {SCHEMA}: {len(info)} tables partitioned by county ({next(iter(info.values()))['partitions']} "
          "partitions each, DEFAULT for rows above county level)", flush=True)
    parts = {f"{t}__{p}": t for t in info for p in [*_counties(), "other"]}
    total = {t: i["partitions"] for t, i in info.items()}
    with tempfile.TemporaryDirectory() as tmp:
        captured = run_scenario(LOADTEST_PASSWORD, Path(tmp))
    rows = []
    with transaction.atomic(), connection.cursor() as cur:
        for role, kind, sqls in captured:
            per = {"as is": defaultdict(int), "range scope": defaultdict(int)}
            statements = []
            for sql in sqls:
                a = touched(cur, sql, parts)
                b = touched(cur, range_scope(sql), parts) if LIKE_SCOPE.search(sql) else a
                ca, cb = classify(a, total), classify(b, total)
                if ca == "-":
                    continue
                per["as is"][ca] += 1
                per["range scope"][cb] += 1
                statements.append({"sql": sql[:2000], "as_is": a, "range_scope": b, "class_as_is": ca,
                                   "class_range_scope": cb})
            rows.append({"role": role, "kind": kind, "statements": len(statements),
                         "as_is": dict(per["as is"]), "range_scope": dict(per["range scope"]),
                         "detail": statements})
        transaction.set_rollback(True)
    _print(rows, info)
    if out_json:
        out_json.parent.mkdir(parents=True, exist_ok=True)
        out_json.write_text(json.dumps({"tables": info, "requests": rows}, ensure_ascii=False, indent=1, default=str))


def _counties():
    from jiayuan.regions.models import Region

    return list(Region.objects.filter(level="county").order_by("code").values_list("code", flat=True))


def _verdict(counts: dict) -> str:
    if counts.get("all counties") or any(k.endswith("partitions") for k in counts):
        return "cross-county"
    if counts.get("one county"):
        return "one county"
    return "reference only"


def _print(rows: list[dict], info: dict) -> None:
    print(f"\n{'role':<17} {'request kind':<44} {'stmts':>5}  {'as emitted today':<16} {'scope as range':<16}")
    for r in rows:
        print(f"{r['role']:<17} {r['kind'][:44]:<44} {r['statements']:>5}  {_verdict(r['as_is']):<16} "
              f"{_verdict(r['range_scope']):<16}")
    print("\nstatements that still touch every county with the scope as a range (first 20):")
    seen = set()
    for r in rows:
        for s in r["detail"]:
            if s["class_range_scope"] in ("all counties",) or s["class_range_scope"].endswith("partitions"):
                tables = tuple(sorted(t for t, (_p, n) in (s["range_scope"] or {}).items() if n > 1))
                key = (r["kind"], tables)
                if key in seen or len(seen) >= 20:
                    continue
                seen.add(key)
                print(f"  {r['kind']}: {', '.join(tables)}: {s['sql'][:220]}")
    print("\nunique constraints without the partition key (Citus needs the distribution column in each):")
    for t, i in info.items():
        for d in i["unique_without_key"]:
            print(f"  {t} ({i['key']}): {d}")
    print("\ntables with rows above county level (city-wide rows; DEFAULT partition):")
    for t, i in info.items():
        if i["rows_above_county"]:
            print(f"  {t}: {i['rows_above_county']:,} of {i['rows']:,}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sizes")
    s.add_argument("--database-url", required=True)
    f = sub.add_parser("fit")
    f.add_argument("files", nargs="+", type=Path)
    f.add_argument("--target", type=int, default=25_000_000)
    f.add_argument("--top", type=int, default=25)
    q = sub.add_parser("partitions")
    q.add_argument("--database-url", required=True)
    q.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "sizes":
        guard(args.database_url)
        print(json.dumps(sizes(args.database_url), indent=1))
    elif args.cmd == "fit":
        fit(args.files, args.target, args.top)
    else:
        partitions(args.database_url, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
