#!/usr/bin/env python
"""Case-engine benchmark on PostgreSQL (issue 4, "Performance").

What it does, in one run:

1. (Re)creates a dedicated database (default ``jiayuan_bench_cases`` on 127.0.0.1),
   migrates (which stores the case types and loads the event categories and the service
   catalog), loads Zhangye's real divisions (prefix 6207) and adds grids (4 per urban
   community, 2 per village, 1 per virtual unit), one grid member per grid, a
   community worker per community, an officer per street and county, and departments
   (5 county bureaus per county and a 城管中队 per street, one staff member each).
2. Generates N cases (default 1,000,000) across the city through a **fast path that
   keeps every invariant of the engine** but skips its per-row Python and audit:
   cases are spread over the grids with county shares like the population's (甘州区 about
   half), 85 % grid events and 15 % service requests, created over the last two years;
   each case gets a final state drawn from a realistic mix (2.5 % still open, the open
   ones from the last three weeks) and the **timeline of the path that leads there** (open → accept
   → dispatch → handle → verify → close …, one ``CaseEvent`` per step with its actor,
   department and times), ``version`` = steps + 1, the department task of every
   dispatch (pending / done / cancelled as the path says), the category's (or service
   item's) time limits in ``limits``, ``queue``/``is_open``/``due_at``/``due_soon_at``
   computed by the engine's own ``_enter_state`` rules (``rules.compute_due`` on the
   official working-day calendar) from the time the case entered its state, and
   numbers ``<12-digit region>-<YYYYMMDD>-<seq>`` sequenced per region and Beijing day
   in creation order, with the ``Counter`` rows set to the last sequence used so that
   real cases opened afterwards continue the series. Rows go in by ``COPY`` (cases,
   events, tasks, counters), then ``VACUUM ANALYZE``. What the fast path does *not*
   write: audit entries for the generated history (real writes below do write them).
3. Measures, with samples drawn (seeded) from the data, after a warm-up, in ms:
   - baseline: ``Case.objects.get(pk=…)``;
   - "my queue" of a grid member and of department staff, and the dispatcher board of
     a street (tab 待立案 and tab 待派遣), each **through the page's view function**
     (``cases.views.queue`` / ``cases.views.board`` called with a RequestFactory request,
     the user loaded as the session middleware would, template rendered: the server
     time of the first page), and the selector part alone (ids of the first page of 50
     by index scan and sort with the total as ``COUNT(*) OVER ()``, then those 50 rows
     fetched with their joins — what ``cases.views.page_of_cases`` does);
   prints p50/p95/p99 and ratio = p95 / pk-fetch p95.
4. Transitions: first the statements one transition sends (counted on a few of each
   kind, the page's fetch of the case included); then several processes take real
   transitions through ``cases.services.transition`` (立案, 派遣, 核查, 结案 on 甘州区's open
   events, each as the role that may take it, each with its audit entry) for a fixed
   time; prints successful transitions per second (over the timed loop), conflicts,
   latency p50/p95, and CPU per transition of the Python processes and of their
   PostgreSQL backends (read from /proc: the server must run on this machine).
   Transitions use up the open cases: ``--snapshot`` keeps a copy of the loaded
   database and starts every run from it, so that runs compare.

Run::

    .venv/bin/python bench/cases.py                     # 1,000,000 cases (~15 min in all)
    .venv/bin/python bench/cases.py --cases 50000       # quick check
    .venv/bin/python bench/cases.py --reuse             # measure again on the loaded DB
    .venv/bin/python bench/cases.py --reuse --drop      # … and drop the database afterwards
    .venv/bin/python bench/cases.py --reuse --workers 2 # one transition run with 2 processes
    .venv/bin/python bench/cases.py --reuse --snapshot  # every run from the same copy of the data

The database in ``--database-url`` is dropped and created again unless ``--reuse``; its
name must contain "bench" (a guard against pointing it at real data).
"""

import argparse
import json
import os
import platform
import random
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_cases"
COUNTY_SHARE = {"620702": 0.46, "620721": 0.03, "620722": 0.16, "620723": 0.11, "620724": 0.12, "620725": 0.12}
GRIDS_PER_UNIT = {"community": 4, "village": 2, "virtual": 1}
UNIT_WEIGHT = {"community": 2.0, "village": 1.0, "virtual": 0.3}
COUNTY_BUREAUS = [("cgj", "城市管理局"), ("mzj", "民政局"), ("zjj", "住房和城乡建设局"), ("hbj", "生态环境分局"),
                  ("rsj", "人力资源和社会保障局")]
DAYS = 730
GRID_EVENT_SHARE = 0.85

# Final states and the share of cases that end there (by type), with the path of
# actions that leads there. 2.5 % of the cases are still open (25,000 of a million:
# about 18 days of the whole city's intake, a heavy backlog).
GRID_PATHS = {
    # state: (share, [actions after "open"])
    "reported": (0.004, []),
    "returned": (0.001, ["return"]),
    "accepted": (0.003, ["accept"]),
    "dispatched": (0.010, ["accept", "dispatch"]),
    "handled": (0.003, ["accept", "dispatch", "handle"]),
    "verified": (0.002, ["accept", "dispatch", "handle", "verify"]),
    "parked": (0.002, ["accept", "park"]),
    "closed": (0.540, ["accept", "dispatch", "handle", "verify", "close"]),
    "evaluated": (0.315, ["accept", "dispatch", "handle", "verify", "close", "evaluate"]),
    "voided": (0.040, ["void"]),
    "closed_on_spot": (0.080, ["resolve_on_spot"]),
}
SERVICE_PATHS = {
    "awaiting_materials": (0.005, ["request_materials"]),
    "accepted": (0.005, ["accept"]),
    "processing": (0.015, ["accept", "route"]),
    "completed": (0.610, ["accept", "route", "complete_part"]),
    "completed_in_community": (0.300, ["accept", "complete_in_community"]),
    "rejected": (0.050, ["accept", "reject"]),
    "withdrawn": (0.015, ["accept", "withdraw"]),
}
OPEN_WINDOW_DAYS = 21  # open cases were created in the last three weeks
PAGE = 50  # the pages' page size (jiayuan.web.shortcuts.PAGE_SIZE)


# ----------------------------------------------------------------------------- set-up

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=1_000_000, help="cases to generate (default 1,000,000)")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--seed", type=int, default=20261129)
    p.add_argument("--samples", type=int, default=300, help="measured samples per page (default 300)")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--workers", default="1,2,4",
                   help="processes taking transitions, one run per comma-separated value (default 1,2,4)")
    p.add_argument("--seconds", type=float, default=20.0, help="how long the transition run lasts (default 20 s)")
    p.add_argument("--reuse", action="store_true", help="keep the loaded database, only measure")
    p.add_argument("--skip-pages", action="store_true", help="measure only the transitions")
    p.add_argument("--drop", action="store_true", help="drop the database at the end")
    p.add_argument("--snapshot", action="store_true",
                   help="keep a copy <database>_snapshot of the loaded (and migrated) database, made once, and "
                        "start the pages and every transition run from it (transitions use up the open cases)")
    p.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    return p.parse_args(argv)


def _admin_conn(url: str):
    import psycopg

    u = urlparse(url)
    return psycopg.connect(host=u.hostname or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                           password=u.password, dbname="postgres", autocommit=True)


def _db_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to touch database {name!r}: its name must contain 'bench'")
    return name


def recreate_database(url: str) -> None:
    name = _db_name(url)
    with _admin_conn(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def _snapshot_name(url: str) -> str:
    return f"{_db_name(url)}_snapshot"


def snapshot_exists(url: str) -> bool:
    with _admin_conn(url) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_snapshot_name(url)]).fetchone() is not None


def make_snapshot(url: str) -> float:
    """Copy the database to <name>_snapshot (CREATE DATABASE … TEMPLATE); seconds taken."""
    from django.db import connections

    connections.close_all()
    t = time.perf_counter()
    with _admin_conn(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_snapshot_name(url)}"')
        admin.execute(f'CREATE DATABASE "{_snapshot_name(url)}" TEMPLATE "{_db_name(url)}"')
    return time.perf_counter() - t


def restore_snapshot(url: str) -> float:
    """Recreate the database from <name>_snapshot; seconds taken."""
    from django.db import connections

    connections.close_all()
    t = time.perf_counter()
    with _admin_conn(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{_db_name(url)}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{_db_name(url)}" TEMPLATE "{_snapshot_name(url)}"')
    return time.perf_counter() - t


def drop_database(url: str) -> None:
    name = _db_name(url)
    with _admin_conn(url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'DROP DATABASE IF EXISTS "{_snapshot_name(url)}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    os.environ.setdefault("JIAYUAN_VAR_DIR", "/tmp/jiayuan_bench_cases_var")
    import django

    django.setup()


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        pg = cur.fetchone()[0].split(" on ")[0]
        cur.execute("SELECT name, setting, unit FROM pg_settings WHERE name IN "
                    "('shared_buffers','work_mem','effective_cache_size','synchronous_commit','max_connections')")
        settings = {n: f"{s}{' ' + u if u else ''}" for n, s, u in cur.fetchall()}
    mem = cpu = ""
    try:
        kb = int(next(line for line in open("/proc/meminfo") if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration, ValueError):
        pass
    return {"cpus": os.cpu_count(), "cpu_model": cpu, "memory": mem, "python": platform.python_version(),
            "postgresql": pg, "pg_settings": settings}


def load_average() -> str:
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


# ----------------------------------------------------------------------------- organisation

def build_organisation(seed: int) -> dict:
    """Grids, users and departments (bulk, no audit: bench scaffolding)."""
    from jiayuan.accounts.models import User
    from jiayuan.cases.models import Department, DepartmentMember
    from jiayuan.regions.models import Region
    from jiayuan.regions.rules import village_kind

    rng = random.Random(seed)
    units = list(Region.objects.filter(level="village", code__startswith="6207").order_by("code"))
    grids = []
    for v in units:
        for i in range(GRIDS_PER_UNIT[village_kind(v.code)]):
            grids.append(Region(code=f"{v.code}{i + 1:03d}", name=f"第{i + 1}网格", level="grid", parent=v))
    Region.objects.bulk_create(grids, batch_size=2000, ignore_conflicts=True)
    townships = list(Region.objects.filter(level="township", code__startswith="6207").order_by("code"))
    counties = list(Region.objects.filter(level="county", code__startswith="6207").order_by("code"))

    users = []
    for g in grids:
        users.append(User(username=f"gm{g.code}", role="grid_member", scope_id=g.code, full_name=f"{g.code}网格员",
                          password="!"))
    for v in units:
        users.append(User(username=f"cw{v.code}", role="community_worker", scope_id=v.code, full_name="社区工作者",
                          password="!"))
    for t in townships:
        users.append(User(username=f"ts{t.code}", role="township_officer", scope_id=t.code, full_name=f"{t.name}调度员",
                          password="!"))
    for c in counties:
        users.append(User(username=f"co{c.code}", role="county_officer", scope_id=c.code, full_name=f"{c.name}干部",
                          password="!"))
    User.objects.bulk_create(users, batch_size=2000)

    depts = []
    for c in counties:
        for code, name in COUNTY_BUREAUS:
            depts.append(Department(code=f"{c.code}-{code}", name=f"{c.name}{name}", region_id=c.code))
    for t in townships:
        depts.append(Department(code=f"{t.code}-cgzd", name=f"{t.name}城管中队", region_id=t.code))
    Department.objects.bulk_create(depts, batch_size=500)
    depts = list(Department.objects.all())
    staff = [User(username=f"dp{d.code}", role="department_staff", scope_id=d.region_id, full_name=f"{d.name}工作人员",
                  password="!") for d in depts]
    User.objects.bulk_create(staff, batch_size=500)
    by_name = {u.username: u.pk for u in User.objects.filter(role="department_staff")}
    DepartmentMember.objects.bulk_create([DepartmentMember(department=d, user_id=by_name[f"dp{d.code}"])
                                          for d in depts], batch_size=500)
    # the service items' responsible departments: the civil-affairs / HR bureaus of each county
    rng.shuffle(depts)
    return {"grids": len(grids), "units": len(units), "users": len(users) + len(staff), "departments": len(depts)}


# ----------------------------------------------------------------------------- cases (fast path)

class DueCache:
    """rules.compute_due for working-day limits depends only on the local day of entry
    and the amount: cache it (hours limits are computed each time)."""

    def __init__(self):
        from django.utils import timezone

        from jiayuan.cases import rules, workdays

        self.rules, self.workdays, self.tz = rules, workdays, timezone.get_current_timezone()
        self.cache = {}

    def due(self, entered: datetime, limit):
        if limit is None:
            return None, None
        if limit.unit == "hours":
            d = self.rules.compute_due(entered, limit, self.tz, self.workdays.is_workday)
            return d.due_at, d.due_soon_at
        key = (entered.astimezone(self.tz).date(), limit.amount)
        hit = self.cache.get(key)
        if hit is None:
            d = self.rules.compute_due(entered, limit, self.tz, self.workdays.is_workday)
            hit = self.cache[key] = (d.due_at, d.due_soon_at)
        return hit


def _pick(rng, table: dict) -> str:
    r = rng.random()
    acc = 0.0
    for state, (share, _path) in table.items():
        acc += share
        if r < acc:
            return state
    return next(reversed(table))


def generate_cases(total: int, seed: int) -> dict:
    """Write ``total`` cases with their timelines, tasks and counters by COPY (see the
    module docstring for what is kept consistent)."""
    from django.db import connection
    from django.utils import timezone

    from jiayuan.accounts.models import User
    from jiayuan.cases import rules
    from jiayuan.cases.models import CaseType, Department
    from jiayuan.cases.services import _state_limit, decl_of
    from jiayuan.grid.models import EventCategory
    from jiayuan.regions.models import Region
    from jiayuan.regions.rules import village_kind
    from jiayuan.servicecenter.models import ServiceItem

    rng = random.Random(seed)
    t0 = time.perf_counter()
    tz = timezone.get_current_timezone()
    now = timezone.now()
    types = {ct.code: ct for ct in CaseType.objects.filter(is_current=True)}
    decls = {code: decl_of(ct) for code, ct in types.items()}
    leaves = [c for c in EventCategory.objects.select_related("parent").filter(active=True) if not c.children.exists()]
    cat_info = [(c.code, c.full_name, c.effective_limits()) for c in leaves]
    items = [(i.code, i.name, i.time_limit_days, i.community_completable) for i in ServiceItem.objects.all()]
    users = {u.username: (u.pk, u.full_name, u.role) for u in User.objects.all()}
    depts_by_region = defaultdict(list)
    for d in Department.objects.all():
        depts_by_region[d.region_id].append((d.pk, d.code, d.name))

    # grids weighted by county share and unit kind
    grids_by_county = defaultdict(list)
    for g in Region.objects.filter(level="grid", code__startswith="6207").only("code"):
        grids_by_county[g.code[:6]].append(g.code)
    grid_codes, weights = [], []
    for county, codes in grids_by_county.items():
        w = [UNIT_WEIGHT[village_kind(c[:12])] * rng.uniform(0.6, 1.4) for c in codes]
        s = sum(w)
        grid_codes += codes
        weights += [COUNTY_SHARE[county] * x / s for x in w]
    regions_drawn = rng.choices(grid_codes, weights=weights, k=total)

    # creation times: closed cases over two years, open ones in the last month
    rows = []
    for i in range(total):
        is_event = rng.random() < GRID_EVENT_SHARE
        table = GRID_PATHS if is_event else SERVICE_PATHS
        final = _pick(rng, table)
        open_ = final in ("reported", "returned", "accepted", "dispatched", "handled", "verified", "parked",
                          "awaiting_materials", "processing")
        back = rng.uniform(0, OPEN_WINDOW_DAYS if open_ else DAYS)
        created = now - timedelta(days=back, seconds=rng.randint(0, 3600))
        rows.append((created, is_event, final, regions_drawn[i]))
    rows.sort(key=lambda r: r[0])

    due_cache = DueCache()
    seq_by_key = {}
    case_buf, event_buf, task_buf = [], [], []
    n_events = n_tasks = 0
    case_cols = ("id", "number", "case_type_id", "type_code", "region_code", "state", "is_open", "queue",
                 "state_entered_at", "due_at", "due_soon_at", "overdue_noted", "escalation_level", "urge_count",
                 "version", "category", "title", "description", "address", "contact_name", "contact_phone_cipher",
                 "limits", "data", "channel", "is_public", "created_by_id", "request_key", "created_at",
                 "updated_at", "closed_at", "department_id")
    event_cols = ("case_id", "seq", "kind", "action", "action_name", "from_state", "to_state", "actor_id",
                  "actor_name", "actor_role", "department_id", "at", "comment", "data", "request_key")
    task_cols = ("case_id", "department_id", "status", "is_lead", "assigned_at", "done_at", "note")

    raw = connection.connection  # psycopg 3 connection under Django's
    cur = raw.cursor()

    def flush():
        nonlocal case_buf, event_buf, task_buf
        with cur.copy(f"COPY cases_case ({', '.join(case_cols)}) FROM STDIN") as cp:
            for r in case_buf:
                cp.write_row(r)
        with cur.copy(f"COPY cases_caseevent ({', '.join(event_cols)}) FROM STDIN") as cp:
            for r in event_buf:
                cp.write_row(r)
        with cur.copy(f"COPY cases_casetask ({', '.join(task_cols)}) FROM STDIN") as cp:
            for r in task_buf:
                cp.write_row(r)
        raw.commit()
        case_buf, event_buf, task_buf = [], [], []

    last_report = time.perf_counter()
    for case_id, (created, is_event, final, grid) in enumerate(rows, start=1):
        type_code = "grid_event" if is_event else "service_request"
        decl = decls[type_code]
        ct = types[type_code]
        community = grid[:12]
        township, county = grid[:9], grid[:6]
        reporter = users[f"gm{grid}"] if is_event else users[f"cw{community}"]
        officer = users[f"ts{township}"]
        local_day = created.astimezone(tz).date()
        key = (community, local_day)
        seq_by_key[key] = seq_by_key.get(key, 0) + 1
        number = rules.format_case_number(community, local_day, seq_by_key[key])
        if is_event:
            cat_code, cat_name, limits = rng.choice(cat_info)
            path = GRID_PATHS[final][1]
            title, data, channel = cat_name, {"category_name": cat_name, "on_spot": final == "closed_on_spot"}, "field"
            description = f"{cat_name}：{grid[-3:]}号网格内发现问题，请处理"
        else:
            cat_code, cat_name, days, _completable = rng.choice(items)
            path = SERVICE_PATHS[final][1]
            limits = {"processing": f"{days}wd"}
            title, data, channel = cat_name, {"item_name": cat_name, "materials": [], "missing_materials": []}, "desk"
            description = ""
        # walk the path: each step an event some hours after the previous one
        state = decl.initial_state
        at = created
        events = [(case_id, 1, "open", "open", "登记", "", state, reporter[0], f"gm{grid}" if is_event else
                   f"cw{community}", reporter[2], None, at, "", "{}", "")]
        dept = None
        task = None
        seq = 1
        for action in path:
            t = decl.transition(action)
            step = timedelta(hours=rng.uniform(0.2, 30))
            if at + step > now:
                step = (now - at) * rng.uniform(0.1, 0.9)
            at = at + step
            actor, dept_id, ev_data = officer, None, "{}"
            username = f"ts{township}"
            if action in ("resolve_on_spot", "resubmit", "withdraw") and is_event:
                actor, username = reporter, f"gm{grid}"
            elif action == "verify":
                actor, username = reporter, f"gm{grid}"
            elif not is_event and action in ("accept", "request_materials", "complete_in_community", "route",
                                             "reject", "withdraw"):
                actor, username = users[f"cw{community}"], f"cw{community}"
            if action in ("dispatch", "route"):
                choices = depts_by_region[county] + depts_by_region[township]
                dept = rng.choice(choices)
                ev_data = json.dumps({"department" if action == "dispatch" else "departments":
                                      {"id": dept[0], "code": dept[1], "name": dept[2]} if action == "dispatch"
                                      else [{"id": dept[0], "code": dept[1], "name": dept[2]}]}, ensure_ascii=False)
                task = [case_id, dept[0], "pending", True, at, None, ""]
            if action in ("handle", "complete_part"):
                actor = users[f"dp{dept[1]}"]
                username = f"dp{dept[1]}"
                dept_id = dept[0]
                task[2], task[5] = "done", at
            if action == "evaluate":
                ev_data = json.dumps({"score": rng.randint(3, 5)})
            seq += 1
            target = t.to
            if action == "complete_part":
                target = "completed"
            events.append((case_id, seq, "transition", action, t.name, state, target, actor[0], username, actor[2],
                           dept_id, at, "已处理" if t.comment == "required" else "", ev_data, ""))
            state = target
        s = decl.state(state)
        is_open = s.status == "open"
        due_at = due_soon = None
        if is_open:
            due_at, due_soon = due_cache.due(at, _state_limit(decl, state, limits))
        if task is not None:
            task_buf.append(tuple(task))
        case_buf.append((
            case_id, number, ct.pk, type_code, grid, state, is_open, s.queue if is_open else "", at, due_at, due_soon,
            False, 0, 0, seq, cat_code, title, description, "", "", b"", json.dumps(limits), json.dumps(
                data, ensure_ascii=False), channel, False, reporter[0], "", created, at,
            None if is_open else at, dept[0] if dept else None))
        event_buf.extend(events)
        n_events += len(events)
        n_tasks += task is not None
        if len(case_buf) >= 20_000:
            flush()
            if time.perf_counter() - last_report > 20:
                last_report = time.perf_counter()
                el = last_report - t0
                print(f"  … {case_id:,} cases in {el:.0f} s ({case_id / el:,.0f}/s)", flush=True)
    flush()
    # counters continue the series; sequences after the explicit ids
    with cur.copy("COPY cases_counter (key, day, last) FROM STDIN") as cp:
        for (region12, day), last in seq_by_key.items():
            cp.write_row((region12, day, last))
    for table in ("cases_case", "cases_caseevent", "cases_casetask", "cases_counter"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    raw.commit()
    secs = time.perf_counter() - t0
    return {"cases": total, "events": n_events, "tasks": n_tasks, "counters": len(seq_by_key), "seconds": secs,
            "cases_per_s": total / secs}


def vacuum_analyze() -> float:
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        for table in ("cases_case", "cases_caseevent", "cases_casetask", "cases_counter", "regions_region",
                      "accounts_user", "cases_department", "cases_departmentmember"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - t


# ----------------------------------------------------------------------------- measuring pages

def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def summary(values: list[float]) -> dict:
    return {"p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99), "max": max(values),
            "n": len(values)}


def _request(path: str, user_pk: int, params: dict | None = None):
    """A request as the middleware would hand it to the view: the user loaded (with
    its scope) the way AuthenticationMiddleware does for a session."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    from jiayuan.accounts.models import User

    req = RequestFactory().get(path, params or {})
    req.user = User.objects.select_related("scope").get(pk=user_pk)
    req.session = {}
    req._messages = FallbackStorage(req)
    return req


def measure_pages(samples: int, warmup: int, seed: int, only_baseline: bool = False) -> dict:
    """p50/p95/p99 of the page views and of their selector part, and the pk baseline."""
    from django.db.models import Count, Window

    from jiayuan.accounts.models import User
    from jiayuan.cases import selectors, views
    from jiayuan.cases.models import Case, CaseTask

    rng = random.Random(seed + 7)
    max_id = Case.objects.order_by("-id").values_list("id", flat=True).first()
    # grid members of grids that have open cases waiting on them (or on them as reporter)
    busy_grids = list(Case.objects.filter(is_open=True, queue__in=["grid_member", "@reporter"])
                      .values_list("region_id", flat=True).distinct())
    gm = list(User.objects.filter(role="grid_member", scope_id__in=busy_grids).values_list("pk", flat=True))
    # department staff, weighted to the busiest departments
    dept_counts = dict(CaseTask.objects.filter(status="pending").values_list("department_id")
                       .annotate(n=Count("id")).values_list("department_id", "n"))
    dp = list(User.objects.filter(role="department_staff", department_membership__department_id__in=list(dept_counts))
              .values_list("pk", "department_membership__department_id"))
    dp_weights = [dept_counts[d] for _pk, d in dp]
    ts = list(User.objects.filter(role="township_officer").values_list("pk", flat=True))
    info = {"grid_members_with_work": len(gm), "departments_with_pending": len(dept_counts),
            "pending_tasks_max": max(dept_counts.values()) if dept_counts else 0,
            "pending_tasks_median": sorted(dept_counts.values())[len(dept_counts) // 2] if dept_counts else 0}

    def pk_fetch():
        Case.objects.get(pk=rng.randint(1, max_id))

    def queue_view(pool, weights=None):
        def run():
            pk = rng.choices(pool, weights=weights)[0] if weights else rng.choice(pool)
            resp = views.queue(_request("/cases/", pk))
            assert resp.status_code == 200
            return resp
        return run

    def queue_selectors(pool, weights=None):
        def run():
            pk = rng.choices(pool, weights=weights)[0] if weights else rng.choice(pool)
            user = User.objects.select_related("scope").get(pk=pk)
            qs = selectors.search_cases(user, selectors.CaseFilters(mine=True))
            rows = list(qs.values_list("id").annotate(total=Window(Count("id")))[:PAGE])
            return selectors.cases_by_ids(user, [r[0] for r in rows])
        return run

    def board_view(state):
        def run():
            resp = views.board(_request("/cases/board/", rng.choice(ts), {"state": state}))
            assert resp.status_code == 200
            return resp
        return run

    def board_selectors(state):
        def run():
            user = User.objects.select_related("scope").get(pk=rng.choice(ts))
            counts = selectors.board_counts(user, "grid_event", ["reported", "accepted", "verified", "parked"])
            qs = selectors.board(user, "grid_event", [state])
            rows = list(qs.values_list("id").annotate(total=Window(Count("id")))[:PAGE])
            return counts, selectors.cases_by_ids(user, [r[0] for r in rows])
        return run

    dp_pool = [pk for pk, _d in dp]
    plan = [
        ("pk fetch (baseline)", pk_fetch),
        ("my queue · grid member · view", queue_view(gm)),
        ("my queue · grid member · selectors", queue_selectors(gm)),
        ("my queue · department · view", queue_view(dp_pool, dp_weights)),
        ("my queue · department · selectors", queue_selectors(dp_pool, dp_weights)),
        ("board · street · 待立案 · view", board_view("reported")),
        ("board · street · 待立案 · selectors", board_selectors("reported")),
        ("board · street · 待派遣 · view", board_view("accepted")),
        ("board · street · 待派遣 · selectors", board_selectors("accepted")),
    ]
    out = {}
    if only_baseline:
        plan = plan[:1]
    for name, fn in plan:
        for _ in range(warmup):
            fn()
        times = []
        for _ in range(samples):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        out[name] = summary(times)
        print(f"  {name:<40} p50 {out[name]['p50']:7.2f}  p95 {out[name]['p95']:7.2f} ms   (load {load_average()})",
              flush=True)
    return {"results": out, "info": info}


# ----------------------------------------------------------------------------- transitions

def _transition_worker(url: str, jobs: list, seconds: float, queue) -> None:
    """One process: take the jobs' transitions through the real service until done or
    out of time; report (successes, conflicts, errors, latencies ms)."""
    setup_django(url)
    from jiayuan.accounts.models import User
    from jiayuan.audit.services import Actor
    from jiayuan.cases import services
    from jiayuan.cases.models import Case
    from jiayuan.errors import Conflict, ServiceError

    from django.db import connection

    users = {}
    ok = conflicts = errors = 0
    lat = []
    first_error = ""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    pg0, py0 = _proc_cpu(backend), time.process_time()
    start = time.perf_counter()
    deadline = start + seconds
    for case_id, action, user_pk, fields in jobs:
        if time.perf_counter() > deadline:
            break
        user = users.get(user_pk)
        if user is None:
            user = users[user_pk] = User.objects.select_related("scope").get(pk=user_pk)
        t = time.perf_counter()
        try:
            case = Case.objects.select_related("case_type").get(pk=case_id)
            services.transition(Actor(user, "page"), case, action, version=case.version, fields=fields,
                                comment="基准测试", request_key=f"bench-{case_id}-{action}")
            ok += 1
        except Conflict:
            conflicts += 1
        except ServiceError as exc:
            errors += 1
            first_error = first_error or f"{exc.code}: {exc.message}"
        lat.append((time.perf_counter() - t) * 1000)
    queue.put((ok, conflicts, errors, lat, first_error, time.process_time() - py0, _proc_cpu(backend) - pg0,
               time.perf_counter() - start))


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process on this machine (the database server's
    backend: the benchmark runs beside PostgreSQL), 0 if unreadable."""
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def transition_jobs(seed: int) -> list[tuple]:
    """(case id, action, user id, fields) for every open grid event of 甘州区 that the
    benchmark can move on: 立案 (reported), 派遣 (accepted, to a county bureau or the
    street's team), 核查 (handled, by the reporting grid member), 结案 (verified), shuffled."""
    from jiayuan.accounts.models import User
    from jiayuan.cases.models import Case, Department

    rng = random.Random(seed + 11)
    county = User.objects.get(username="co620702").pk
    depts = defaultdict(list)
    for pk, region in Department.objects.filter(region__code__startswith="620702").values_list("pk", "region_id"):
        depts[region].append(pk)
    jobs = []
    for state, action in (("reported", "accept"), ("accepted", "dispatch"), ("handled", "verify"),
                          ("verified", "close")):
        for cid, created_by, region in Case.objects.filter(
                type_code="grid_event", state=state, region__code__startswith="620702",
                is_open=True).values_list("id", "created_by_id", "region_id").order_by("id"):
            actor = created_by if action == "verify" else county
            fields = None
            if action == "dispatch":  # a bureau of the county or the street's team
                fields = {"department": rng.choice(depts["620702"] + depts[region[:9]])}
            jobs.append((cid, action, actor, fields))
    rng.shuffle(jobs)
    return jobs


def count_queries(seed: int, per_action: int = 5) -> dict:
    """Statements per transition, counted with CaptureQueriesContext in this process on
    ``per_action`` cases of each kind (the median): the page's fetch of the case plus everything
    ``cases.services.transition`` sends (BEGIN/COMMIT and savepoints included). Takes
    those transitions for real (they are few; --snapshot puts them back)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiayuan.accounts.models import User
    from jiayuan.audit.services import Actor
    from jiayuan.cases import services
    from jiayuan.cases.models import Case

    picked = defaultdict(list)
    for job in transition_jobs(seed + 99):
        if len(picked[job[1]]) < per_action:
            picked[job[1]].append(job)
    seen = defaultdict(list)
    for case_id, action, user_pk, fields in [j for jobs in picked.values() for j in jobs]:
        user = User.objects.select_related("scope").get(pk=user_pk)
        with CaptureQueriesContext(connection) as cq:
            case = Case.objects.select_related("case_type").get(pk=case_id)
            services.transition(Actor(user, "page"), case, action, version=case.version, fields=fields,
                                comment="基准测试", request_key=f"bench-q-{case_id}-{action}")
        seen[action].append(len(cq.captured_queries))
    return {a: sorted(n)[len(n) // 2] for a, n in seen.items()}  # median: the first one also loads the type


def measure_transitions(url: str, workers: int, seconds: float, seed: int) -> dict:
    """Real transitions (:func:`transition_jobs`) spread over ``workers`` processes, for
    ``seconds``. Transitions per second count the successes over the timed loop of the
    slowest process (process start-up excluded)."""
    import multiprocessing

    from django.db import connections

    jobs = transition_jobs(seed)
    parts = [jobs[i::workers] for i in range(workers)]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_transition_worker, args=(url, part, seconds, q)) for part in parts]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    wall = time.perf_counter() - t0
    loop = max(r[7] for r in results)
    ok = sum(r[0] for r in results)
    lat = [x for r in results for x in r[3]]
    done = max(1, len(lat))
    if ok >= len(jobs) - workers:
        print(f"  (ran out of jobs: all {len(jobs):,} taken; rerun on a fresh copy, see --snapshot)", flush=True)
    return {"workers": workers, "jobs_available": len(jobs), "seconds": loop, "wall_with_startup": wall,
            "successes": ok,
            "conflicts": sum(r[1] for r in results), "errors": sum(r[2] for r in results),
            "first_error": next((r[4] for r in results if r[4]), ""),
            "per_second": ok / loop, "latency": summary(lat) if lat else {},
            "python_cpu_ms_per_transition": sum(r[5] for r in results) / done * 1000,
            "postgres_cpu_ms_per_transition": sum(r[6] for r in results) / done * 1000,
            "load_average": load_average()}


# ----------------------------------------------------------------------------- main

def pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _backwards in plan]


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.reuse:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    from jiayuan.cases.models import Case

    u = urlparse(args.database_url)
    report = {"database": f"{u.scheme}://{u.username or ''}@{u.hostname}:{u.port or 5432}{u.path}",
              "seed": args.seed, "load_before": load_average()}
    if not args.reuse or not Case.objects.exists():
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_divisions", prefix="6207", verbosity=0)
        org = build_organisation(args.seed)
        report["organisation"] = org
        print(f"migrated, loaded divisions and organisation in {time.perf_counter() - t:.1f} s: {org}", flush=True)
        print(f"generating {args.cases:,} cases (COPY fast path) …", flush=True)
        gen = generate_cases(args.cases, args.seed)
        report["generate"] = gen
        print(f"generated {gen['cases']:,} cases, {gen['events']:,} timeline lines, {gen['tasks']:,} department "
              f"tasks, {gen['counters']:,} counters in {gen['seconds']:.0f} s ({gen['cases_per_s']:,.0f} cases/s)",
              flush=True)
        report["vacuum_analyze_s"] = vacuum_analyze()
        print(f"VACUUM ANALYZE: {report['vacuum_analyze_s']:.1f} s", flush=True)
    else:
        if args.snapshot and snapshot_exists(args.database_url):
            print(f"restored from {_snapshot_name(args.database_url)} in {restore_snapshot(args.database_url):.0f} s",
                  flush=True)
        pending = pending_migrations()
        if pending:  # a database loaded by an older version: bring its tables up to date
            t = time.perf_counter()
            call_command("migrate", verbosity=0)
            vacuum_analyze()
            print(f"applied {', '.join(pending)} and VACUUM ANALYZE in {time.perf_counter() - t:.1f} s", flush=True)
            if args.snapshot and snapshot_exists(args.database_url):
                print(f"snapshot made again in {make_snapshot(args.database_url):.0f} s", flush=True)
    if args.snapshot and not snapshot_exists(args.database_url):
        print(f"snapshot {_snapshot_name(args.database_url)} made in {make_snapshot(args.database_url):.0f} s",
              flush=True)
    report["machine"] = machine()
    m = report["machine"]
    total = Case.objects.count()
    open_ = Case.objects.filter(is_open=True).count()
    report["cases_total"], report["cases_open"] = total, open_
    print(f"cases: {total:,} in all, {open_:,} open; machine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory']}, "
          f"{m['postgresql']}; {m['pg_settings']}; load average {load_average()}", flush=True)

    if args.skip_pages:
        base = measure_pages(args.samples, args.warmup, args.seed, only_baseline=True)["results"][
            "pk fetch (baseline)"]["p95"]
    else:
        print("pages (ms):", flush=True)
        pages = measure_pages(args.samples, args.warmup, args.seed)
        report["pages"] = pages
        base = pages["results"]["pk fetch (baseline)"]["p95"]
        print(f"\n{'page':<42} {'p50':>8} {'p95':>8} {'p99':>8} {'p95/pk':>8}")
        print("-" * 78)
        for name, r in pages["results"].items():
            print(f"{name:<42} {r['p50']:>8.2f} {r['p95']:>8.2f} {r['p99']:>8.2f} {r['p95'] / base:>8.1f}")
        print(f"({pages['info']})", flush=True)

    report["queries_per_transition"] = count_queries(args.seed)
    print(f"\nstatements per transition (the page's fetch of the case included): "
          f"{report['queries_per_transition']}", flush=True)
    report["transitions"] = []
    for workers in [int(w) for w in str(args.workers).split(",")]:
        if args.snapshot:
            print(f"restored from {_snapshot_name(args.database_url)} in "
                  f"{restore_snapshot(args.database_url):.0f} s", flush=True)
        print(f"\ntransitions: {workers} processes for {args.seconds:.0f} s through cases.services.transition …",
              flush=True)
        tr = measure_transitions(args.database_url, workers, args.seconds, args.seed + workers)
        report["transitions"].append(tr)
        lat = tr["latency"]
        errors = f"{tr['errors']} errors" + (f": {tr['first_error']}" if tr["errors"] else "")
        print(f"{tr['successes']:,} transitions in {tr['seconds']:.1f} s = {tr['per_second']:.0f}/s "
              f"({tr['conflicts']} conflicts, {errors}); latency p50 {lat.get('p50', 0):.1f} ms, "
              f"p95 {lat.get('p95', 0):.1f} ms, p95/pk {lat.get('p95', 0) / base:.0f}; "
              f"CPU per transition: Python {tr['python_cpu_ms_per_transition']:.1f} ms + PostgreSQL "
              f"{tr['postgres_cpu_ms_per_transition']:.1f} ms; load average {tr['load_average']}", flush=True)
    report["load_after"] = load_average()
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    connection.close()
    if args.drop:
        drop_database(args.database_url)
        print(f"dropped {urlparse(args.database_url).path.lstrip('/')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
