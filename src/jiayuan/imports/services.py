"""The roster import engine: one :class:`ImportJob` per file, shared by the command
line, the pages and the API (a background task runs :func:`run_job` by job id).

Flow of :func:`run_import`:

1. **read** (:mod:`.reading`): limits, real format, sheet, header row (below titles,
   blank rows and merged group labels), header synonyms;
2. **validate** every row, without writing: field rules of the spine
   (:func:`jiayuan.people.services.clean_person`, :mod:`jiayuan.people.rules`), dates,
   duplicates in the file, region scope, households (户号 + 与户主关系) against the file
   and the registry; each valid row is planned as *create*, *update* or *unchanged*
   (empty cells never erase stored values);
3. **write** (unless ``dry_run``, or ``all_or_nothing`` with any error): rows in chunks
   of whole households, each chunk one transaction holding the persons, households,
   tags, their audit entries (``extra.import_job``) and the job's counters, so a kill
   leaves no half-written row and the counters match what was committed. Persons are
   matched on the keyed hash of the normalised ID number, so running the same file
   again creates nothing twice and completes an interrupted import.

Progress: ``progress(stage, done, total)`` is called while validating and after
every chunk (stages ``validating``, ``writing``); the job row carries the same.

Throughput without giving up a guarantee (measured in ``bench/import.py``,
``docs/performance.md``): field rules are the spine's, called through per-value caches
(``clean_person`` reports any row with an error, in its words); new rows are inserted
from column values in one statement per table and chunk (``COPY`` on PostgreSQL),
audit entries with :func:`jiayuan.audit.services.record_bulk`; pinyin of a large
file's names is computed by a forked helper while the rows are validated; chunks are
written by a writer thread while the next one is prepared.

Pages and API also use :func:`confirm_job` (write what a dry run checked),
:func:`error_workbook` (rebuilt from the stored file) and :func:`record_export`.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable
import datetime
from dataclasses import dataclass, field
from json.encoder import encode_basestring

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from .. import security
from ..accounts.permissions import Perm
from ..audit.services import Actor, insert_rows, model_changes, record, record_bulk
from ..errors import ValidationFailed, translate_rule_error
from ..people import rules as people_rules
from ..people.models import Household, Person, PersonTag, TagKind
from ..people.selectors import current_tag_kinds
from ..people.services import (AUDIT_REDACTED, apply_person_fields, clean_person, person_field_deriver,
                               person_snapshot)
from ..regions.models import Region
from . import reading, rules
from .models import ImportIssue, ImportJob
from .rules import FileRejected, reject

__all__ = [
    "Config",
    "config",
    "resolve_region",
    "create_job",
    "run_import",
    "run_job",
    "ImportResult",
    "confirm_job",
    "error_workbook",
    "report_file_name",
    "record_export",
]

HEAD = people_rules.HEAD_RELATION
HEADER_SCAN_ROWS = 30
Progress = Callable[[str, int, int], None]


# ------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class Config:
    """Limits and chunk size; from settings ``IMPORT_*`` or environment ``JIAYUAN_IMPORT_*``."""

    limits: reading.Limits
    chunk_rows: int = 5000
    parallel_names: int = 5000


def _setting(name: str, default: int) -> int:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"JIAYUAN_{name}")
    return int(value) if value not in (None, "") else default


def config() -> Config:
    """The import configuration in force. Defaults: 50 MB file, 10,000 ZIP entries,
    512 MB uncompressed, 200,000 rows, 1,024 columns, 6,000,000 cells (rows × columns
    from A1), chunks of 5,000 rows (fewer commits: each one
    rewrites the pages of the random-keyed indexes it touched)."""
    d = reading.Limits()
    return Config(
        limits=reading.Limits(
            max_bytes=_setting("IMPORT_MAX_BYTES", d.max_bytes),
            max_zip_entries=_setting("IMPORT_MAX_ZIP_ENTRIES", d.max_zip_entries),
            max_uncompressed=_setting("IMPORT_MAX_UNCOMPRESSED", d.max_uncompressed),
            max_rows=_setting("IMPORT_MAX_ROWS", d.max_rows),
            max_columns=_setting("IMPORT_MAX_COLUMNS", d.max_columns),
            max_cells=_setting("IMPORT_MAX_CELLS", d.max_cells),
        ),
        chunk_rows=max(1, _setting("IMPORT_CHUNK_ROWS", 5000)),
        parallel_names=_setting("IMPORT_PARALLEL_NAMES", 5000),
    )


# ------------------------------------------------------------------ jobs


def resolve_region(user, code: str) -> Region:
    """The target region of an import: a community/village or grid, in the user's scope
    (any region for ``user=None``, the system). Raises FileRejected ``region.unknown``
    or ``region.level``."""
    code = (code or "").strip()
    qs = Region.objects.all()
    if user is not None and getattr(user, "scope_code", ""):
        qs = qs.filter(code__startswith=user.scope_code)
    region = qs.filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise reject("region.unknown", code=code)
    if region.level not in (Region.Level.VILLAGE, Region.Level.GRID):
        raise reject("region.level", name=region.name, level=str(region.get_level_display()))
    return region


def create_job(actor: Actor, region: Region, file_name: str, data: bytes, *,
               sheet: str | None = None, dry_run: bool = False, all_or_nothing: bool = False,
               store_file: bool = True, kind: str = ImportJob.Kind.RESIDENTS) -> ImportJob:
    """Record a new import job for ``data`` (the file's bytes) into ``region``.

    ``store_file``: keep a copy in the media storage, so that a background task can run
    it by id (:func:`run_job`) and the error workbook can be rebuilt later; the command
    passes False and reads the file from its path. Raises FileRejected
    ``permission.denied`` for a user whose role may not edit the registry or whose
    scope does not hold ``region``.
    """
    user = actor.user
    if user is not None:
        if not user.can(Perm.EDIT_REGISTRY) or not region.code.startswith(user.scope_code or ""):
            raise reject("permission.denied")
    source = {"command": ImportJob.Source.COMMAND, "api": ImportJob.Source.API}.get(actor.source, ImportJob.Source.PAGE)
    job = ImportJob(
        kind=kind, source=source, created_by=user, region=region, file_name=os.path.basename(file_name)[:255],
        file_size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        options={"sheet": sheet or None, "dry_run": bool(dry_run), "all_or_nothing": bool(all_or_nothing)},
    )
    if store_file:
        job.file.save(job.file_name, ContentFile(data), save=False)
    job.save()
    return job


def job_actor(job: ImportJob) -> Actor:
    """The actor on whose behalf a job writes: its user (None for the command), source
    ``command`` for the command line and ``import`` otherwise, ``{"import_job": id}``."""
    source = "command" if job.source == ImportJob.Source.COMMAND else "import"
    return Actor(job.created_by, source, {"import_job": job.pk})


def run_job(job_id: int, progress: Progress | None = None) -> "ImportResult":
    """Run a stored job (its file in the media storage) by id: the entry point of the
    background task. Returns the :class:`ImportResult`."""
    job = ImportJob.objects.select_related("region", "created_by").get(pk=job_id)
    with job.file.open("rb") as fh:
        data = fh.read()
    return run_import(job, data, progress=progress, keep_sheet=False)


# ------------------------------------------------------------------ rows


@dataclass
class Issue:
    level: str
    row: int
    column: str
    column_index: int | None
    code: str
    message: str
    value: str = ""


class Cells:
    """A sheet row seen by field name (``cells.get("id_number")``), without copying it
    into a dict: a large file holds 100,000 of them."""

    __slots__ = ("cells", "cols")

    def __init__(self, cells: list, cols: dict[str, int]):
        self.cells = cells
        self.cols = cols

    def get(self, fname: str, default=None):
        idx = self.cols.get(fname)
        if idx is None or idx >= len(self.cells):
            return default
        return self.cells[idx]

    def as_dict(self) -> dict:
        cells, n = self.cells, len(self.cells)
        return {f: (cells[i] if i < n else None) for f, i in self.cols.items()}


@dataclass(slots=True)
class Row:
    """One data row: ``number`` is the sheet row number the worker sees; ``raw`` its
    cells by field name (:class:`Cells`, or a dict)."""

    number: int
    raw: Cells | dict
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    id_info: people_rules.IdNumberInfo | people_rules.DocumentInfo | None = None
    id_hash: str = ""
    id_type: str = people_rules.RESIDENT_ID
    household_number: str = ""
    relation: str | None = None
    grid_text: str = ""
    region_code: str = ""
    tag_codes: list[str] = field(default_factory=list)
    action: str = ""


@dataclass
class ImportResult:
    """What a run did. ``job`` holds the counts; ``sheet``, ``header_index`` and
    ``issues`` (in sheet order) serve the error workbook; ``rejected`` is the
    file-level refusal, if any."""

    job: ImportJob
    sheet: reading.Sheet | None = None
    header_index: int | None = None
    columns: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    rejected: FileRejected | None = None


class _ChunkConflict(Exception):
    pass


class _Known:
    """What validation needs of a registered person (lighter than a model instance)."""

    COLUMNS = ("id", "id_number_hash", "name", "ethnic_group", "address", "note", "phone_hash", "household_id",
               "relation_to_head", "region_id", "residence_status")
    __slots__ = COLUMNS + ("household_number",)

    def __init__(self, *values):
        for name, value in zip(self.COLUMNS, values):
            setattr(self, name, value)
        self.household_number = ""

    @property
    def pk(self) -> int:
        return self.id


def _name_fields_batch(names: list[str]) -> dict[str, tuple[str, str, str]]:
    """(pinyin, initials, grams) of every valid name among ``names`` (cell texts), as
    :func:`jiayuan.people.services.name_search_fields` computes them. Runs in a
    forked helper process (see :meth:`_Engine.start_name_fields`)."""
    from ..people.services import name_search_fields

    out = {}
    for text in names:
        try:
            name = people_rules.normalize_name(text)
        except (people_rules.RuleError, TypeError):
            continue
        out[name] = name_search_fields(name)
    return out


class _KnownHousehold:
    """A registered household of the file's community (what planning needs)."""

    COLUMNS = ("id", "number", "region_id", "address")
    __slots__ = COLUMNS

    def __init__(self, *values):
        for name, value in zip(self.COLUMNS, values):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id


_MISSING = object()
_EMPTY: dict = {}
_FAST_FIELDS = ("name", "id_number", "sex", "ethnic_group", "birth_date", "phone", "household_number",
                "relation_to_head", "address", "grid", "tags", "residence_status", "note")
# GB 11643-1999, as people.rules.parse_id_number checks it (the fast path's copy).
_ID18_RE = people_rules._ID18_RE
_ID_WEIGHTS = people_rules._ID_WEIGHTS
_ID_CHECK_MAP = people_rules._ID_CHECK_MAP
_EARLIEST_BIRTH = people_rules._EARLIEST_BIRTH
_MOBILE_RE = people_rules._MOBILE_RE


def _blank(v) -> bool:
    """:func:`rules.is_blank` with the common cases first."""
    if v is None or v == "":
        return True
    if v.__class__ is str and v.isascii():
        return not v.strip()
    return rules.is_blank(v)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _address_text(value) -> str:
    """An address as :func:`jiayuan.people.services.clean_person` stores it."""
    return " ".join(people_rules.normalize_text(str(value or "")).split())


def _release_memory() -> None:
    """Give freed heap pages back to the system (glibc ``malloc_trim``): the many small
    blocks a workbook reader frees stay mapped otherwise, and count against the
    process's memory for the rest of a large import. No-op elsewhere."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _registered(hashes) -> list[str]:
    """Which of the keyed ID hashes are registered."""
    return [h for (h,) in _select_in(Person, ("id_number_hash",), "id_number_hash", list(hashes))]


def _select_in(model, columns: tuple, key: str, keys: list, batch: int = 900, *, where: dict | None = None):
    """Rows (tuples of ``columns``, by column name) of ``model`` whose ``key`` column is
    one of ``keys`` (what ``filter(key__in=...).values_list(...)`` does, without a
    queryset for every batch of a large file): on PostgreSQL ``key = ANY(%s)`` with
    one array of up to 20,000 values (a list of thousands of ``IN`` constants costs
    more to parse and plan than the lookups themselves), elsewhere plain ``IN``
    queries of ``batch`` values; on SQLite ``IN (SELECT value FROM json_each(%s))`` with
    one JSON array. ``where``: further equality conditions by attname. Keys are
    strings or integers."""
    from django.db import connection

    if not keys:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(qn(by_attname[c]) for c in columns)
    key = qn(by_attname[key])
    postgres = connection.vendor == "postgresql"
    sqlite = connection.vendor == "sqlite"
    step = 20_000 if postgres or sqlite else batch
    also = "".join(f" AND {qn(by_attname[a])} = %s" for a in (where or {}))
    also_params = list((where or {}).values())
    with connection.cursor() as cur:
        for i in range(0, len(keys), step):
            part = keys[i:i + step]
            if postgres:
                cur.execute(f"SELECT {names} FROM {table} WHERE {key} = ANY(%s){also}", [part, *also_params])
            elif sqlite:  # one JSON array parameter (json_each), not thousands of "?"
                cur.execute(f"SELECT {names} FROM {table} WHERE {key} IN (SELECT value FROM json_each(%s)){also}",
                            [json.dumps(part), *also_params])
            else:
                cur.execute(f"SELECT {names} FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(part))}){also}",
                            [*part, *also_params])
            yield from cur.fetchall()


def _tune_connection() -> None:
    """SQLite: a page cache of 32 MB for this connection (the default 2 MB makes every
    insert into the random-keyed indexes of a large import — keyed hashes, audit
    hashes — read pages back from the file)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -16384")
            # Checkpoint the WAL every 64 MB instead of every 4 MB: an import rewrites
            # the same index pages chunk after chunk, and each checkpoint syncs the file.
            cur.execute("PRAGMA wal_autocheckpoint = 16384")


def _untune_connection() -> None:
    from django.db import connection

    if connection.vendor == "sqlite" and connection.connection is not None:
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -2000")
            cur.execute("PRAGMA wal_autocheckpoint = 1000")


class _PlannedHousehold:
    """A household the chunk will create: what a new member's columns need of it."""

    __slots__ = ("address", "pk")

    def __init__(self, address: str):
        self.address = address
        self.pk = None


def _template(model) -> tuple[list, dict]:
    """(concrete fields but the primary key, their defaults by attname) of ``model``:
    the columns a raw insert writes; what a row does not set keeps the model default."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        defaults[f.attname] = f.get_default() if f.has_default() or f.null else ("" if f.empty_strings_allowed else None)
    return fields, defaults


def _insert(model, rows: list[dict], template: tuple[list, dict], now, *, want_ids: bool = True) -> list | None:
    """Insert ``rows`` (dicts by attname; missing keys take the model default,
    ``auto_now``/``auto_now_add`` fields ``now``) into ``model``'s table in one
    statement: ``COPY`` on PostgreSQL (ids drawn from the table's sequence first, so
    concurrent writers never collide, and returned in order), multi-row ``INSERT``
    elsewhere (ids by ``RETURNING`` where the database has it, else None: the caller
    then reads the ids back by a unique key). Runs in
    the caller's transaction; constraints apply as for any INSERT."""
    from django.db import connection

    fields, defaults = template
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    attnames = [f.attname for f in fields]
    base = dict(defaults)
    for a in stamped:
        base[a] = now
    if connection.vendor == "postgresql":
        pk = model._meta.pk
        with connection.cursor() as cur:
            ids = None
            cols = [qn(f.column) for f in fields]
            if want_ids:
                cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                            [model._meta.db_table, pk.column, len(rows)])
                ids = sorted(r[0] for r in cur.fetchall())
                cols = [qn(pk.column)] + cols
            # COPY goes to psycopg directly: its errors raised as Django's (IntegrityError).
            with connection.wrap_database_errors, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                write = copy.write_row
                if ids is not None:
                    for pid, row in zip(ids, rows):
                        d = {**base, **row}
                        write([pid] + [d[a] for a in attnames])
                else:
                    for row in rows:
                        d = {**base, **row}
                        write([d[a] for a in attnames])
        return ids
    ops = connection.ops
    conv = {}
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            conv[f.attname] = ops.adapt_datetimefield_value
        elif kind == "DateField":
            conv[f.attname] = ops.adapt_datefield_value
    for a, fn in conv.items():  # the defaults and the stamp once, not per row
        if base.get(a) is not None:
            base[a] = fn(base[a])
    values = []
    for row in rows:
        d = {**base, **row}
        for a, fn in conv.items():
            v = row.get(a)
            if v is not None:
                d[a] = fn(v)
        values.append([d[a] for a in attnames])
    returning = (f"RETURNING {qn(model._meta.pk.column)}"
                 if want_ids and connection.features.can_return_rows_from_bulk_insert else "")
    return insert_rows(connection, f"INSERT INTO {table} ({', '.join(qn(f.column) for f in fields)}) VALUES ",
                       values, returning=returning)


_ALIVE = str(Person.LifeStatus.ALIVE.value)
_REGISTERED = str(Person.ResidenceStatus.REGISTERED.value)
_RESIDENT_ID = people_rules.RESIDENT_ID


_quote = encode_basestring


def _create_changes_json(c: dict, tags: list[str] | None) -> str:
    """The canonical JSON text (as :func:`jiayuan.audit.rules.entry_hash` encodes it:
    keys sorted, ``ensure_ascii=False``, no spaces) of the ``person.create`` changes of a
    new person's columns ``c`` (every filled audited field as ``[None, value]``, ID
    number, birth date and phone named but never logged, as
    :func:`jiayuan.people.services.create_person` records them),
    plus ``"tags": [None, tags]`` when given, built directly: one string per new
    person instead of a dict and the JSON encoder. ``tests/test_fast_path.py``
    compares it with the entry ``create_person`` writes."""
    parts = []
    address = c.get("address", "")
    if address:
        parts.append('"address":[null,' + _quote(address) + "]")
    parts.append('"birth_date":["***","***"]')
    ethnic = c.get("ethnic_group", "")
    if ethnic:
        parts.append('"ethnic_group":[null,' + _quote(ethnic) + "]")
    household = c.get("household_id")
    if household is not None:
        parts.append(f'"household":[null,{int(household)}]')
    parts.append('"id_number":["***","***"]')
    id_type = c.get("id_type")
    if id_type and id_type != _RESIDENT_ID:  # named for other documents only (person_snapshot)
        parts.append('"id_type":[null,' + _quote(id_type) + "]")
    parts.append('"life_status":[null,' + _quote(_ALIVE) + "]")
    parts.append('"name":[null,' + _quote(c["name"]) + "]")
    note = c.get("note", "")
    if note:
        parts.append('"note":[null,' + _quote(note) + "]")
    if c.get("phone_hash"):
        parts.append('"phone":["***","***"]')
    parts.append('"region":[null,' + _quote(c["region_id"]) + "]")
    relation = c.get("relation_to_head", "")
    if relation:
        parts.append('"relation_to_head":[null,' + _quote(relation) + "]")
    parts.append('"residence_status":[null,' + _quote(c.get("residence_status") or _REGISTERED) + "]")
    parts.append(f'"sex":[null,{int(c["sex"])}]')
    if tags:
        parts.append('"tags":[null,[' + ",".join(_quote(t) for t in tags) + "]]")
    return "{" + ",".join(parts) + "}"


class _Engine:
    def __init__(self, job: ImportJob, data: bytes, progress: Progress | None, cfg: Config):
        self.job = job
        self.data = data
        self.progress = progress or (lambda stage, done, total: None)
        self.cfg = cfg
        self.actor = job_actor(job)
        self.region: Region = job.region
        self.community = self.region.code[:12]
        self.header_issues: list[Issue] = []
        self.rows: list[Row] = []
        self._person_template = _template(Person)
        self._hh_template = _template(Household)
        self._tag_template = _template(PersonTag)

    # -------------------------------------------------------------- helpers

    def _header_text(self, fname: str) -> str:
        idx = self.columns.get(fname)
        return self.headers.get(idx, rules.COLUMNS[fname][0]) if idx is not None else ""

    def _issue(self, row: Row, err: people_rules.RuleError, level: str = "error", fname: str | None = None) -> None:
        fname = fname or err.field or ""
        idx = self.columns.get(fname)
        raw = row.raw.get(fname) if fname else None
        value = rules.masked_cell(fname, rules.cell_text(raw), id_type=row.id_type)
        item = Issue(level, row.number, self._header_text(fname) if fname in self.columns else "",
                     idx if fname in self.columns else None, err.code, translate_rule_error(rules.redacted(err)),
                     value[:200])
        (row.errors if level == "error" else row.warnings).append(item)

    # -------------------------------------------------------------- reading

    def read(self) -> None:
        source = reading.open_source(self.data, self.job.file_name, self.cfg.limits)
        wanted = self.job.options.get("sheet")
        if wanted:
            if wanted not in source.sheet_names:
                raise reject("sheet.not_found", sheet=wanted, sheets="、".join(source.sheet_names) or "无")
            candidates = [wanted]
        else:
            candidates = source.sheet_names
        if not candidates:
            raise reject("header.not_found", sheet="", rows=HEADER_SCAN_ROWS)
        first_failure = None
        for name in candidates:
            sheet = source.load(name)
            found, failure = self._find_header(sheet)
            if found is not None:
                self.sheet, (self.header_index, match) = sheet, found
                break
            first_failure = first_failure or failure
        else:
            raise first_failure
        self.columns = match.columns
        self.headers = match.headers
        self.job.sheet_name = self.sheet.name[:100]
        self.job.header_row = self.header_index + 1
        hdr_row = Row(self.header_index + 1, {})
        for idx in match.unknown:
            self._column_warning(hdr_row, idx, rules.issue("column.unknown", header=match.headers[idx]))
        for idx in match.duplicates:
            fname = rules.field_for_header(self.sheet.rows[self.header_index][idx])
            first = match.headers[match.columns[fname]]
            self._column_warning(hdr_row, idx, rules.issue("column.duplicate", header=match.headers[idx], first=first))
        self.header_issues = hdr_row.warnings

    def _column_warning(self, row: Row, idx: int, err) -> None:
        row.warnings.append(Issue("warning", row.number, self.headers[idx], idx, err.code, translate_rule_error(err)))

    def _find_header(self, sheet: reading.Sheet):
        partial = None
        for i, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            match = rules.match_header_row(cells)
            if match.is_header:
                return (i, match), None
            if partial is None and ("name" in match.columns or "id_number" in match.columns):
                partial = match
        if partial is not None:
            missing = "id_number" if "id_number" not in partial.columns else "name"
            syns = rules.COLUMNS[missing]
            return None, reject("header.missing_column", column=syns[0], synonyms="、".join(syns))
        return None, reject("header.not_found", sheet=sheet.name, rows=HEADER_SCAN_ROWS)

    # -------------------------------------------------------------- validating

    def parse_rows(self) -> None:
        cols = self.columns
        idxs = list(cols.values())
        is_blank = rules.is_blank
        rows = self.rows
        for i in range(self.header_index + 1, len(self.sheet.rows)):
            cells = self.sheet.rows[i]
            n = len(cells)
            for idx in idxs:
                if idx < n:
                    v = cells[idx]
                    if v is None or v == "":
                        continue
                    if v.__class__ is str and v.isascii() and v.isprintable() and not v.strip():
                        continue
                    if not is_blank(v):
                        rows.append(Row(i + 1, Cells(cells, cols)))
                        break

    def start_name_fields(self) -> None:
        """Pinyin is the costliest part of registering a person (about 30 µs a name,
        pypinyin): for a large file to be written, compute it for every distinct name
        in a forked helper process while this one validates (``IMPORT_PARALLEL_NAMES``,
        default 5,000 distinct names; 0 turns it off). The helper touches no database
        connection and leaves with ``os._exit``."""
        self._names_future = None
        self._names_pool = None
        if self.job.dry_run or self.cfg.parallel_names <= 0 or "name" not in self.columns:
            return
        names = list({rules.cell_text(r.raw.get("name")) for r in self.rows})
        if len(names) < self.cfg.parallel_names:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            self._names_pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            self._names_future = self._names_pool.submit(_name_fields_batch, names)
        except (OSError, ValueError):  # no fork here: compute them while writing instead
            self._names_pool = self._names_future = None

    def name_fields(self) -> dict:
        """The helper's result (empty when it did not run or failed)."""
        if getattr(self, "_name_fields", None) is None:
            self._name_fields = {}
            if getattr(self, "_names_future", None) is not None:
                try:
                    self._name_fields = self._names_future.result()
                except Exception:  # noqa: BLE001 - the names are computed in-process instead
                    self._name_fields = {}
        return self._name_fields

    def stop_helpers(self) -> None:
        pool = getattr(self, "_names_pool", None)
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            self._names_pool = None

    def validate(self) -> None:
        total = len(self.rows)
        self.progress("validating", 0, total)
        self.text_columns = [f for f in rules.TEXT_FIELDS if f in self.columns]
        self._caches = {"name": {}, "sex": {}, "ethnic": {}, "address": {}, "relation": {}}
        self._tag_cache: dict[str, tuple[list[str], list[str]]] = {}
        self.tag_lookup = {}
        for kind in TagKind.objects.all():
            self.tag_lookup[kind.code] = kind.code
            self.tag_lookup[kind.name] = kind.code
        self.tag_choices = "、".join(k.name for k in TagKind.objects.all())
        self._setup_fast_validation()
        fast = self._validate_fast
        for n, row in enumerate(self.rows, 1):
            if not fast(row):
                self._validate_fields(row)
            if n % 5000 == 0:
                self.progress("validating", n, total)
        self._check_duplicates()
        self._load_existing()
        self._check_new_documents()
        self._resolve_grids()
        self._check_scope()
        self._plan_households()
        self._plan_actions()
        self.progress("validating", total, total)

    def _setup_fast_validation(self) -> None:
        cols = self.columns
        self._fast_idx = tuple(cols.get(f, -1) for f in _FAST_FIELDS)
        self._fast_width = max(i for i in self._fast_idx) + 1
        self._fast_text_idx = tuple(cols[f] for f in self.text_columns if f != "residence_status")
        self._today = datetime.date.today()
        self._id_hasher = security.lookup_hasher("id_number")
        self._id_type_i = cols.get("id_type", -1)
        self._id_types: dict = {}
        self._births: dict[str, datetime.date | None] = {}
        self._grid_texts: dict[str, str] = {}
        self._residence: dict[str, str | None] = {}

    def _validate_fast(self, row: Row) -> bool:
        """:meth:`_validate_fields` for the common row, in one pass over its cells: every
        text cell is text, the ID number is 18 plain characters, no rule fails and
        nothing is worth a warning. Leaves the row exactly as :meth:`_validate_fields`
        would (the same rules of :mod:`jiayuan.people.rules`, through per-value caches;
        ``tests/test_fast_path.py`` compares both on varied rows) and returns True;
        returns False, having changed nothing, at anything else, and the caller then
        runs :meth:`_validate_fields`, which reports it in the spine's words."""
        raw = row.raw
        if raw.__class__ is not Cells:
            return False
        cells = raw.cells
        if len(cells) < self._fast_width:
            return False
        for i in self._fast_text_idx:
            v = cells[i]
            if v is not None and v.__class__ is not str:
                return False  # a date or number in a text column: the slow path words it
        (name_i, id_i, sex_i, eth_i, birth_i, phone_i, hh_i, rel_i, addr_i, grid_i, tags_i, res_i,
         note_i) = self._fast_idx
        c = self._caches
        try:
            if self._id_type_i >= 0:  # 证件类型: only resident ID cards take the fast path
                v = cells[self._id_type_i]
                if not _blank(v) and self._cached(self._id_types, people_rules.parse_id_type,
                                                  v) != people_rules.RESIDENT_ID:
                    return False
            v = cells[name_i]
            name = c["name"].get(v)
            if name is None:
                name = c["name"][v] = people_rules.normalize_name(v if v is not None else "")
            number = cells[id_i]
            if number.__class__ is not str or len(number) != 18 or not number.isascii():
                return False
            number = number.upper()
            if not _ID18_RE.fullmatch(number):
                return False
            births = self._births
            key = number[6:14]
            birth = births.get(key, _MISSING)
            if birth is _MISSING:
                try:
                    birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
                except ValueError:
                    birth = None
                if birth is not None and (birth > self._today or birth < _EARLIEST_BIRTH):
                    birth = None
                births[key] = birth
            if birth is None or number[:2] not in people_rules.PROVINCE_CODES:
                return False
            total = 0
            for d, w in zip(number, _ID_WEIGHTS):
                total += (ord(d) - 48) * w
            if number[17] != _ID_CHECK_MAP[total % 11]:
                return False
            sex = 1 if (ord(number[16]) - 48) % 2 == 1 else 2
            values = {"name": name, "id_number": number, "sex": sex, "birth_date": birth}
            v = cells[sex_i] if sex_i >= 0 else None
            if not _blank(v):
                if v.__class__ is not str and not _is_number(v):
                    return False
                given = self._cached(c["sex"], people_rules.parse_sex, v)
                if given in (1, 2) and given != sex:
                    return False
            v = cells[birth_i] if birth_i >= 0 else None
            if v is not None and v != "":
                cls = v.__class__
                if cls is datetime.datetime:
                    v = v.date()
                elif cls is not datetime.date:
                    return False  # text and numbers: rules.parse_date_cell in the slow path
                if v != birth:
                    return False
            v = cells[eth_i] if eth_i >= 0 else None
            if not _blank(v):
                values["ethnic_group"] = self._cached(
                    c["ethnic"], people_rules.parse_ethnic_group, v if _is_number(v) else rules.cell_text(v)) or ""
            v = cells[phone_i] if phone_i >= 0 else None
            if not _blank(v):
                if v.__class__ is str and len(v) == 11 and v.isascii() and _MOBILE_RE.fullmatch(v):
                    values["phone"] = v
                elif v.__class__ is str or _is_number(v):
                    values["phone"] = people_rules.normalize_phone(v)
                else:
                    return False
            v = cells[res_i] if res_i >= 0 else None
            if not _blank(v):
                if v.__class__ is not str:
                    return False
                code = self._residence.get(v, _MISSING)
                if code is _MISSING:
                    code = self._residence[v] = rules.parse_residence_status(v)
                if code is None:
                    return False
                values["residence_status"] = code
            v = cells[addr_i] if addr_i >= 0 else None
            if not _blank(v):
                text = c["address"].get(v)
                if text is None:
                    text = c["address"][v] = _address_text(v)
                if len(text) > 200:
                    return False
                values["address"] = text
            v = cells[note_i] if note_i >= 0 else None
            if not _blank(v):
                text = v.strip()
                if len(text) > 2000:
                    return False
                values["note"] = text
            relation = None
            v = cells[rel_i] if rel_i >= 0 else None
            if not _blank(v):
                relation = c["relation"].get(v, _MISSING)
                if relation is _MISSING:
                    relation = c["relation"][v] = people_rules.parse_relation(v)
                values["relation_to_head"] = relation or ""
            v = cells[hh_i] if hh_i >= 0 else None
            household = ""
            if not _blank(v):
                household = people_rules.normalize_text(v)
                if len(household) > 30:
                    return False
            elif relation:
                return False  # relation.without_household: a warning, worded by the slow path
            v = cells[grid_i] if grid_i >= 0 else None
            grid = ""
            if not _blank(v):
                grid = self._grid_texts.get(v)
                if grid is None:
                    grid = self._grid_texts[v] = "".join(people_rules.normalize_text(v).split())
            v = cells[tags_i] if tags_i >= 0 else None
            tag_codes = None
            if not _blank(v):
                parsed = self._tag_cache.get(v)
                if parsed is None:
                    codes, unknown = [], []
                    for tag in rules.split_tags(v):
                        code = self.tag_lookup.get(tag)
                        if code is None:
                            unknown.append(tag)
                        elif code not in codes:
                            codes.append(code)
                    parsed = self._tag_cache[v] = (codes, unknown)
                if parsed[1]:
                    return False
                tag_codes = list(parsed[0])
        except (people_rules.RuleError, TypeError, ValueError, AttributeError):
            return False
        row.values = values
        row.id_info = people_rules.IdNumberInfo(number, number[:6], birth, sex, False)
        row.relation = relation or None
        row.id_hash = self._id_hasher(number)
        row.household_number = household
        row.grid_text = grid
        if tag_codes is not None:
            row.tag_codes = tag_codes
        return True

    def _validate_fields(self, row: Row) -> None:
        raw = row.raw.as_dict() if isinstance(row.raw, Cells) else row.raw
        data: dict = {}
        # Text columns that Excel turned into dates.
        for fname in self.text_columns:
            v = raw.get(fname)
            if v is not None and not isinstance(v, str) and hasattr(v, "isoformat"):
                text = rules.cell_text(v)
                if fname == "household_number":
                    self._issue(row, rules.issue("household.number_became_date", fname, value=text))
                else:
                    self._issue(row, rules.issue("cell.became_date", fname, value=text), "warning")
                raw = {**raw, fname: None}
        data["name"] = rules.cell_text(raw.get("name"))
        v = raw.get("id_type")
        id_type_ok = True
        if not _blank(v):
            try:
                row.id_type = people_rules.parse_id_type(rules.cell_text(v))
            except people_rules.RuleError as err:
                self._issue(row, err)
                id_type_ok = False
            if row.id_type != people_rules.RESIDENT_ID:
                data["id_type"] = row.id_type
        id_raw = raw.get("id_number")
        scientific = isinstance(id_raw, str) and rules.looks_scientific(id_raw)
        if scientific:
            self._issue(row, rules.scientific_id_error(id_raw))
        elif not id_type_ok:
            pass  # which document the number is is unknown: the type's error says it
        else:
            data["id_number"] = id_raw if _is_number(id_raw) else rules.cell_text(id_raw)
        for fname in ("sex", "ethnic_group", "phone"):
            v = raw.get(fname)
            if not _blank(v):
                data[fname] = v if _is_number(v) else rules.cell_text(v)
        for fname in ("address", "note"):
            v = raw.get(fname)
            if not _blank(v):
                data[fname] = rules.cell_text(v)
        v = raw.get("residence_status")
        if not _blank(v):
            text = rules.cell_text(v)
            code = rules.parse_residence_status(text)
            if code is None:
                self._issue(row, rules.issue("residence_status.unknown", "residence_status", value=text.strip()))
            else:
                data["residence_status"] = code
        year_month = None
        v = raw.get("birth_date")
        if not _blank(v):
            try:
                parsed = rules.parse_date_cell(v, epoch_1904=self.sheet.epoch_1904)
            except people_rules.RuleError as err:
                self._issue(row, err)
            else:
                if isinstance(parsed, rules.YearMonth):
                    year_month = parsed
                else:
                    data["birth_date"] = parsed
        v = raw.get("relation_to_head")
        if not _blank(v):
            data["relation_to_head"] = v if _is_number(v) else rules.cell_text(v)
        fast = self._fast_clean(data)
        if fast is not None:
            row.values, row.id_info = fast
            row.relation = row.values.get("relation_to_head") or None
        else:
            if "relation_to_head" in data:
                try:
                    row.relation = people_rules.parse_relation(data["relation_to_head"])
                except people_rules.RuleError:
                    pass
            if "id_number" in data:
                try:
                    row.id_info = people_rules.parse_document(row.id_type, data["id_number"])
                except people_rules.RuleError:
                    pass  # reported by clean_person below
            try:
                clean = clean_person(data, partial=True)
            except ValidationFailed as exc:
                if exc.rule_errors:  # with their parameters, so that the issue can hide protected values
                    for err in exc.rule_errors:
                        self._issue(row, err)
                else:
                    for fname, errs in exc.fields.items():
                        for e in errs:
                            self._issue(row, people_rules.RuleError(e["code"], "%(m)s", {"m": e["message"]}, fname))
            else:
                row.values = clean.values
        if row.id_info is not None:
            row.id_hash = security.lookup_hash("id_number", people_rules.document_key(row.id_type, row.id_info.number))
        if year_month and row.id_info and row.id_info.birth_date is not None:
            b = row.id_info.birth_date
            if (year_month.year, year_month.month) != (b.year, b.month):
                self._issue(row, rules.issue("birth_date.mismatch_month", "birth_date",
                                             expected=f"{b.year:04d}-{b.month:02d}", given=year_month.isoformat()))
        v = raw.get("household_number")
        if not _blank(v):
            number = people_rules.normalize_text(rules.cell_text(v))
            if len(number) > 30:
                self._issue(row, rules.issue("household.number_too_long", "household_number"))
            else:
                row.household_number = number
        elif row.relation is not None and not any(i.code == "household.number_became_date" for i in row.errors):
            self._issue(row, rules.issue("relation.without_household", "relation_to_head"), "warning")
        v = raw.get("grid")
        if not _blank(v):
            row.grid_text = "".join(people_rules.normalize_text(rules.cell_text(v)).split())
        v = raw.get("tags")
        if not _blank(v):
            text = rules.cell_text(v)
            parsed = self._tag_cache.get(text)
            if parsed is None:
                codes, unknown = [], []
                for name in rules.split_tags(text):
                    code = self.tag_lookup.get(name)
                    if code is None:
                        unknown.append(name)
                    elif code not in codes:
                        codes.append(code)
                parsed = self._tag_cache[text] = (codes, unknown)
            row.tag_codes = list(parsed[0])
            for name in parsed[1]:
                self._issue(row, rules.issue("tag.unknown", "tags", value=name, choices=self.tag_choices))

    @staticmethod
    def _cached(cache: dict, fn, value):
        """``fn(value)``, remembered per distinct value (text keyed by itself, other
        cell types by type and value: 1, 1.0 and True are different cells)."""
        key = value if value.__class__ is str else (value.__class__, value)
        out = cache.get(key, _MISSING)
        if out is _MISSING:
            out = cache[key] = fn(value)
        return out

    def _fast_clean(self, data: dict):
        """``(values, id_info)`` as :func:`jiayuan.people.services.clean_person` (partial)
        would give them for a row without errors, calling the same rules of
        :mod:`jiayuan.people.rules`, cached per distinct cell text where the text alone
        decides (names, sex, ethnic groups, relations, addresses). ``None`` at the first
        error: the caller then runs ``clean_person`` itself, which reports every error
        of the row in the spine's words. ``tests/test_fast_path.py`` checks that both
        agree."""
        c = self._caches
        if data.get("id_type", people_rules.RESIDENT_ID) != people_rules.RESIDENT_ID:
            return None  # other documents: clean_person (birth date and sex as entered)
        try:
            v: dict = {"name": self._cached(c["name"], people_rules.normalize_name, data["name"])}
            info = None
            if "id_number" in data:
                info = people_rules.parse_id_number(data["id_number"])
                v["id_number"] = info.number
            s = data.get("sex")
            sex = self._cached(c["sex"], people_rules.parse_sex, s) if s not in (None, "") else None
            birth = data.get("birth_date")
            if info is not None:
                if (sex in (1, 2) and sex != info.sex) or (birth is not None and birth != info.birth_date):
                    return None
                v["sex"], v["birth_date"] = info.sex, info.birth_date
            if "ethnic_group" in data:
                v["ethnic_group"] = self._cached(c["ethnic"], people_rules.parse_ethnic_group, data["ethnic_group"]) or ""
            if "phone" in data:
                x = data["phone"]
                v["phone"] = people_rules.normalize_phone(x) if x not in (None, "") else ""
            if "residence_status" in data:
                if data["residence_status"] not in Person.ResidenceStatus.values:
                    return None
                v["residence_status"] = data["residence_status"]
            if "address" in data:
                text = self._cached(c["address"], _address_text, data["address"])
                if len(text) > 200:
                    return None
                v["address"] = text
            if "note" in data:
                text = str(data["note"] or "").strip()
                if len(text) > 2000:
                    return None
                v["note"] = text
            if "relation_to_head" in data:
                v["relation_to_head"] = self._cached(c["relation"], people_rules.parse_relation,
                                                     data["relation_to_head"]) or ""
            return v, info
        except people_rules.RuleError:
            return None

    def _check_duplicates(self) -> None:
        first: dict[str, int] = {}
        for row in self.rows:
            if not row.id_hash:
                continue
            if row.id_hash in first:
                self._issue(row, rules.issue("id_number.duplicate_in_file", "id_number", first=first[row.id_hash]))
            else:
                first[row.id_hash] = row.number

    def _check_new_documents(self) -> None:
        """A new person whose document does not encode the birth date (passport, permits,
        外国人永久居留身份证 2017): the 出生日期 column must give it, as a whole date."""
        for row in self.rows:
            if (row.id_type != people_rules.RESIDENT_ID and not row.errors and row.id_hash
                    and row.id_hash not in self.existing and "birth_date" not in row.values):
                self._issue(row, people_rules.RuleError("birth_date.missing", people_rules.N_(
                    "请填写出生日期：该证件号码不含出生日期"), {}, "birth_date"))

    def _load_existing(self) -> None:
        """What the registry already holds for the file's rows: persons by keyed hash
        (:class:`_Known`), households by number (:class:`_KnownHousehold`) with their
        members' hashes and relations, current tags. Repeated strings (codes, hashes
        also in the file) are shared, not held twice: a re-run of a large file knows
        every row."""
        canon = {r.id_hash: r.id_hash for r in self.rows if r.id_hash}
        shared: dict[str, str] = {}
        share = shared.setdefault
        hashes = list(canon)
        self.existing: dict[str, _Known] = {}
        hh_numbers: dict[int, str] = {}
        for values in _select_in(Person, _Known.COLUMNS, "id_number_hash", hashes):
            known = _Known(*values)
            known.id_number_hash = canon.get(known.id_number_hash, known.id_number_hash)
            for attr in ("ethnic_group", "relation_to_head", "region_id", "residence_status"):
                setattr(known, attr, share(getattr(known, attr), getattr(known, attr)))
            self.existing[known.id_number_hash] = known
        taken = list({k.household_id for k in self.existing.values() if k.household_id})
        hh_numbers.update(_select_in(Household, ("id", "number"), "id", taken))
        for k in self.existing.values():
            if k.household_id:
                k.household_number = hh_numbers.get(k.household_id, "")
        del hh_numbers
        numbers = list({r.household_number for r in self.rows if r.household_number})
        self.households: dict[str, _KnownHousehold] = {}
        self.members: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for values in _select_in(Household, _KnownHousehold.COLUMNS, "number", numbers,
                                 where={"community_id": self.community}):
            hh = _KnownHousehold(*values)
            hh.region_id = share(hh.region_id, hh.region_id)
            self.households[hh.number] = hh
        hh_ids = [h.pk for h in self.households.values()]
        for hid, h, rel in _select_in(Person, ("household_id", "id_number_hash", "relation_to_head"), "household_id",
                                      hh_ids):
            self.members[hid].append((canon.get(h, h), share(rel, rel)))
        self.current_tags: dict[int, set[str]] = {}
        if any(r.tag_codes for r in self.rows):
            self.current_tags = current_tag_kinds(p.pk for p in self.existing.values())

    def _resolve_grids(self) -> None:
        texts = {r.grid_text for r in self.rows if r.grid_text}
        if not texts:
            return
        regions = list(Region.objects.filter(code__startswith=self.community).values_list("code", "name", "level"))
        by_code = {c: (n, lvl) for c, n, lvl in regions}
        by_name: dict[str, list[str]] = defaultdict(list)
        for c, n, lvl in regions:
            if lvl == Region.Level.GRID:
                by_name["".join(n.split())].append(c)
        resolved: dict[str, tuple[str, str | None]] = {}
        for text in texts:
            code = None
            if text.isdigit():
                if text in by_code:
                    code = text
                elif Region.objects.filter(code=text).exists():
                    resolved[text] = ("region.out_of_scope", None)
                    continue
            elif by_name.get(text):
                inside = [c for c in by_name[text] if c.startswith(self.region.code)]
                code = inside[0] if inside else by_name[text][0]
            elif Region.objects.filter(level=Region.Level.GRID, name=text).exists():
                resolved[text] = ("region.out_of_scope", None)
                continue
            if code is None:
                resolved[text] = ("region.not_found", None)
            elif not code.startswith(self.region.code):
                resolved[text] = ("region.out_of_scope", None)
            else:
                resolved[text] = ("", code)
        self.grid_names = {c: n for c, n, _ in regions}
        for row in self.rows:
            if row.grid_text:
                err, code = resolved[row.grid_text]
                if err:
                    self._issue(row, rules.issue(err, "grid", value=rules.cell_text(row.raw.get("grid")).strip(),
                                                 region=self.region.name))
                else:
                    row.region_code = code

    def _check_scope(self) -> None:
        for row in self.rows:
            p = self.existing.get(row.id_hash)
            if p is not None and not p.region_id.startswith(self.region.code):
                self._issue(row, rules.issue("id_number.registered_elsewhere", "id_number"))

    def _region_name(self, code: str) -> str:
        names = getattr(self, "grid_names", None) or {}
        if code in names:
            return names[code]
        if code == self.region.code:
            return self.region.name
        r = Region.objects.filter(code=code).first()
        return r.name if r else code

    def _plan_households(self) -> None:
        groups: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            if row.household_number:
                groups[row.household_number].append(row)
        self.groups = groups
        self.hh_plan: dict[str, dict] = {}
        rel_field = "relation_to_head" if "relation_to_head" in self.columns else "household_number"
        for number, group in groups.items():
            hh = self.households.get(number)
            for row in group:
                if row.relation is None and not any(e.code == "relation.unknown" for e in row.errors):
                    self._issue(row, rules.issue("relation.missing", rel_field, number=number))
                p = self.existing.get(row.id_hash)
                if p is not None and p.household_id and (hh is None or p.household_id != hh.pk):
                    self._issue(row, rules.issue("household.member_taken", "household_number",
                                                 current=p.household_number, number=number))
            file_hashes = {r.id_hash for r in group if r.id_hash}
            file_heads = [r for r in group if r.relation == HEAD]
            db_heads = [h for h, rel in self.members.get(hh.pk, []) if rel == HEAD and h not in file_hashes] if hh else []
            count = len(file_heads) + len(db_heads)
            if count > 1:
                where = "第 " + "、".join(str(r.number) for r in file_heads) + " 行"
                if db_heads:
                    where += "，另有已登记的户主"
                for r in file_heads:
                    self._issue(r, rules.issue("household.multiple_heads", rel_field, number=number, count=count,
                                               where=where))
            elif count == 0:
                for r in group:
                    self._issue(r, rules.issue("household.head_missing", rel_field, number=number))
            # One region per household: the registered one, else the first grid named (head first).
            ordered = file_heads + [r for r in group if r not in file_heads]
            if hh is not None:
                region_code = hh.region_id
                if not region_code.startswith(self.region.code):
                    for r in group:
                        self._issue(r, rules.issue("region.out_of_scope", "household_number",
                                                   value=self._region_name(region_code), region=self.region.name))
            else:
                region_code = next((r.region_code for r in ordered if r.region_code), self.region.code)
            for r in group:
                if r.region_code and r.region_code != region_code:
                    self._issue(r, rules.issue("household.region_mismatch", "grid", number=number,
                                               expected=self._region_name(region_code),
                                               given=rules.cell_text(r.raw.get("grid")).strip()))
            address = next((r.values.get("address") for r in ordered if r.values.get("address")), "")
            self.hh_plan[number] = {"region": region_code, "address": address}
        # Rows with errors are not written: the rows that are must still leave the
        # household with exactly one head, else none of them is written.
        for number, group in groups.items():
            bad = [r.number for r in group if r.errors]
            hh = self.households.get(number)
            valid_hashes = {r.id_hash for r in group if not r.errors}
            heads = sum(1 for r in group if not r.errors and r.relation == HEAD)
            if hh is not None:
                heads += sum(1 for h, rel in self.members.get(hh.pk, []) if rel == HEAD and h not in valid_hashes)
            if bad and heads != 1:
                rows_text = "、".join(str(n) for n in bad[:10]) + ("…" if len(bad) > 10 else "")
                for r in group:
                    if not r.errors:
                        self._issue(r, rules.issue("household.member_invalid", "household_number",
                                                   number=number, rows=rows_text))

    # -------------------------------------------------------------- planning

    def _changes_for(self, p: Person, row: Row, hh: Household | None) -> tuple[dict, dict, list[str]]:
        """(values for people.services.apply_person_fields, membership changes, new tag codes) that
        turn stored person ``p`` into what ``row`` says; empty cells change nothing."""
        v = row.values
        vals: dict = {}
        for key in ("name", "ethnic_group", "address", "note", "residence_status"):
            if v.get(key) and v[key] != getattr(p, key):
                vals[key] = v[key]
        if v.get("phone") and security.lookup_hash("phone", v["phone"]) != p.phone_hash:
            vals["phone"] = v["phone"]
        member: dict = {}
        if row.household_number:
            plan = self.hh_plan[row.household_number]
            if p.household_id is None or hh is None or p.household_id != hh.pk:
                member = {"household": hh, "relation_to_head": row.relation, "region_id": plan["region"]}
            elif row.relation != p.relation_to_head:
                member = {"relation_to_head": row.relation}
        elif row.region_code and p.household_id is None and row.region_code != p.region_id:
            member = {"region_id": row.region_code}
        if member.get("region_id") == p.region_id:
            member.pop("region_id")
        tags = [c for c in row.tag_codes if c not in self.current_tags.get(p.pk, ())]
        return vals, member, tags

    def _plan_actions(self) -> None:
        for row in self.rows:
            if row.errors:
                row.values = _EMPTY  # never written: only the issues are needed
                continue
            p = self.existing.get(row.id_hash)
            if p is None:
                row.action = "create"
                row.values.setdefault("sex", Person.Sex.UNKNOWN)  # not encoded, not entered
                continue
            hh = self.households.get(row.household_number) if row.household_number else None
            vals, member, tags = self._changes_for(p, row, hh)
            row.action = "update" if (vals or member or tags) else "unchanged"
            if row.action == "unchanged":
                row.values = _EMPTY

    # -------------------------------------------------------------- writing

    def _units(self) -> list[list[Row]]:
        """Valid rows to write, grouped so that a household never spans two chunks."""
        units: list[list[Row]] = []
        seen: set[str] = set()
        for row in self.rows:
            if row.errors or row.action not in ("create", "update"):
                continue
            if row.household_number:
                if row.household_number in seen:
                    continue
                seen.add(row.household_number)
                unit = [r for r in self.groups[row.household_number] if not r.errors and r.action in ("create", "update")]
                # Demoted heads first, then the rest: see _write_chunk.
                units.append(unit)
            else:
                units.append([row])
        return units

    def _chunks(self) -> list[list[Row]]:
        chunks: list[list[Row]] = []
        current: list[Row] = []
        for unit in self._units():
            if current and len(current) + len(unit) > self.cfg.chunk_rows:
                chunks.append(current)
                current = []
            current.extend(unit)
        if current:
            chunks.append(current)
        return chunks

    def write(self) -> None:
        self._names = self.name_fields()
        self._prepared: dict[int, dict] = {}
        chunks = self._chunks()
        total = sum(len(c) for c in chunks)
        unchanged = sum(1 for r in self.rows if not r.errors and r.action == "unchanged")
        ImportJob.objects.filter(pk=self.job.pk).update(stage="writing", progress_done=0, progress_total=total,
                                                        unchanged=unchanged)
        self.progress("writing", 0, total)
        self.conflicts: list[Issue] = []
        done = 0
        pipelined = not self.job.all_or_nothing and self._can_pipeline(chunks)
        if not pipelined:
            _tune_connection()
        try:
            if self.job.all_or_nothing:
                with transaction.atomic():
                    for chunk in chunks:
                        self._write_chunk(chunk)
                        done += len(chunk)
                        self.progress("writing", done, total)
                return
            if pipelined:
                self._write_pipelined(chunks, total)
                return
            for chunk in chunks:
                try:
                    self._write_chunk(chunk)
                except _ChunkConflict:
                    pass
                done += len(chunk)
                self.progress("writing", done, total)
        finally:
            if not pipelined:
                _untune_connection()
            # After the transactions: in all-or-nothing mode the rollback must not take
            # the explanation with it.
            ImportIssue.objects.bulk_create([self._issue_model(i) for i in self.conflicts])

    # -------------------------------------------------------------- pipelined writing

    def _can_pipeline(self, chunks: list[list[Row]]) -> bool:
        """Write in a second thread (its own database connection) while this one
        prepares the next chunk: when there are several chunks, we are not inside a
        transaction (whose rows another connection could not see) and the database is
        not an in-memory one. ``IMPORT_PIPELINE`` = 0 turns it off."""
        from django.db import connection

        if len(chunks) < 2 or connection.in_atomic_block or _setting("IMPORT_PIPELINE", 1) <= 0:
            return False
        name = str(connection.settings_dict.get("NAME") or "")
        return not (connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name))

    def _prepare(self, chunk: list[Row]) -> None:
        """The costly part of a chunk that needs no database: the column values of the
        persons planned as new (cipher text, keyed hashes, pinyin), kept by sheet row
        for the writer, which checks the plan again inside its transaction."""
        prepared = self._prepared
        for row in chunk:
            if row.action != "create" or row.number in prepared:
                continue
            hh = None
            if row.household_number:
                hh = self.households.get(row.household_number) or _PlannedHousehold(
                    self.hh_plan[row.household_number]["address"][:200])
            prepared[row.number] = self._new_person(row, hh, None, household_id=False)

    def _writers(self) -> int:
        """Writer threads: on PostgreSQL 2 (``IMPORT_WRITERS``), each with its own
        connection, so that the server works on one chunk's rows while another chunk
        waits for the audit chain; SQLite has one writer at a time, so 1."""
        from django.db import connection

        if connection.vendor != "postgresql":
            return 1
        return max(1, _setting("IMPORT_WRITERS", 2))

    def _write_pipelined(self, chunks: list[list[Row]], total: int) -> None:
        """Chunks are written (each in its own transaction, as always) by writer
        threads (:meth:`_writers`, each with its own database connection) while this
        thread prepares the next ones: the database's work (and the wait for it)
        overlaps Python's. With two writers, chunk k + 1's households and persons go in
        while chunk k appends to the audit log and commits: the chain head, locked
        by :func:`jiayuan.audit.services.record_bulk` until commit, orders them (a
        chunk's entries stay together, and each chunk's rows are disjoint from the
        others': whole households, one row per ID number). Conflicts and progress
        are those of the plain loop."""
        import queue
        import threading

        from django.db import connections

        writers = self._writers()
        todo: queue.Queue = queue.Queue(maxsize=writers + 1)
        failure: list[BaseException] = []
        lock = threading.Lock()
        done = [0]

        def writer() -> None:
            try:
                _tune_connection()
                while True:
                    chunk = todo.get()
                    if chunk is None:
                        return
                    if failure:
                        continue
                    try:
                        self._write_chunk(chunk)
                    except _ChunkConflict:
                        pass
                    with lock:
                        done[0] += len(chunk)
                        self.progress("writing", done[0], total)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(exc)
                while todo.get() is not None:  # drain so that the producer never blocks
                    pass
            finally:
                connections.close_all()

        threads = [threading.Thread(target=writer, name=f"import-writer-{self.job.pk}-{i}", daemon=True)
                   for i in range(writers)]
        for t in threads:
            t.start()
        try:
            for chunk in chunks:
                if failure:
                    break
                self._prepare(chunk)
                todo.put(chunk)
        finally:
            for _ in threads:
                todo.put(None)
            for t in threads:
                t.join()
        if failure:
            raise failure[0]

    def _write_chunk(self, chunk: list[Row]) -> None:
        """Write one chunk in one transaction; a constraint broken by someone editing
        the same persons or households meanwhile rolls the chunk back and marks its
        rows ``import.conflict`` (raises _ChunkConflict). The rows' values are let go
        afterwards (only their issues are needed from here on)."""
        try:
            self._write_chunk_tx(chunk)
        finally:
            for row in chunk:
                row.values = _EMPTY
                row.id_info = None

    def _write_chunk_tx(self, chunk: list[Row]) -> None:
        try:
            with transaction.atomic():
                counts = self._write_chunk_rows(chunk)
                ImportJob.objects.filter(pk=self.job.pk).update(
                    created=F("created") + counts["created"], updated=F("updated") + counts["updated"],
                    unchanged=F("unchanged") + counts["unchanged"],
                    households_created=F("households_created") + counts["households"],
                    progress_done=F("progress_done") + len(chunk))
        except IntegrityError as exc:
            err = rules.issue("import.conflict")
            for row in chunk:
                self._issue(row, err)
                row.action = ""
                self.conflicts.append(row.errors[-1])
            raise _ChunkConflict from exc

    def _write_chunk_rows(self, chunk: list[Row]) -> dict:
        """Write one chunk's rows (inside the chunk's transaction). New households,
        persons and tags go in with one multi-row insert each (``executemany``, ``COPY``
        on PostgreSQL) built from column values, not model instances; changed persons
        with ``bulk_update``; every entry of the audit log with
        :func:`jiayuan.audit.services.record_bulk`."""
        now = timezone.now()
        counts = {"created": 0, "updated": 0, "unchanged": 0, "households": 0}
        # Rows planned as updates: their persons, locked. Rows planned as new: any that
        # someone registered meanwhile is locked and updated instead (one plain query,
        # usually finding nothing).
        planned = [r.id_hash for r in chunk if r.action == "update"]
        planned += _registered(r.id_hash for r in chunk if r.action != "update")
        persons = {p.id_number_hash: p for p in
                   Person.objects.select_for_update().filter(id_number_hash__in=planned)} if planned else {}
        if persons and any(r.tag_codes for r in chunk):
            # Their current tags as of now, not as of validation: a person registered (or
            # tagged) meanwhile by someone else must not get the same tag twice.
            fresh = current_tag_kinds(p.pk for p in persons.values())
            for p in persons.values():
                self.current_tags[p.pk] = fresh.get(p.pk, set())
        numbers = sorted({r.household_number for r in chunk if r.household_number})
        hhs = {h.number: h for h in
               Household.objects.select_for_update().filter(community_id=self.community, number__in=numbers)}
        items: list[dict] = []
        new_hh = [_KnownHousehold(None, n, self.hh_plan[n]["region"], self.hh_plan[n]["address"][:200])
                  for n in numbers if n not in hhs]
        if new_hh:
            ids = _insert(Household, [{"number": h.number, "community_id": self.community, "region_id": h.region_id,
                                       "address": h.address, "version": 1} for h in new_hh], self._hh_template, now)
            if ids is None:
                by_number = dict(Household.objects.filter(community_id=self.community, number__in=[
                    h.number for h in new_hh]).values_list("number", "pk"))
                ids = [by_number[h.number] for h in new_hh]
            for h, pk in zip(new_hh, ids):
                h.id = pk
            for h in new_hh:
                hhs[h.number] = h
                items.append({"action": "household.create", "object_type": "people.household", "object_id": h.pk,
                              "object_repr": h.number, "region_code": h.region_id,
                              "changes": {"address": [None, h.address], "number": [None, h.number]}})
            counts["households"] = len(new_hh)
        demoted: list[Person] = []
        updated: list[Person] = []
        created: list[tuple[dict, Row]] = []
        moved_tags: dict[int, str] = {}
        new_tags: list[tuple[int, str, str, str]] = []  # existing persons: (person id, name, kind, region)
        created_tags: list[tuple[int, str, str]] = []  # new persons: (person id, kind, region)
        for row in chunk:
            p = persons.get(row.id_hash)
            hh = hhs.get(row.household_number) if row.household_number else None
            if p is None:
                created.append((self._new_person(row, hh, now), row))
                continue
            if not p.region_id.startswith(self.region.code):
                raise IntegrityError("person moved out of scope during import")
            vals, member, tags = self._changes_for(p, row, hh)
            before = person_snapshot(p)
            apply_person_fields(p, vals)
            for key, value in member.items():
                if key == "household":  # a Household, or a household this chunk created
                    p.household_id = value.pk if value is not None else None
                else:
                    setattr(p, key, value)
            after = person_snapshot(p)
            changes = model_changes(before, after, AUDIT_REDACTED)
            for code in tags:
                new_tags.append((p.pk, p.name, code, p.region_id))
            if not changes and not tags:
                counts["unchanged"] += 1
                continue
            counts["updated"] += 1
            if changes:
                p.version += 1
                p.updated_at = now
                (demoted if before["relation_to_head"] == HEAD and after["relation_to_head"] != HEAD
                 else updated).append(p)
                if "region" in changes:
                    moved_tags[p.pk] = p.region_id
                items.append({"action": "person.update", "object_type": "people.person", "object_id": p.pk,
                              "object_repr": p.name, "region_code": p.region_id, "changes": changes,
                              "extra": {"row": row.number}})
        fields = ["name", "name_pinyin", "name_initials", "name_grams", "phone_cipher", "phone_hash",
                  "ethnic_group", "address", "note", "residence_status", "region", "household", "relation_to_head",
                  "version", "updated_at"]
        if demoted:
            Person.objects.bulk_update(demoted, fields)
        if updated:
            Person.objects.bulk_update(updated, fields)
        if created:
            cols = [c for c, _ in created]
            ids = _insert(Person, cols, self._person_template, now)
            if ids is None:
                by_hash = {}
                hashes = [c["id_number_hash"] for c in cols]
                for i in range(0, len(hashes), 900):
                    by_hash.update(Person.objects.filter(id_number_hash__in=hashes[i:i + 900])
                                   .values_list("id_number_hash", "pk"))
                ids = [by_hash[h] for h in hashes]
            for (c, row), pid in zip(created, ids):
                if row.tag_codes:
                    # Tags given at registration are part of the person.create entry.
                    created_tags.extend((pid, code, c["region_id"]) for code in row.tag_codes)
                items.append({"action": "person.create", "object_type": "people.person", "object_id": pid,
                              "object_repr": c["name"], "region_code": c["region_id"],
                              "changes_json": _create_changes_json(c, row.tag_codes), "extra": {"row": row.number}})
            counts["created"] = len(created)
        for pid, region_code in moved_tags.items():
            PersonTag.objects.filter(person_id=pid).update(region_id=region_code)
        if new_tags or created_tags:
            today = timezone.localdate()
            _insert(PersonTag, [{"person_id": pid, "kind_id": kind, "region_id": region, "valid_from": today,
                                 "source": PersonTag.Source.IMPORT} for pid, kind, region in
                                [(t[0], t[2], t[3]) for t in new_tags] + created_tags],
                    self._tag_template, now, want_ids=False)
            for pid, name, kind, region in new_tags:
                items.append({"action": "person.tag_add", "object_type": "people.person", "object_id": pid,
                              "object_repr": name, "region_code": region, "changes": {"tag": [None, kind]},
                              "extra": {"valid_from": today.isoformat(), "source": PersonTag.Source.IMPORT}})
        record_bulk(self.actor, items)
        return counts

    def _new_person(self, row: Row, hh, now, *, household_id: bool = True) -> dict:
        """Column values (by attname) of a new person: the row's values through
        :func:`jiayuan.people.services.person_field_deriver` (what ``apply_person_fields``
        sets: cipher text, keyed hashes, ID tails, pinyin and name grams, exactly as every
        other way of registering a person).
        ``household_id=False``: prepared ahead, the household's id is set later."""
        prepared = self._prepared.pop(row.number, None) if getattr(self, "_prepared", None) else None
        if prepared is not None:
            if hh is not None:
                prepared["household_id"] = hh.pk
                if not row.values.get("address"):
                    prepared["address"] = hh.address
            return prepared
        derive = getattr(self, "_derive", None)
        if derive is None:
            derive = self._derive = person_field_deriver()
        values = row.values
        applied = {k: v for k, v in values.items() if k != "relation_to_head"}
        if hh is not None and not applied.get("address"):
            applied["address"] = hh.address  # a member's home is the household's
        name = values["name"]
        search = self._names.get(name)
        if search is not None:  # computed by the helper with the same function the deriver uses
            del applied["name"]
        d = derive(applied)
        if search is not None:
            d["name"] = name
            d["name_pinyin"], d["name_initials"], d["name_grams"] = search
        d["region_id"] = (self.hh_plan[row.household_number]["region"] if hh is not None
                          else (row.region_code or self.region.code))
        if hh is not None:
            if household_id:
                d["household_id"] = hh.pk
            d["relation_to_head"] = row.relation
        return d

    # -------------------------------------------------------------- results

    def all_issues(self) -> list[Issue]:
        out = list(self.header_issues)
        for row in self.rows:
            out.extend(row.errors)
            out.extend(row.warnings)
        out.sort(key=lambda i: (i.row, 0 if i.level == "error" else 1))
        return out

    def _issue_model(self, i: Issue) -> ImportIssue:
        return ImportIssue(job=self.job, level=i.level, row=i.row, column=i.column[:100],
                           column_index=i.column_index, code=i.code, message=i.message, value=i.value)


def finish_job(job: ImportJob, issues: list, bad_rows: int) -> None:
    """Mark ``job`` done with its counts of rows in error and of warnings (every import kind)."""
    warnings = sum(1 for i in issues if i.level == "warning")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, errors=bad_rows, warnings=warnings, stage="done", finished_at=timezone.now())


def reject_job(job: ImportJob, exc: FileRejected) -> None:
    """Record a file refused as a whole (status ``rejected`` with its code and Chinese message)."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.REJECTED, error_code=exc.code, error_message=translate_rule_error(exc),
        stage="done", finished_at=timezone.now())


def fail_job(job: ImportJob) -> None:
    """Record an import that broke off unexpectedly (``import.failed``; the caller re-raises)."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error_code="import.failed", stage="done", finished_at=timezone.now(),
        error_message=translate_rule_error(rules.issue("import.failed")))


def interrupt_job(job_id: int) -> bool:
    """Record that the background worker running job ``job_id`` died under it (killed,
    or aborted by a native library): a job still ``pending`` or ``running`` becomes
    ``failed`` with ``import.interrupted`` and its Chinese message; whole chunks already
    written stay (see the module docstring) and :func:`retry_job` runs the file again.
    Returns whether the job was changed (a finished job is left as it is)."""
    return bool(ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING],
    ).update(status=ImportJob.Status.FAILED, error_code="import.interrupted", stage="done",
             finished_at=timezone.now(), error_message=translate_rule_error(rules.issue("import.interrupted"))))


def retry_job(actor: Actor, failed: ImportJob) -> ImportJob:
    """重试: a new job for the file of the ``failed`` job (from a scoped selector): same
    kind, region, stored file, sheet and options (``options.retry_of`` = its id), queued
    by the caller. Audited (``import.retry``). Raises FileRejected
    ``permission.denied`` (role or scope) or ``import.not_retryable`` (the job did not
    fail, or has no stored file: a command-line job is re-run from the command line)."""
    user = actor.user
    if user is not None and (not user.can(Perm.EDIT_REGISTRY)
                             or not failed.region_id.startswith(user.scope_code or "")):
        raise reject("permission.denied")
    if failed.status != ImportJob.Status.FAILED or not failed.file:
        raise reject("import.not_retryable")
    source = {"api": ImportJob.Source.API, "command": ImportJob.Source.COMMAND}.get(actor.source,
                                                                                   ImportJob.Source.PAGE)
    options = dict(failed.options, retry_of=failed.pk)
    with transaction.atomic():
        job = ImportJob(kind=failed.kind, source=source, created_by=user or failed.created_by, region=failed.region,
                        file_name=failed.file_name, file_size=failed.file_size, sha256=failed.sha256,
                        options=options)
        job.file.name = failed.file.name  # the same stored file
        job.save()
        record(actor, "import.retry", job, extra={"retry_of": failed.pk, "file_name": failed.file_name,
                                                      "error_code": failed.error_code})
    return job


def run_import(job: ImportJob, data: bytes, *, progress: Progress | None = None,
               cfg: Config | None = None, keep_sheet: bool = True) -> ImportResult:
    """Run ``job`` on the file's bytes ``data``; see the module docstring.

    Returns an :class:`ImportResult`; a file refused as a whole is not raised but
    recorded (job status ``rejected``, ``error_code``/``error_message``) and returned in
    ``result.rejected``. Unexpected exceptions mark the job ``failed`` and propagate.
    ``keep_sheet=False``: the sheet's cells are let go once the rows are validated (a
    large file's cells are most of the memory an import needs); ``result.sheet`` is then
    None and the error workbook is rebuilt from the stored file (:func:`error_workbook`).
    """
    cfg = cfg or config()
    engine = _Engine(job, data, progress, cfg)
    job.status, job.started_at, job.stage = ImportJob.Status.RUNNING, timezone.now(), "reading"
    job.save(update_fields=["status", "started_at", "stage"])
    result = ImportResult(job=job)
    frozen = False
    try:
        engine.read()
        _release_memory()  # the reader's buffers (python-calamine's cells) are garbage now
        engine.parse_rows()
        # The sheet's cells and rows live until the end: keep the cyclic garbage
        # collector from walking them again at every full collection.
        gc.freeze()
        frozen = True
        result.sheet, result.header_index, result.columns = engine.sheet, engine.header_index, engine.columns
        job.rows = len(engine.rows)
        job.stage, job.progress_total = "validating", job.rows
        job.save(update_fields=["sheet_name", "header_row", "rows", "stage", "progress_total"])
        engine.start_name_fields()
        engine.validate()
        if not keep_sheet:
            for row in engine.rows:
                row.raw = {}
            engine.sheet.rows = []
            result.sheet = None
            _release_memory()
        issues = engine.all_issues()
        ImportIssue.objects.bulk_create([engine._issue_model(i) for i in issues], batch_size=1000)
        bad = sum(1 for r in engine.rows if r.errors)
        if job.dry_run:
            counts = {a: sum(1 for r in engine.rows if not r.errors and r.action == a)
                      for a in ("create", "update", "unchanged")}
            ImportJob.objects.filter(pk=job.pk).update(created=counts["create"], updated=counts["update"],
                                                       unchanged=counts["unchanged"])
        elif not (job.all_or_nothing and bad):
            try:
                engine.write()
            except _ChunkConflict:
                ImportJob.objects.filter(pk=job.pk).update(created=0, updated=0, unchanged=0, households_created=0)
        result.issues = engine.all_issues()
        finish_job(job, result.issues, sum(1 for r in engine.rows if r.errors))
    except FileRejected as exc:
        result.rejected = exc
        reject_job(job, exc)
    except BaseException:
        fail_job(job)
        raise
    finally:
        engine.stop_helpers()
        if frozen:
            gc.unfreeze()
    job.refresh_from_db()
    return result


# ------------------------------------------------------------------ pages and API


def confirm_job(actor: Actor, preview: ImportJob, *, all_or_nothing: bool | None = None) -> ImportJob:
    """A new job that writes what the finished dry run ``preview`` (from a scoped
    selector) checked: same stored file, region and sheet; ``all_or_nothing`` as given
    (default: the preview's). Raises FileRejected ``permission.denied`` (role or
    scope), ``import.not_previewed`` when ``preview`` is not a finished dry run with its
    file."""
    user = actor.user
    if user is not None and (not user.can(Perm.EDIT_REGISTRY)
                             or not preview.region_id.startswith(user.scope_code or "")):
        raise reject("permission.denied")
    if not preview.dry_run or preview.status != ImportJob.Status.DONE or not preview.file:
        raise reject("import.not_previewed")
    source = {"api": ImportJob.Source.API}.get(actor.source, ImportJob.Source.PAGE)
    options = dict(preview.options, dry_run=False, preview_of=preview.pk)
    if all_or_nothing is not None:
        options["all_or_nothing"] = bool(all_or_nothing)
    job = ImportJob(kind=preview.kind, source=source, created_by=user, region=preview.region,
                    file_name=preview.file_name, file_size=preview.file_size, sha256=preview.sha256,
                    options=options)
    job.file.name = preview.file.name  # the same stored file: nothing uploaded twice
    job.save()
    return job


def error_workbook(job: ImportJob) -> bytes:
    """The error workbook of a finished job (from a scoped selector), rebuilt from its
    stored file and recorded issues: the sheet as read, a 错误原因 column, the cells at
    fault highlighted (see :mod:`.report`). Raises FileRejected ``import.no_report``
    when the job has no stored file (a command-line job) or never read its sheet."""
    import io

    from . import report

    if not job.file or job.header_row is None or job.status != ImportJob.Status.DONE:
        raise reject("import.no_report")
    with job.file.open("rb") as fh:
        data = fh.read()
    source = reading.open_source(data, job.file_name, config().limits)
    sheet = source.load(job.sheet_name if job.sheet_name in source.sheet_names else source.sheet_names[0])
    header_index = job.header_row - 1
    columns = rules.match_header_row(sheet.rows[header_index]).columns if header_index < len(sheet.rows) else {}
    issues = list(ImportIssue.objects.filter(job=job).order_by("row", "id"))
    out = io.BytesIO()
    report.write_report(out, sheet, header_index, columns, issues)
    return out.getvalue()


def _loggable_filters(filters: dict) -> dict:
    """The export's filters as the audit log may keep them: a search for a whole or
    partial ID number or phone is recorded masked (the log is append-only and must
    never hold them in clear)."""
    out = {k: v for k, v in filters.items() if v not in (None, "")}
    q = out.get("q")
    if isinstance(q, str) and q:
        kind, value = people_rules.classify_query(q)
        if kind == "id_number":
            out["q"] = people_rules.mask_id_number(value)
        elif kind == "phone":
            out["q"] = people_rules.mask_phone(value)
        elif kind == "id_tail":
            out["q"] = "*" * len(value)
        elif people_rules.document_candidates(q):  # a passport or permit number
            out["q"] = "*" * len(q.strip())
    return out


def download_error_workbook(actor: Actor, job: ImportJob) -> bytes:
    """The error workbook of ``job`` (from a scoped selector) for ``actor``: it repeats
    the uploaded sheet, whole ID numbers and phones included, so only the uploader or a
    role that may see whole numbers (view_sensitive) gets it, and every download is
    audited. Raises Forbidden; FileRejected when the stored file is gone."""
    from ..audit.services import record
    from ..errors import Forbidden

    user = actor.user
    if user is None or not (job.created_by_id == user.pk or user.can(Perm.VIEW_SENSITIVE)):
        raise Forbidden("permission_denied", gettext("错误工作簿含完整证件号码，只有上传人或有权查看完整号码的人员可以下载"))
    data = error_workbook(job)
    with transaction.atomic():
        record(actor, "import.report_download", job, region_code=job.region_id or "", object_repr=job.file_name[:200])
    return data


def report_file_name(job: ImportJob) -> str:
    """``<original name>-错误原因.xlsx``."""
    base = job.file_name.rsplit(".", 1)[0] or "台账"
    return f"{base}-错误原因.xlsx"


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RosterExport:
    """A roster to send: ``chunks`` (bytes, streamed while read), ``file_name``
    (Chinese, see :func:`export.roster_file_names`), ``ascii_name``, ``content_type``,
    ``rows`` (persons in the file)."""

    chunks: object
    file_name: str
    ascii_name: str
    content_type: str
    rows: int


def export_roster(actor: Actor, *, what: str, persons, filters: dict, region: Region | None, fmt: str,
                  encoding: str = "utf-8", sensitive: bool = False, filter_parts=()) -> RosterExport:
    """The one export of a roster for pages and API: the persons of ``persons`` (a
    scoped, filtered Person queryset; ``what`` ``person`` or ``household`` for the
    members of households) as ``fmt`` (``xlsx`` / ``csv`` with ``encoding``), audited
    first (:func:`record_export`, region ``region``). ``region`` is the filtered region,
    else the user's scope region (None: the whole tree); the file name and the title row
    name it and the local date (``交通巷社区-居民花名册-2026-12-07-脱敏.xlsx``).
    ``filter_parts`` (``["标签：残疾人"]``) describe the filter in the title row. The
    caller checks the rights (``export``; ``export_sensitive`` for ``sensitive``) and
    that ``fmt`` and ``encoding`` are known."""
    from . import export

    persons = export.persons_for_export(persons)
    rows = persons.count()
    record_export(actor, what=what, filters=filters, rows=rows, fmt=fmt, sensitive=sensitive,
                  region_code=region.code if region is not None else "")
    now = timezone.localtime()
    name, ascii_name = export.roster_file_names(what, region, now.date(), sensitive=sensitive, fmt=fmt)
    headers = export.roster_headers(sensitive)
    data = export.person_rows(persons, sensitive=sensitive)
    if fmt == "csv":
        chunks = export.stream_csv(data, encoding=encoding, headers=headers)
        content_type = f"text/csv; charset={'utf-8' if encoding == 'utf-8' else 'gb18030'}"
    else:
        user = actor.user
        who = (getattr(user, "full_name", "") or getattr(user, "username", "")) if user is not None else ""
        label = gettext(export.ROSTER_LABELS[what])
        title = export.roster_title(label, region, list(filter_parts), who, now, gettext("全部"))
        _writer, chunks = export.stream_xlsx(data, sheet_name=label, title=title, headers=headers)
        content_type = XLSX_TYPE
    return RosterExport(chunks=chunks, file_name=name, ascii_name=ascii_name, content_type=content_type, rows=rows)


def record_export(actor: Actor, *, what: str, filters: dict, rows: int, fmt: str, sensitive: bool,
                  region_code: str = "") -> None:
    """Audit one export (``person.export`` / ``household.export``): who, the filter
    used, the number of rows, the format and whether ID numbers and phones were
    whole. Recorded before the file is sent (PIPL: every export is traceable)."""
    from ..audit.services import record

    with transaction.atomic():
        record(actor, f"{what}.export", object_type=f"people.{what}", region_code=region_code,
               extra={"filters": _loggable_filters(filters), "rows": rows,
                      "format": fmt, "sensitive": bool(sensitive)})
