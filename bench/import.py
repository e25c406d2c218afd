#!/usr/bin/env python
"""Roster import benchmark (issue 3, "Performance").

What it does, in one run:

1. Generates (once, cached in ``$JIAYUAN_VAR_DIR/bench``) a 100,000-row, 12-column
   resident roster ``.xlsx`` (姓名 性别 身份证号 民族 出生日期 联系电话 户号 与户主关系 现住址
   所属网格 人员类别 备注) from ``jiayuan.demodata.Generator``: about 35,000 households
   of one community with four grids, written by xlsxwriter with shared strings as
   Excel writes them, ID/phone/户号 columns as text, birth dates as date cells.
2. For each database (SQLite file, PostgreSQL), in fresh child processes so that peak
   RSS is the import's own:

   - **calamine**: python-calamine only reading the sheet into Python values (best
     of 3) — the raw limit;
   - **jiayuan**: the real engine end to end, exactly as ``jiayuan import residents``
     runs it (file bytes → limits, sniffing, header, validation, chunked writes with
     encryption, keyed hashes, per-row audit entries in the hash chain), on an empty
     registry; then the same file again (every row unchanged: the idempotent re-run);
     peak RSS of the process (``ru_maxrss``);
   - **django-import-export**: the same rows (by default the file's first 20,000:
     ``--baseline-rows``; the ratio compares time per row) into the same models (households first,
     then persons with their household, ID number and phone encrypted and hashed in
     ``before_import_row`` as the model requires), with its ``import_data`` in bulk
     mode with ``skip_diff`` and ``skip_unchanged``, the fastest settings it documents;

   and prints rows/s and the ratios (targets: Jiayuan ≥ 10,000 rows/s, peak RSS
   < 400 MB, ≥ 10× django-import-export, within 4× of calamine).

Run::

    .venv/bin/python bench/import.py                       # both databases, 100,000 rows
    .venv/bin/python bench/import.py --databases sqlite --rows 20000
    .venv/bin/python bench/import.py --profile sqlite      # cProfile of the engine

Needs the ``bench`` extra (``pip install -c constraints.txt -e '.[dev,bench]'``) for
django-import-export. PostgreSQL: ``--pg-url`` (default
``postgres://postgres@127.0.0.1:5432/jiayuan_bench_import``), dropped and created again;
its name must contain "bench".
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

COMMUNITY = "620702001001"  # 交通巷社区
GRIDS = [(f"{COMMUNITY}{i:03d}", name) for i, name in enumerate(["第一网格", "第二网格", "第三网格", "第四网格"], 1)]
HEADERS = ["姓名", "性别", "身份证号", "民族", "出生日期", "联系电话", "户号", "与户主关系", "现住址", "所属网格",
           "人员类别", "备注"]
NOTES = ["独居，需每周探访", "腿脚不便", "常年在外务工", "新迁入", "租户"]
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/jiayuan_bench_import"


def var_dir() -> Path:
    return Path(os.environ.get("JIAYUAN_VAR_DIR", ROOT / "var"))


# ------------------------------------------------------------------ roster


def roster_path(rows: int) -> Path:
    return var_dir() / "bench" / f"roster-{rows}.xlsx"


def make_roster(rows: int) -> Path:
    """Generate (or reuse) the roster workbook of ``rows`` data rows."""
    path = roster_path(rows)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()
    import datetime

    import xlsxwriter

    from jiayuan.demodata import Generator, roster_rows

    gen = Generator(seed=3)
    households = gen.village_households(COMMUNITY, "交通巷社区", [c for c, _ in GRIDS], rows,
                                        "甘州区东街街道交通巷社区")
    tag_names = {"subsistence_allowance": "低保对象", "extreme_poverty": "特困人员", "disabled": "残疾人",
                 "elderly_living_alone": "独居老人", "empty_nest_elderly": "空巢老人",
                 "disabled_elderly": "失能老人", "left_behind_child": "留守儿童",
                 "child_in_difficulty": "困境儿童", "entitled_group": "优抚对象"}
    data = roster_rows(households, dict(GRIDS), tag_names)[:rows]
    tmp = path.with_suffix(".tmp")
    wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    ws = wb.add_worksheet("居民花名册")
    text = wb.add_format({"num_format": "@"})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for col in (2, 5, 6):
        ws.set_column(col, col, 20, text)
    ws.set_column(4, 4, 12, date)
    ws.write_row(0, 0, HEADERS)
    rng = gen.rng
    for r, row in enumerate(data, 1):
        # ROSTER_FIELDS order, without 居住状态 (12 columns).
        values = row[:11] + [rng.choice(NOTES) if rng.random() < 0.05 else ""]
        for c, v in enumerate(values):
            if v in (None, ""):
                continue
            if isinstance(v, datetime.date):
                ws.write_datetime(r, c, datetime.datetime.combine(v, datetime.time()), date)
            else:
                ws.write_string(r, c, v)
    wb.close()
    tmp.rename(path)
    return path


# ------------------------------------------------------------------ databases


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()


def recreate_database(url: str) -> None:
    u = urlparse(url)
    if u.scheme.startswith("sqlite"):
        p = Path(u.path)
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
        p.parent.mkdir(parents=True, exist_ok=True)
        return
    name = u.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: its name must contain 'bench'")
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(url: str) -> None:
    """Fresh database: migrate, 甘州区's divisions, the community's four grids."""
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    from jiayuan.regions.models import Region

    call_command("migrate", verbosity=0)
    call_command("load_divisions", prefix="620702", verbosity=0)
    for code, name in GRIDS:
        Region.objects.get_or_create(code=code, defaults={"name": name, "level": "grid", "parent_id": COMMUNITY})


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ phases (child processes)


def phase_calamine(path: Path) -> dict:
    import python_calamine as pc

    best = best_cpu = None
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        wb = pc.CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        n = len(rows) - 1
        del rows, wb
        best = dt if best is None else min(best, dt)
        best_cpu = dc if best_cpu is None else min(best_cpu, dc)
    return {"seconds": best, "cpu_seconds": best_cpu, "rows": n, "rss_mb": rss_mb()}


def _run_engine(path: Path) -> dict:
    from jiayuan.audit.services import Actor
    from jiayuan.imports import services
    from jiayuan.regions.models import Region

    marks: dict[str, float] = {}
    cpu_marks: dict[str, float] = {}

    def progress(stage, done, total):
        marks.setdefault(stage, time.perf_counter())
        cpu_marks.setdefault(stage, time.process_time())

    region = Region.objects.get(code=COMMUNITY)
    cpu0 = time.process_time()
    kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    data = path.read_bytes()
    job = services.create_job(Actor(None, "command"), region, path.name, data, store_file=False)
    result = services.run_import(job, data, progress=progress, keep_sheet=False)  # as the command without --report
    t1 = time.perf_counter()
    job = result.job
    v0, w0 = marks.get("validating", t1), marks.get("writing", t1)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu1 = time.process_time()
    cpu = cpu1 - cpu0
    c0, c1 = cpu_marks.get("validating", cpu1), cpu_marks.get("writing", cpu1)
    helper = (kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime)
    return {"seconds": t1 - t0, "cpu_seconds": cpu, "helper_cpu_seconds": helper,
            "load_avg": [load0, os.getloadavg()[0]], "rows": job.rows, "created": job.created, "updated": job.updated,
            "unchanged": job.unchanged, "errors": job.errors, "warnings": job.warnings,
            "stages": {"reading": v0 - t0, "validating": w0 - v0, "writing": t1 - w0},
            "cpu_stages": {"reading": c0 - cpu0, "validating": c1 - c0, "writing": cpu1 - c1},
            "helper_rss_mb": kids1.ru_maxrss / 1024}


def phase_jiayuan(url: str, path: Path) -> dict:
    setup_django(url)
    from django.db import connection

    from jiayuan.audit.models import AuditEntry
    from jiayuan.people.models import Household, Person

    first = _run_engine(path)
    first["rss_mb"] = rss_mb()
    second = _run_engine(path)
    counts = {"persons": Person.objects.count(), "households": Household.objects.count(),
              "audit_entries": AuditEntry.objects.count()}
    from jiayuan.audit import selectors as audit_selectors

    verify = getattr(audit_selectors, "verify_chain", None)
    chain_ok = None
    if verify is not None:
        try:
            chain_ok = verify().ok
        except Exception:  # noqa: BLE001 - report, never fail the benchmark on it
            chain_ok = None
    return {"first": first, "rerun": second, "counts": counts, "vendor": connection.vendor,
            "rss_mb": rss_mb(), "chain_ok": chain_ok}


def floor_url(url: str) -> str:
    """The database of the "floor" phase: the same server, another name."""
    if url.startswith("sqlite"):
        return url[:-len(".sqlite3")] + "-floor.sqlite3" if url.endswith(".sqlite3") else url + "-floor"
    return url + "_floor"


def phase_floor(url: str, chunk_persons: int = 5000) -> dict:
    """The database's own share: the rows the import just wrote (households, persons,
    tags, and the import's audit entries, as stored: cipher text, keyed hashes, pinyin,
    the chain) inserted again into a fresh, migrated database of the same schema (every
    index, constraint and trigger), with no Python work but handing the stored values
    over: ``COPY`` on two connections on PostgreSQL (as the import's two writers),
    multi-row ``INSERT`` on SQLite, in transactions of whole households of about
    ``chunk_persons`` persons, as the import commits. What no engine writing these rows
    can go below on this machine."""
    src_url, dst_url = url, floor_url(url)
    tables = ["people_household", "people_person", "people_persontag", "audit_auditentry"]
    selects = {t: f"SELECT * FROM {t} ORDER BY id" for t in tables}
    selects["audit_auditentry"] = "SELECT * FROM audit_auditentry WHERE source = 'command' ORDER BY seq"
    if src_url.startswith("sqlite"):
        import sqlite3

        src = sqlite3.connect(urlparse(src_url).path)
        data = {t: src.execute(sql).fetchall() for t, sql in selects.items()}
        src.close()
        dst = sqlite3.connect(urlparse(dst_url).path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -16384",
                       "wal_autocheckpoint = 16384", "foreign_keys = ON"):
            dst.execute(f"PRAGMA {pragma}")

        def columns(t):
            return [r[1] for r in dst.execute(f"PRAGMA table_info({t})")]

        def insert(t, rows):
            mark = "(" + ",".join("?" * len(rows[0])) + ")"
            i = 0
            while i < len(rows):
                size = 256 if len(rows) - i >= 256 else 1
                dst.execute(f"INSERT INTO {t} VALUES " + ",".join([mark] * size),
                            [v for r in rows[i:i + size] for v in r])
                i += size

        def write_all(jobs):
            for job in jobs:
                dst.execute("BEGIN")
                for t, rows in job:
                    if rows:
                        insert(t, rows)
                dst.execute("COMMIT")
    else:
        import threading

        import psycopg
        from psycopg.types.string import TextLoader

        with psycopg.connect(src_url) as src:
            for json_type in ("json", "jsonb"):  # kept as the text the server sent, as the import sends it
                src.adapters.register_loader(json_type, TextLoader)
            data = {t: src.execute(sql).fetchall() for t, sql in selects.items()}
        dst = psycopg.connect(dst_url, autocommit=True)

        def columns(t):
            return [d.name for d in dst.execute(f"SELECT * FROM {t} LIMIT 0").description]

        def work(mine, failures):
            try:
                with psycopg.connect(dst_url) as conn:
                    for job in mine:
                        for t, rows in job:
                            if rows:
                                with conn.cursor().copy(f"COPY {t} FROM STDIN") as cp:
                                    for r in rows:
                                        cp.write_row(r)
                        conn.commit()
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                failures.append(exc)

        def write_all(jobs):
            """Two connections, each taking every other chunk."""
            dst.close()
            failures: list[BaseException] = []
            threads = [threading.Thread(target=work, args=(jobs[i::2], failures)) for i in range(2)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            if failures:
                raise failures[0]

    # The floor database's own division-load entries hold seq 1..n: shift past them.
    base_seq, base_id = dst.execute("SELECT coalesce(max(seq), 0), coalesce(max(id), 0) "
                                    "FROM audit_auditentry").fetchone()
    cols = columns("audit_auditentry")
    i_seq, i_id = cols.index("seq"), cols.index("id")
    first_seq = data["audit_auditentry"][0][i_seq] if data["audit_auditentry"] else 0
    data["audit_auditentry"] = [tuple(base_id + k + 1 if j == i_id else
                                      (v - first_seq + base_seq + 1 if j == i_seq else v)
                                      for j, v in enumerate(r)) for k, r in enumerate(data["audit_auditentry"])]

    # Chunks of whole households (as the import writes them: a person never waits for
    # a household another connection has not committed), each with its households, its
    # persons, their tags, and its share of the audit entries.
    households, people, tags, audit = (data[t] for t in tables)
    hh_id = columns("people_household").index("id")
    person_hh = columns("people_person").index("household_id")
    person_id = columns("people_person").index("id")
    tag_person = columns("people_persontag").index("person_id")
    hh_by_id = {r[hh_id]: r for r in households}
    tags_of: dict = {}
    for r in tags:
        tags_of.setdefault(r[tag_person], []).append(r)
    groups: dict = {}
    for r in people:
        groups.setdefault(r[person_hh] if r[person_hh] is not None else ("alone", r[person_id]), []).append(r)
    parts: list[list] = [[]]
    for group in groups.values():
        if len(parts[-1]) >= chunk_persons:
            parts.append([])
        parts[-1].extend(group)
    steps = len(parts)
    jobs = []
    for k, part in enumerate(parts):
        hh_rows = [hh_by_id[h] for h in dict.fromkeys(r[person_hh] for r in part if r[person_hh] is not None)]
        tag_rows = [t for r in part for t in tags_of.get(r[person_id], ())]
        jobs.append([("people_household", hh_rows), ("people_person", part), ("people_persontag", tag_rows),
                     ("audit_auditentry", audit[len(audit) * k // steps:len(audit) * (k + 1) // steps])])
    t0, c0 = time.perf_counter(), time.process_time()
    write_all(jobs)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": dt, "cpu_seconds": dc, "rows": {t: len(v) for t, v in data.items()}, "chunks": steps}


def phase_iexport(url: str, path: Path) -> dict:
    """django-import-export: households, then persons, from the same workbook."""
    setup_django(url)
    import tablib
    from import_export import fields, resources, widgets

    from jiayuan import security
    from jiayuan.imports.rules import parse_residence_status  # noqa: F401 (same project, no extra help)
    from jiayuan.people import rules
    from jiayuan.people.models import Household, Person
    from jiayuan.people.services import name_search_fields

    t0 = time.perf_counter()
    book = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    limit = int(os.environ.get("BENCH_BASELINE_ROWS") or 0)
    if limit and limit < len(book):
        del book[limit:]
    grid_by_name = {name: code for code, name in GRIDS}

    class HouseholdResource(resources.ModelResource):
        class Meta:
            model = Household
            fields = ("number", "community", "region", "address")
            import_id_fields = ("community", "number")
            use_bulk = True
            batch_size = 1000
            skip_unchanged = True
            skip_diff = True

    class BytesWidget(widgets.Widget):
        """Cipher text is bytes: passed through (the default widget would make it text)."""

        def clean(self, value, row=None, **kwargs):
            return value

        def render(self, value, obj=None, **kwargs):
            return bytes(value or b"").hex()

    class PersonResource(resources.ModelResource):
        household = fields.Field(attribute="household", column_name="household",
                                 widget=widgets.ForeignKeyWidget(Household, "number"))
        id_number_cipher = fields.Field(attribute="id_number_cipher", column_name="id_number_cipher",
                                        widget=BytesWidget())
        phone_cipher = fields.Field(attribute="phone_cipher", column_name="phone_cipher", widget=BytesWidget())

        class Meta:
            model = Person
            fields = ("name", "id_number_hash", "id_number_cipher", "id_tail4", "id_tail6_hash", "sex",
                      "birth_date", "ethnic_group", "phone_cipher", "phone_hash", "address", "region", "household",
                      "relation_to_head", "note", "name_pinyin", "name_initials", "name_grams")
            import_id_fields = ("id_number_hash",)
            use_bulk = True
            batch_size = 1000
            skip_unchanged = True
            skip_diff = True

        def before_import_row(self, row, **kwargs):
            info = rules.parse_id_number(row["身份证号"])
            number = info.number
            row["id_number_hash"] = security.lookup_hash("id_number", number)
            row["id_number_cipher"] = security.encrypt(number)
            row["id_tail4"] = number[-4:]
            row["id_tail6_hash"] = security.lookup_hash("id_tail6", number[-6:])
            phone = rules.normalize_phone(row["联系电话"] or "")
            row["phone_cipher"] = security.encrypt(phone)
            row["phone_hash"] = security.lookup_hash("phone", phone)
            row["name"] = rules.normalize_name(row["姓名"])
            row["name_pinyin"], row["name_initials"], row["name_grams"] = name_search_fields(row["name"])
            row["sex"], row["birth_date"] = info.sex, info.birth_date
            row["ethnic_group"] = rules.parse_ethnic_group(row["民族"]) or ""
            row["address"] = row["现住址"] or ""
            row["region"] = grid_by_name.get(row["所属网格"], COMMUNITY)
            row["household"] = row["户号"]
            row["relation_to_head"] = rules.parse_relation(row["与户主关系"]) or ""
            row["note"] = row["备注"] or ""

    seen = set()
    hh = tablib.Dataset(headers=["number", "community", "region", "address"])
    for r in book.dict:
        if r["户号"] not in seen:
            seen.add(r["户号"])
            hh.append([r["户号"], COMMUNITY, grid_by_name.get(r["所属网格"], COMMUNITY), r["现住址"] or ""])
    t1 = time.perf_counter()
    res_h = HouseholdResource().import_data(hh, dry_run=False, use_transactions=True)
    t2 = time.perf_counter()
    persons = tablib.Dataset(headers=list(book.headers) + [
        "id_number_hash", "id_number_cipher", "id_tail4", "id_tail6_hash", "phone_cipher", "phone_hash", "name",
        "name_pinyin", "name_initials", "name_grams", "sex", "birth_date", "ethnic_group", "address", "region",
        "household", "relation_to_head", "note"])
    for r in book:
        persons.append(list(r) + [None] * 18)
    res_p = PersonResource().import_data(persons, dry_run=False, use_transactions=True,
                                         raise_errors=bool(os.environ.get("IE_RAISE")))
    t3 = time.perf_counter()
    first_error = ""
    for res in (res_h, res_p):
        if res.has_errors():
            first_error = repr(res.base_errors[:1] or [e for _, errs in res.row_errors()[:1] for e in errs])[:500]
        elif res.has_validation_errors():
            inv = res.invalid_rows[0]
            first_error = f"row {inv.number}: {inv.error_dict}"[:500]
        if first_error:
            break
    return {"seconds": t3 - t0, "rows": len(book), "first_error": first_error, "load_seconds": t1 - t0,
            "households_seconds": t2 - t1,
            "persons_seconds": t3 - t2, "persons": Person.objects.count(), "households": Household.objects.count(),
            "errors": bool(res_h.has_errors() or res_p.has_errors() or res_p.has_validation_errors()),
            "rss_mb": rss_mb()}


def phase_profile(url: str, path: Path) -> dict:
    import cProfile
    import pstats

    setup_django(url)
    prof = cProfile.Profile()
    prof.enable()
    out = _run_engine(path)
    prof.disable()
    stats = pstats.Stats(prof, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(45)
    stats.sort_stats("cumulative").print_stats(45)
    return out


# ------------------------------------------------------------------ driver


def child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          env={**os.environ, "JIAYUAN_LOG_LEVEL": "ERROR"})
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {args} failed")
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--databases", default="sqlite,postgres")
    p.add_argument("--pg-url", default=DEFAULT_PG)
    p.add_argument("--sqlite-path", default=None)
    p.add_argument("--skip-baseline", action="store_true", help="do not run django-import-export")
    p.add_argument("--baseline-rows", type=int, default=20_000,
                   help="rows of the same file django-import-export imports (default 20,000: it needs minutes "
                        "per 10,000 rows; the ratio compares rows/s); 0 for all")
    p.add_argument("--profile", choices=["sqlite", "postgres"], default=None,
                   help="cProfile the engine on that database instead of benchmarking")
    p.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    p.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    path = make_roster(args.rows) if args.phase is None else roster_path(args.rows)

    if args.phase:
        if args.phase == "prepare":
            prepare(args.url)
            out = {"ok": True}
        elif args.phase == "calamine":
            out = phase_calamine(path)
        elif args.phase == "jiayuan":
            out = phase_jiayuan(args.url, path)
        elif args.phase == "floor":
            out = phase_floor(args.url)
        elif args.phase == "iexport":
            out = phase_iexport(args.url, path)
        elif args.phase == "profile":
            out = phase_profile(args.url, path)
        print(json.dumps(out, default=str))
        return 0

    sqlite_url = "sqlite:///" + str(Path(args.sqlite_path or var_dir() / "bench" / "import-bench.sqlite3"))
    urls = {"sqlite": sqlite_url, "postgres": args.pg_url}
    common = ["--rows", str(args.rows)]
    if args.profile:
        child(["--phase", "prepare", "--url", urls[args.profile], *common])
        proc = subprocess.run([sys.executable, __file__, "--phase", "profile", "--url", urls[args.profile], *common])
        return proc.returncode

    print(f"# Roster import benchmark — {args.rows:,} rows × 12 columns ({path.name}, "
          f"{path.stat().st_size / 1e6:.1f} MB)")
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPU, "
          f"{platform.machine()}")
    cal = child(["--phase", "calamine", *common])
    print(f"calamine read only: {cal['seconds']:.2f} s ({cal['rows'] / cal['seconds']:,.0f} rows/s)")
    results = {}
    for db in [d.strip() for d in args.databases.split(",") if d.strip()]:
        url = urls[db]
        child(["--phase", "prepare", "--url", url, *common])
        jy = child(["--phase", "jiayuan", "--url", url, *common])
        f, r = jy["first"], jy["rerun"]
        rate = f["rows"] / f["seconds"]
        line = {
            "database": db, "rows": f["rows"], "seconds": f["seconds"], "rows_per_s": rate,
            "stages": f["stages"], "rss_mb": f["rss_mb"], "rerun_seconds": r["seconds"],
            "rerun_unchanged": r["unchanged"], "created": f["created"], "errors": f["errors"],
            "counts": jy["counts"], "calamine_ratio": f["seconds"] / cal["seconds"],
            "cpu_seconds": f["cpu_seconds"], "cpu_stages": f["cpu_stages"], "load_avg": f["load_avg"],
            "calamine_cpu_ratio": f["cpu_seconds"] / cal["cpu_seconds"],
        }
        print(f"\n## {db}")
        st = f["stages"]
        print(f"Jiayuan import: {f['seconds']:.2f} s = {rate:,.0f} rows/s (reading {st['reading']:.2f} s, "
              f"validating {st['validating']:.2f} s, writing {st['writing']:.2f} s); created {f['created']:,}, "
              f"errors {f['errors']}; peak RSS {f['rss_mb']:.0f} MB")
        cs = f["cpu_stages"]
        per = {k: v / f["rows"] * 1e6 for k, v in cs.items()}
        print(f"  CPU: {f['cpu_seconds']:.1f} s in this process (writer thread and SQLite included) + "
              f"{f['helper_cpu_seconds']:.1f} s in the pinyin helper (peak RSS {f['helper_rss_mb']:.0f} MB); "
              f"machine load average {f['load_avg'][0]:.1f} → {f['load_avg'][1]:.1f} on {os.cpu_count()} CPUs")
        print(f"  CPU per row in this process: reading {per['reading']:.0f} µs, validating {per['validating']:.0f} µs, "
              f"writing {per['writing']:.0f} µs = {sum(per.values()):.0f} µs "
              f"(CPU-bound rate {f['rows'] / max(f['cpu_seconds'], 1e-9):,.0f} rows/s)")
        print(f"  re-run of the same file: {r['seconds']:.2f} s ({r['rows'] / r['seconds']:,.0f} rows/s), "
              f"unchanged {r['unchanged']:,}, created {r['created']}")
        print(f"  rows now: {jy['counts']}")
        print(f"  vs calamine read only: {line['calamine_ratio']:.2f}× its time (target ≤ 4×); "
              f"CPU time {line['calamine_cpu_ratio']:.2f}× calamine's CPU ({cal['cpu_seconds']:.2f} s)")
        child(["--phase", "prepare", "--url", floor_url(url), *common])
        fl = child(["--phase", "floor", "--url", url, *common])
        line["floor_seconds"] = fl["seconds"]
        line["floor_calamine_ratio"] = fl["seconds"] / cal["seconds"]
        print(f"  database floor: the same {fl['rows']['people_person']:,} persons, "
              f"{fl['rows']['people_household']:,} households, {fl['rows']['people_persontag']:,} tags and "
              f"{fl['rows']['audit_auditentry']:,} audit entries, as stored, inserted into a fresh database of this "
              f"schema with no other work, in {fl['chunks']} transactions: {fl['seconds']:.2f} s = "
              f"{line['floor_calamine_ratio']:.2f}× calamine's time; Jiayuan's import takes "
              f"{f['seconds'] / fl['seconds']:.2f}× this floor")
        if not args.skip_baseline:
            child(["--phase", "prepare", "--url", url, *common])
            os.environ["BENCH_BASELINE_ROWS"] = str(args.baseline_rows)
            ie = child(["--phase", "iexport", "--url", url, *common])
            line["iexport_seconds"] = ie["seconds"]
            line["iexport_rows"] = ie["rows"]
            line["iexport_ratio"] = (ie["seconds"] / ie["rows"]) / (f["seconds"] / f["rows"])
            print(f"django-import-export (bulk mode): {ie['seconds']:.2f} s = {ie['rows'] / ie['seconds']:,.0f} "
                  f"rows/s (load {ie['load_seconds']:.2f} s, households {ie['households_seconds']:.2f} s, "
                  f"persons {ie['persons_seconds']:.2f} s; persons {ie['persons']:,}, errors {ie['errors']}); "
                  f"peak RSS {ie['rss_mb']:.0f} MB")
            print(f"  Jiayuan is {line['iexport_ratio']:.1f}× faster per row (target ≥ 10×)"
                  + ("" if ie["rows"] == f["rows"] else f" — django-import-export ran the first {ie['rows']:,} rows"))
            if ie.get("first_error"):
                print(f"  django-import-export reported: {ie['first_error']}")
        ok = rate >= 10_000 and f["rss_mb"] < 400
        print(f"  target ≥ 10,000 rows/s and RSS < 400 MB: {'met' if ok else 'NOT met'}")
        results[db] = line
    print("\n" + json.dumps({"calamine": cal, "results": results}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
