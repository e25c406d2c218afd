"""Stage 1, **read**: the file's bytes → the sheet, its header row and its data rows
(:class:`Read`). Limits, real format and the sheet's cells are :mod:`..reading`'s; here
the header row is found (below titles, blank rows and merged group labels, by the
synonyms of :mod:`..rules`), unknown and repeated columns become warnings, and every
row with a value in a known column becomes a :class:`~.common.Row`.

:func:`find_header` is also the beneficiary import's (:mod:`..beneficiaries`), with its
own header matching."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...errors import translate_rule_error
from .. import reading, rules
from ..models import ImportJob
from ..rules import reject
from .common import HEADER_SCAN_ROWS, Cells, Header, Issue, Row

__all__ = ["Read", "find_header", "read", "parse_rows"]


@dataclass
class Read:
    """What reading found: the ``sheet``, the index of its header row, the ``header``
    (columns and their texts), the header's warnings and (after :func:`parse_rows`) the
    data ``rows``."""

    sheet: reading.Sheet
    header_index: int
    header: Header
    header_issues: list[Issue] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


def find_header(source: reading.Source, wanted: str | None, *,
                match: Callable[[list], rules.HeaderMatch] = rules.match_header_row,
                synonyms: dict = rules.COLUMNS) -> tuple[reading.Sheet, int, rules.HeaderMatch]:
    """The sheet, the index of its header row and the header's match: in sheet
    ``wanted`` if given, else in the first sheet (in ``source``'s order) with a header
    row within its first ``HEADER_SCAN_ROWS`` rows. ``match(cells)`` reads one row as a
    header; ``synonyms`` give the accepted headers of ``name`` and ``id_number`` for the
    message of a header that lacks one of them.

    Raises FileRejected ``sheet.not_found``, ``header.missing_column`` (a row names one
    of 姓名/身份证号 but not the other: the first sheet's failure) or
    ``header.not_found``."""
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
        partial = None
        for i, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            found = match(cells)
            if found.is_header:
                return sheet, i, found
            if partial is None and ("name" in found.columns or "id_number" in found.columns):
                partial = found
        if partial is not None:
            missing = "id_number" if "id_number" not in partial.columns else "name"
            syns = synonyms[missing]
            failure = reject("header.missing_column", column=syns[0], synonyms="、".join(syns))
        else:
            failure = reject("header.not_found", sheet=sheet.name, rows=HEADER_SCAN_ROWS)
        first_failure = first_failure or failure
    raise first_failure


def read(job: ImportJob, data: bytes, limits: reading.Limits) -> Read:
    """Open ``data`` (the file of ``job``) within ``limits``, find its header row (in the
    sheet of ``job.options["sheet"]`` if given) and record the sheet's name and header
    row on ``job`` (not saved). Header warnings: ``column.unknown``,
    ``column.duplicate``. Raises FileRejected (see :func:`find_header` and
    :func:`jiayuan.imports.reading.open_source`)."""
    source = reading.open_source(data, job.file_name, limits)
    sheet, header_index, match = find_header(source, job.options.get("sheet"))
    header = Header(match.columns, match.headers)
    job.sheet_name = sheet.name[:100]
    job.header_row = header_index + 1
    number = header_index + 1

    def warning(idx: int, err) -> Issue:
        return Issue("warning", number, match.headers[idx], idx, err.code, translate_rule_error(err))

    issues = [warning(idx, rules.issue("column.unknown", header=match.headers[idx])) for idx in match.unknown]
    for idx in match.duplicates:
        fname = rules.field_for_header(sheet.rows[header_index][idx])
        first = match.headers[match.columns[fname]]
        issues.append(warning(idx, rules.issue("column.duplicate", header=match.headers[idx], first=first)))
    return Read(sheet, header_index, header, issues)


def parse_rows(read: Read) -> list[Row]:
    """The data rows below the header: every row with a value in a known column (a row
    blank in them is skipped), numbered as the sheet numbers them."""
    cols = read.header.columns
    idxs = list(cols.values())
    is_blank = rules.is_blank
    rows = []
    sheet_rows = read.sheet.rows
    for i in range(read.header_index + 1, len(sheet_rows)):
        cells = sheet_rows[i]
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
    return rows
