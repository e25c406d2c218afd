"""What the stages of the import engine pass to each other: the configuration, a data
row (:class:`Row`) with its issues (:class:`Issue`), the header found (:class:`Header`,
which words an issue in the file's own column names), and what the registry already
holds (:class:`Known`, :class:`KnownHousehold`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...audit.services import Actor
from ...errors import translate_rule_error
from ...people import rules as people_rules
from .. import reading, rules
from ..bulk import setting
from ..models import ImportIssue, ImportJob

HEAD = people_rules.HEAD_RELATION
HEADER_SCAN_ROWS = 30
MISSING = object()
EMPTY: dict = {}


# ------------------------------------------------------------------ configuration


@dataclass(frozen=True)
class Config:
    """Limits and chunk size; from settings ``IMPORT_*`` or environment ``JIAYUAN_IMPORT_*``."""

    limits: reading.Limits
    chunk_rows: int = 5000
    parallel_names: int = 5000


def config() -> Config:
    """The import configuration in force. Defaults: 50 MB file, 10,000 ZIP entries,
    512 MB uncompressed, 200,000 rows, 1,024 columns, 6,000,000 cells (rows × columns
    from A1), chunks of 5,000 rows (fewer commits: each one
    rewrites the pages of the random-keyed indexes it touched)."""
    d = reading.Limits()
    return Config(
        limits=reading.Limits(
            max_bytes=setting("IMPORT_MAX_BYTES", d.max_bytes),
            max_zip_entries=setting("IMPORT_MAX_ZIP_ENTRIES", d.max_zip_entries),
            max_uncompressed=setting("IMPORT_MAX_UNCOMPRESSED", d.max_uncompressed),
            max_rows=setting("IMPORT_MAX_ROWS", d.max_rows),
            max_columns=setting("IMPORT_MAX_COLUMNS", d.max_columns),
            max_cells=setting("IMPORT_MAX_CELLS", d.max_cells),
        ),
        chunk_rows=max(1, setting("IMPORT_CHUNK_ROWS", 5000)),
        parallel_names=setting("IMPORT_PARALLEL_NAMES", 5000),
    )


# ------------------------------------------------------------------ rows and issues


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
    cells by field name (:class:`Cells`, or a dict). Validation fills ``values`` (the
    spine's clean values), ``id_info``, ``id_hash`` and the household, grid and tags;
    planning sets ``action`` (``create``, ``update``, ``unchanged``, or "" for a row
    in error)."""

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
class Header:
    """The header row found: ``columns`` (field → column index) and ``headers`` (column
    index → the header as written). Words the issues of a row in the file's terms."""

    columns: dict[str, int]
    headers: dict[int, str]

    def header_text(self, fname: str) -> str:
        idx = self.columns.get(fname)
        return self.headers.get(idx, rules.COLUMNS[fname][0]) if idx is not None else ""

    def issue(self, row: Row, err: people_rules.RuleError, level: str = "error", fname: str | None = None) -> None:
        """Add ``err`` to ``row`` (its errors, or warnings), with the column it concerns
        (``fname``, else the error's field) and the cell's value masked as the error
        workbook may show it."""
        fname = fname or err.field or ""
        idx = self.columns.get(fname)
        raw = row.raw.get(fname) if fname else None
        value = rules.masked_cell(fname, rules.cell_text(raw), id_type=row.id_type)
        item = Issue(level, row.number, self.header_text(fname) if fname in self.columns else "",
                     idx if fname in self.columns else None, err.code, translate_rule_error(rules.redacted(err)),
                     value[:200])
        (row.errors if level == "error" else row.warnings).append(item)


def issue_records(job: ImportJob, issues: list[Issue]) -> list[ImportIssue]:
    """The :class:`ImportIssue` rows (unsaved) of ``issues`` of ``job``."""
    return [ImportIssue(job=job, level=i.level, row=i.row, column=i.column[:100], column_index=i.column_index,
                        code=i.code, message=i.message, value=i.value) for i in issues]


def job_actor(job: ImportJob) -> Actor:
    """The actor on whose behalf a job writes: its user (None for the command), source
    ``command`` for the command line and ``import`` otherwise, ``{"import_job": id}``."""
    source = "command" if job.source == ImportJob.Source.COMMAND else "import"
    return Actor(job.created_by, source, {"import_job": job.pk})


def sorted_issues(header_issues: list, rows) -> list:
    """Every issue of a file in sheet order: the header's, then each row's, errors
    before warnings within a row (rows of any import kind with ``errors`` and
    ``warnings``)."""
    out = list(header_issues)
    for row in rows:
        out.extend(row.errors)
        out.extend(row.warnings)
    out.sort(key=lambda i: (i.row, 0 if i.level == "error" else 1))
    return out


# ------------------------------------------------------------------ what the registry holds


class Known:
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


class KnownHousehold:
    """A registered household of the file's community (what planning needs)."""

    COLUMNS = ("id", "number", "region_id", "address")
    __slots__ = COLUMNS

    def __init__(self, *values):
        for name, value in zip(self.COLUMNS, values):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id


# ------------------------------------------------------------------ cells


def blank(v) -> bool:
    """:func:`rules.is_blank` with the common cases first."""
    if v is None or v == "":
        return True
    if v.__class__ is str and v.isascii():
        return not v.strip()
    return rules.is_blank(v)


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def address_text(value) -> str:
    """An address as :func:`jiayuan.people.services.clean_person` stores it."""
    return " ".join(people_rules.normalize_text(str(value or "")).split())
