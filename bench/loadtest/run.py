#!/usr/bin/env python
"""``make loadtest``: a working day of 200 users for 10 minutes on a 1,000,000-person city.

    .venv/bin/python bench/loadtest/run.py [--users 200] [--duration 10m] [--persons 1000000]

1. Prepares (or reuses) the PostgreSQL database ``jiayuan_bench_load`` with
   ``bench/loadtest/prepare.py`` (1,000,000 persons, the demo data and the load-test
   accounts); refreshes the precomputed dashboards.
2. Writes what the simulated users need (``var/loadtest/``): their accounts, a photo,
   and roster workbooks of 5,000 new persons each (``--roster-rows``) for communities of
   the load-test community workers (ID numbers not yet in the database).
3. Starts the background worker (``jiayuan worker``, imports) and the web server the way
   docs/import.md's production unit does (``jiayuan serve --workers 3``: gunicorn, sync
   workers, ``JIAYUAN_DEBUG`` off, persistent connections) on 127.0.0.1 only.
4. Runs locust headless (``bench/loadtest/locustfile.py``) with ``--users`` users for
   ``--duration``, bounded (locust's ``--run-time`` and a hard timeout), and samples the
   1-minute load average every 10 s.
5. Prints p50/p95/p99 per request kind, errors, throughput, the imports (queued,
   finished, rows created, time) and exports, checks the targets (0 errors, p95 < 500 ms
   for pages and API calls) and writes everything to ``var/loadtest/result.json``.

Not part of ``make test`` (its smoke test, web/tests/test_loadtest_smoke.py, is).
The servers are the production settings except TLS and the second factor: the load runs
over plain HTTP on 127.0.0.1 with ``JIAYUAN_ENV=demo`` (see docs/performance.md).
"""

import argparse
import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import urlopen

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import prepare  # noqa: E402

TARGET_P95_MS = 500
ACCESS_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(D)s'

IMPORT_KIND = "import 5000 rows (queued→finished)"


def parse_duration(text: str) -> int:
    m = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if not m:
        sys.exit(f"bad duration {text!r}: e.g. 10m, 90s, 1h")
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- inputs

def accounts_by_role() -> dict[str, list[dict]]:
    from jiayuan.accounts.models import User

    out: dict[str, list[dict]] = {}
    users = User.objects.filter(is_active=True).filter(username__startswith="lt_") | User.objects.filter(
        role="department_staff", username__in=["chengguan", "zhujian", "minzheng", "paichusuo", "gongdian"])
    for u in users.order_by("username"):
        out.setdefault(u.role, []).append({"username": u.username, "scope": u.scope_id})
    return out


def photo(path: Path) -> None:
    """A 1024×768 JPEG (about what a phone sends after the app's resize)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1024, 768), (150, 160, 170))
    d = ImageDraw.Draw(img)
    for i in range(0, 1024, 32):
        d.rectangle((i, (i * 7) % 700, i + 24, (i * 7) % 700 + 60), fill=((i * 5) % 255, 90, 120))
    img.save(path, format="JPEG", quality=80)


def rosters(out_dir: Path, communities: list[str], n_files: int, rows: int, tag: str) -> list[dict]:
    """``n_files`` roster workbooks of ``rows`` new persons (ID numbers not in the
    database), one per community in turn, household numbers unique to this run."""
    from jiayuan import security
    from jiayuan.demodata import Generator, roster_rows
    from jiayuan.imports.export import stream_xlsx
    from jiayuan.people.models import Person, TagKind
    from jiayuan.regions.models import Region

    id_hash = security.lookup_hasher("id_number")  # a resident ID's hash is of the number alone
    tag_names = dict(TagKind.objects.values_list("code", "name"))
    gen = Generator(int(tag) % 2**31)
    files = []
    for i in range(n_files):
        community = Region.objects.get(code=communities[i % len(communities)])
        grids = list(Region.objects.filter(parent=community, level="grid").order_by("code"))
        households, have = [], 0
        while have < rows:
            batch = gen.village_households(community.code, community.name, [g.code for g in grids], rows - have,
                                           f"{community.name}压力测试{i}号院")
            ids = {id_hash(m.id_number) for h in batch for m in h.members}
            taken = set(Person.objects.filter(id_number_hash__in=ids).values_list("id_number_hash", flat=True))
            for h in batch:
                if have >= rows:
                    break
                if any(id_hash(m.id_number) in taken for m in h.members):
                    continue
                if have + len(h.members) > rows:
                    h.members = h.members[:rows - have]
                    h.members[0].relation_to_head = "02"
                h.number = f"LT{tag[-6:]}{i:02d}{len(households):05d}"
                households.append(h)
                have += len(h.members)
        data = roster_rows(households, {g.code: g.name for g in grids}, tag_names)
        buf = io.BytesIO()
        _w, chunks = stream_xlsx(data, sheet_name="居民花名册", title=f"{community.name}居民花名册（压力测试）")
        for c in chunks:
            buf.write(c)
        path = out_dir / f"roster-{tag}-{i:02d}-{community.code}.xlsx"
        path.write_bytes(buf.getvalue())
        files.append({"path": str(path), "region": community.code, "rows": len(data)})
    return files


def write_inputs(out: Path, n_rosters: int, roster_rows: int, import_every: int) -> Path:
    """The file ``LOADTEST_ACCOUNTS`` names (see locustfile.py) with the photo and the
    roster workbooks beside it, in ``out``; its path. Also used by the smoke test."""
    out.mkdir(parents=True, exist_ok=True)
    tag = time.strftime("%m%d%H%M%S")
    accounts = accounts_by_role()
    files = rosters(out, [a["scope"] for a in accounts["community_worker"]], n_rosters, roster_rows, tag)
    photo(out / "photo.jpg")
    config = {"password": prepare.LOADTEST_PASSWORD, "accounts": accounts, "photo": str(out / "photo.jpg"),
              "rosters": files, "import_every": import_every}
    path = out / "accounts.json"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=1))
    return path


# ----------------------------------------------------------------------------- servers

def start_servers(env: dict, port: int, workers: int, log_dir: Path) -> tuple[subprocess.Popen, subprocess.Popen]:
    jiayuan = str(Path(sys.executable).parent / "jiayuan")
    worker = subprocess.Popen([jiayuan, "worker", "--verbosity", "0"], env=env, cwd=ROOT,
                              stdout=open(log_dir / "worker.log", "w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    web = subprocess.Popen([jiayuan, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)], env=env,
                           cwd=ROOT, stdout=open(log_dir / "access.log", "w"),
                           stderr=open(log_dir / "gunicorn.log", "w"), start_new_session=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                if r.status == 200:
                    return web, worker
        except OSError:
            time.sleep(1)
        if web.poll() is not None:
            break
    stop(web, worker)
    sys.exit(f"gunicorn did not answer on 127.0.0.1:{port}; see {log_dir / 'gunicorn.log'}")


def stop(*procs: subprocess.Popen) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


# ----------------------------------------------------------------------------- results

def read_stats(prefix: Path) -> list[dict]:
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as f:
        for r in csv.DictReader(f):
            def num(k):
                v = r.get(k, "")
                return float(v) if v not in ("", "N/A") else 0.0
            rows.append({"type": r["Type"], "name": r["Name"] or "Aggregated", "requests": int(num("Request Count")),
                         "failures": int(num("Failure Count")), "p50": num("50%"), "p95": num("95%"),
                         "p99": num("99%"), "max": num("Max Response Time"), "rps": num("Requests/s")})
    return rows


def read_failures(prefix: Path) -> list[dict]:
    try:
        with open(f"{prefix}_failures.csv", newline="") as f:
            return [{"method": r["Method"], "name": r["Name"], "error": r["Error"], "occurrences": int(r["Occurrences"])}
                    for r in csv.DictReader(f)]
    except FileNotFoundError:
        return []


def server_times(access_log: Path, since: float) -> list[dict]:
    """p50/p95 of the time inside the gunicorn worker per method and path shape (numbers
    as {n}), from the access log lines after ``since`` (epoch seconds)."""
    from datetime import datetime

    pattern = re.compile(r'\[(.+?)\] "(\w+) (\S+) [^"]*" (\d+) \S+ (\d+)$')
    times = {}
    for line in access_log.read_text(errors="replace").splitlines():
        m = pattern.search(line)
        if not m:
            continue
        if datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S %z").timestamp() < since:
            continue
        shape = re.sub(r"/\d+", "/{n}", re.sub(r"/\d{6,}-\d{8}-\d+", "/{number}", m.group(3).split("?")[0]))
        times.setdefault(f"{m.group(2)} {shape}", []).append(int(m.group(5)) / 1000)
    out = []
    for k, v in sorted(times.items(), key=lambda kv: -len(kv[1])):
        v.sort()
        out.append({"request": k, "n": len(v), "p50": v[len(v) // 2], "p95": v[min(len(v) - 1, int(len(v) * 0.95))],
                    "max": v[-1]})
    return out


def judged(row: dict) -> bool:
    """Kinds the p95 target applies to: pages and API calls (not a whole import job or
    a streamed export, whose target is to progress and finish)."""
    return row["type"] != "JOB" and not row["name"].startswith("export") and row["name"] != "Aggregated"


def imports_since(started) -> list[dict]:
    from jiayuan.imports.models import ImportJob

    out = []
    for j in ImportJob.objects.filter(created_at__gte=started).order_by("id"):
        took = (j.finished_at - j.created_at).total_seconds() if j.finished_at else None
        ran = (j.finished_at - j.started_at).total_seconds() if j.finished_at and j.started_at else None
        out.append({"id": j.pk, "status": j.status, "rows": j.rows, "created": j.created, "errors": j.errors,
                    "queued_to_finished_s": took, "running_s": ran, "progress": [j.progress_done, j.progress_total]})
    return out


def print_report(report: dict) -> None:
    print()
    print(f"{'kind':<46} {'requests':>8} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>8} {'req/s':>6}")
    print("-" * 104)
    for r in sorted(report["stats"], key=lambda r: (r["name"] == "Aggregated", r["type"] == "JOB", r["name"])):
        mark = " *" if judged(r) and r["p95"] >= TARGET_P95_MS else ""
        print(f"{(r['type'] + ' ' + r['name'])[:46]:<46} {r['requests']:>8} {r['failures']:>6} {r['p50']:>7.0f} "
              f"{r['p95']:>7.0f} {r['p99']:>7.0f} {r['max']:>8.0f} {r['rps']:>6.2f}{mark}")
    print("ms; * = p95 over the target of pages and API calls "
          f"({TARGET_P95_MS} ms); JOB = an import from upload to finished (polled every 5 s)")
    agg = next(r for r in report["stats"] if r["name"] == "Aggregated")
    print(f"\nthroughput: {agg['rps']:.1f} requests/s; requests {agg['requests']:,}; errors {agg['failures']:,}")
    for f in report["failures"]:
        print(f"  error ×{f['occurrences']}: {f['method']} {f['name']}: {f['error'][:160]}")
    print(f"imports during the run: {len(report['imports'])}")
    for j in report["imports"]:
        print(f"  job {j['id']}: {j['status']}, rows {j['rows']}, created {j['created']}, errors {j['errors']}, "
              f"queued→finished {j['queued_to_finished_s'] or 0:.0f} s (running {j['running_s'] or 0:.0f} s), "
              f"progress {j['progress'][0]}/{j['progress'][1]}")
    print("\ntime inside the gunicorn worker (access log %(D)s; the rest is the wait for a free worker), ms:")
    print(f"{'request':<58} {'n':>6} {'p50':>7} {'p95':>7} {'max':>8}")
    for r in report["server_times"][:30]:
        print(f"{r['request'][:58]:<58} {r['n']:>6} {r['p50']:>7.0f} {r['p95']:>7.0f} {r['max']:>8.0f}")
    la = report["loadavg_1min"]
    print(f"load average (1 min) over the run: min {min(la):.2f}, mean {sum(la) / len(la):.2f}, max {max(la):.2f} "
          f"on {os.cpu_count()} CPUs")
    t = report["targets"]
    print(f"targets: errors 0 → {'met' if t['zero_errors'] else 'MISSED'}; p95 < {TARGET_P95_MS} ms for pages and "
          f"API → {'met' if t['p95_met'] else 'MISSED (' + ', '.join(t['p95_over']) + ')'}; imports finished → "
          f"{'yes' if t['imports_finished'] else 'NO'}; exports finished → {'yes' if t['exports_finished'] else 'NO'}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--users", type=int, default=int(os.environ.get("USERS", 200)))
    p.add_argument("--duration", default=os.environ.get("DURATION", "10m"), help="e.g. 10m, 90s")
    p.add_argument("--spawn-rate", type=float, default=1.0,
                   help="users started per second; each signs in twice (page, token: Argon2 each), so a fast "
                        "ramp is a burst of password hashing. Statistics are reset once all users run: the "
                        "measured window is --duration after the ramp")
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--database-url", default=os.environ.get("LOADTEST_DATABASE_URL", prepare.DEFAULT_URL))
    p.add_argument("--workers", type=int, default=int(os.environ.get("JIAYUAN_WORKERS", "3")),
                   help="gunicorn workers (docs/import.md's unit: 3)")
    p.add_argument("--roster-rows", type=int, default=5000)
    p.add_argument("--import-every", type=int, default=90, help="seconds between roster uploads (about)")
    p.add_argument("--out", type=Path, default=ROOT / "var" / "loadtest")
    args = p.parse_args(argv)
    seconds = parse_duration(args.duration)

    if prepare.main(["--persons", str(args.persons), "--database-url", args.database_url]) != 0:
        return 1
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    args.out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    call_command("refresh_dashboards", now=True, verbosity=0)
    print(f"dashboards refreshed in {time.perf_counter() - t:.0f} s", flush=True)
    n_rosters = max(1, min(12, seconds // args.import_every))
    t = time.perf_counter()
    config_path = write_inputs(args.out, n_rosters, args.roster_rows, args.import_every)
    print(f"{n_rosters} roster workbooks of {args.roster_rows:,} rows written in {time.perf_counter() - t:.0f} s",
          flush=True)
    connection.close()

    # the access log also says how long each request took inside the worker (%(D)s, µs):
    # the rest of what the client saw is the wait for a free worker
    env = dict(os.environ, DATABASE_URL=args.database_url, JIAYUAN_DEBUG="0",
               GUNICORN_CMD_ARGS=f"--access-logformat '{ACCESS_FORMAT}'",
               LOADTEST_ACCOUNTS=str(config_path))
    env.pop("JIAYUAN_DEMO_PASSWORD", None)
    port = free_port()
    started = timezone.now()
    web, worker = start_servers(env, port, args.workers, args.out)
    samples, done = [os.getloadavg()[0]], threading.Event()

    def sample():
        while not done.wait(10):
            samples.append(os.getloadavg()[0])

    threading.Thread(target=sample, daemon=True).start()
    prefix = args.out / "locust"
    ramp = int(args.users / args.spawn_rate) + 1
    cmd = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host",
           f"http://127.0.0.1:{port}", "-u", str(args.users), "-r", str(args.spawn_rate), "--run-time", f"{seconds + ramp}s", "--reset-stats",
           "--stop-timeout", "30", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
    print(f"locust: {args.users} users (ramp {ramp} s, not measured) for {seconds} s against 127.0.0.1:{port} (gunicorn {args.workers} workers)",
          flush=True)
    t0 = time.perf_counter()
    try:
        subprocess.run(cmd, env=env, cwd=ROOT, timeout=seconds + ramp + 180, stdout=open(args.out / "locust.log", "w"),
                       stderr=subprocess.STDOUT)
    except subprocess.TimeoutExpired:
        print("locust did not stop in time: stopped", flush=True)
    wall = time.perf_counter() - t0
    # imports still queued or running when the users stop: let them finish (bounded)
    django.db.connections.close_all()
    deadline = time.monotonic() + 600
    from jiayuan.imports.models import ImportJob

    while ImportJob.objects.filter(created_at__gte=started, finished_at__isnull=True).exists() \
            and time.monotonic() < deadline:
        time.sleep(5)
    done.set()
    stop(web, worker)

    stats, failures = read_stats(prefix), read_failures(prefix)
    measured_from = t0 + (time.time() - time.perf_counter()) + ramp  # epoch: after the ramp
    jobs = imports_since(started)
    over = [r["name"] for r in stats if judged(r) and r["p95"] >= TARGET_P95_MS]
    exports = [r for r in stats if r["name"].startswith("export")]
    report = {
        "users": args.users, "duration_s": seconds, "wall_s": wall, "gunicorn_workers": args.workers,
        "database": urlparse(args.database_url).path.lstrip("/"), "stats": stats, "failures": failures,
        "imports": jobs, "loadavg_1min": samples, "cpus": os.cpu_count(),
        "server_times": server_times(args.out / "access.log", measured_from),
        "targets": {"zero_errors": sum(r["failures"] for r in stats if r["name"] == "Aggregated") == 0,
                    "p95_met": not over, "p95_over": over,
                    "imports_finished": bool(jobs) and all(j["status"] == "done" for j in jobs),
                    "exports_finished": bool(exports) and all(r["failures"] == 0 for r in exports)},
    }
    (args.out / "result.json").write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    print_report(report)
    print(f"\nraw: {args.out}/locust_stats.csv, result.json, access.log, gunicorn.log, worker.log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
