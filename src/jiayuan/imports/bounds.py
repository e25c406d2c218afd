"""The sheet-extent guard: how far a workbook's cells reach, checked before python-calamine
builds a single range.

python-calamine turns every sheet into a dense rectangle from A1 to the last cell it
holds (``Range::from_sparse``; 32 bytes a cell, and ``to_python`` a Python list slot
more), and it does so before any row limit of ours can be checked: for ``.xls`` and
``.ods`` inside ``CalamineWorkbook.from_filelike`` itself, for ``.xlsx`` in
``get_sheet_by_name``. One value at A1 and one at XFD1048576 (a 1.6 KB file) asks for
17,179,869,184 cells, 512 GiB; the allocation fails and Rust aborts the whole process
(no Python exception). Likewise an ``.xls`` DIMENSIONS record is turned into a
``reserve`` of rows × columns, and an ``.xls`` shared-string count into a ``Vec``
capacity, whatever the file holds.

So each format is read here first, streaming and with bounded memory, exactly as far
as needed to know the extent calamine would build, and refused when it passes
:class:`~jiayuan.imports.reading.Limits` (``max_rows``, ``max_columns``, ``max_cells``
= rows × columns of the rectangle from A1):

- ``.xlsx``: every part (calamine reads whichever part the relationships name), as :func:`~jiayuan.imports.reading.check_zip` inflates it
  (one inflation serves both): the ``<dimension ref>``, every ``<mergeCell ref>``, and
  every cell that holds a value (a ``<c>`` with content; an empty ``<c .../>`` holds
  none, as calamine reads it). Cells are found by a regular expression over the
  inflated text; when a cell has no (or no usable) ``r`` attribute its place follows
  from the cells and rows before it, and that part is read again with expat, position
  by position, as calamine does.
- ``.ods``: ``content.xml`` with expat: rows and cells counted with their
  ``number-rows-repeated`` / ``number-columns-repeated`` (a 2 KB file can repeat one
  value 10⁹ times), merged areas (``number-*-spanned``); empty trailing repeats
  (LibreOffice pads every sheet with them) are not cells.
- ``.xls``: the OLE2 ``Workbook`` stream (olefile) and its BIFF records: the SST count,
  each sheet's DIMENSIONS, every value record's row and column (MULRK: its last
  column), MERGEDCELLS.

Errors raised: FileRejected ``file.too_many_rows`` (rows past ``max_rows`` and nothing
else wrong, as the row limit always said), ``file.sheet_extent`` (a cell, declared
dimension or merged area past the column or cell limits), ``file.corrupt`` (structures
calamine would misread: a DIMENSIONS end before its start, an SST count beyond the
bytes that could hold it, a sheet offset outside the stream, an unparsable repeat
count), ``file.xml_entities`` (a DTD met by the expat passes).
"""

from __future__ import annotations

import re
import struct
import xml.parsers.expat
import zlib
from typing import TYPE_CHECKING

from . import rules
from .rules import reject

if TYPE_CHECKING:  # pragma: no cover
    from .reading import Limits

__all__ = ["col_name", "cell_name", "XlsxPartScanner", "OdsContentScanner", "check_xls"]

MAX_TAG = 1 << 20
"""A single XML tag longer than this (1 MiB) is refused as corrupt: the streaming scan
keeps at most one unfinished tag between two inflated chunks."""


def col_name(col: int) -> str:
    """0-based column index → letters: ``0`` → ``"A"``, ``16383`` → ``"XFD"``."""
    out = ""
    col += 1
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_name(row: int, col: int) -> str:
    """0-based (row, col) → an A1 reference: ``(1048575, 16383)`` → ``"XFD1048576"``."""
    return f"{col_name(col)}{row + 1}"


def _col_index(letters: bytes | str) -> int:
    """Letters (any case) → 0-based column index; ``b"XFD"`` → ``16383``."""
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.upper().decode("ascii"):
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _ref(ref: bytes | str) -> tuple[int, int] | None:
    """An A1 reference → 0-based (row, col); None when it is not one."""
    m = _REF_RE.fullmatch(ref if isinstance(ref, str) else ref.decode("ascii", "replace"))
    if not m:
        return None
    return int(m.group(2)) - 1, _col_index(m.group(1))


_REF_RE = re.compile(r"\$?([A-Za-z]{1,10})\$?([0-9]{1,12})")


def _limit_error(limits: Limits, row: int, col: int, *, declared: bool) -> rules.FileRejected:
    return reject("file.sheet_extent", cell=cell_name(row, col), rows=row + 1, cols=col + 1,
                  max_rows=limits.max_rows, max_cols=limits.max_columns,
                  max_cells=f"{limits.max_cells:,}")


def check_extent(limits: Limits, max_row: int, max_col: int, *, declared: bool = False) -> None:
    """Refuse a sheet whose cells reach 0-based ``(max_row, max_col)``: the rectangle
    from A1 is ``(max_row + 1) × (max_col + 1)`` cells. Too many columns or cells:
    ``file.sheet_extent``; too many rows only: ``file.too_many_rows`` (the message the
    row limit always had). ``declared``: the extent comes from a dimension or merged
    area, not from value cells. A negative index means "no cell"."""
    if max_row < 0 or max_col < 0:
        return
    height, width = max_row + 1, max_col + 1
    if width > limits.max_columns or height * width > limits.max_cells:
        raise _limit_error(limits, max_row, max_col, declared=declared)
    if height > limits.max_rows:
        raise reject("file.too_many_rows", limit=limits.max_rows)


# ------------------------------------------------------------------ xlsx

_P = rb"<(?:[A-Za-z_][\w.\-]*:)?"
_ATTR = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
# The usual cell, as Excel, WPS, openpyxl and xlsxwriter write it, begins ``<c r="A1"``.
# One pattern with the literal prefix ``<c`` (a fast scan) finds, per cell that matters:
# group 1, a ``<c`` opening of any other form (no ``r``, attributes in another order,
# other quotes: the exact pass decides); group 2, a column of two or more letters;
# group 3, a row number of at least D digits (D = the digits of ``max_rows``).
_PREFIXED_CELL = re.compile(rb':c[\s/>]')
"""A ``<x:c`` opening (or text that looks like one: the exact pass decides)."""


def _cell_pattern(digits: int):
    return re.compile(rb'<c(?:(?! r="[A-Za-z]{1,10}[0-9]{1,12}")([\s/>])'
                      rb'| r="(?:([A-Za-z]{2,10})[0-9]|[A-Za-z]{1,10}([0-9]{%d,12})"))' % digits)


_SHEET_DATA = re.compile(_P + rb"sheetData[\s/>]")
_DIMENSION = re.compile(_P + rb"dimension(?:" + _ATTR + rb")*?\s+ref\s*=\s*[\"']([^\"']*)[\"']")
_MERGE = re.compile(_P + rb"mergeCell(?:" + _ATTR + rb")*?\s+ref\s*=\s*[\"']([^\"']*)[\"']")


def _whole_tags(scanner, chunk: bytes, kind: str) -> bytes | None:
    """What a streaming scanner may read of ``scanner.tail + chunk``: everything before
    the last ``<`` (whole tags and text), or None when there is no ``<``; the rest
    waits in ``scanner.tail`` for the next chunk. Raises FileRejected ``file.corrupt``
    (``kind`` names the format) when what waits is longer than any tag may be."""
    buf = scanner.tail + chunk
    cut = buf.rfind(b"<")
    if cut < 0:
        scanner.tail = b""
        return None
    head, scanner.tail = buf[:cut], buf[cut:]
    if len(scanner.tail) > MAX_TAG:
        raise reject("file.corrupt", kind=kind)
    return head


class XlsxPartScanner:
    """Streaming extent check of one part of an ``.xlsx``: :meth:`feed` it the
    inflated chunks in order, then :meth:`close`. ``reinflate`` (no arguments) yields
    the part's inflated chunks again, for the exact pass when some cell has no ``r``.
    Raises FileRejected (see the module docstring)."""

    def __init__(self, limits: Limits, reinflate):
        self.limits = limits
        self.reinflate = reinflate
        self.tail = b""
        self.started = False
        self.in_data = False
        self.max_row = self.max_col = -1
        self.positional = False  # some value cell has no usable r: exact pass needed
        self.cell_pattern = _cell_pattern(len(str(limits.max_rows)))

    def feed(self, chunk: bytes) -> None:
        if not self.started and chunk:
            self.started = True
            # Only ASCII-compatible encodings are read by the patterns below (Excel and
            # WPS write UTF-8); a UTF-16 part is refused rather than misread.
            if chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
                raise reject("file.corrupt", kind="Excel 工作簿（.xlsx）")
        head = _whole_tags(self, chunk, "Excel 工作簿（.xlsx）")
        if head is not None:
            self._scan(head)

    def close(self) -> None:
        self._scan(self.tail)
        self.tail = b""
        if self.positional:
            # Some cell is not of the usual form, or the usual cells (counted with the
            # empty ones) reach past the limits: count cells with content exactly.
            self.max_row = self.max_col = -1
            self._exact()
        check_extent(self.limits, self.max_row, self.max_col)

    def _declared(self, ref: bytes) -> None:
        ends = [_ref(p) for p in ref.split(b":") if p.strip()]
        for end in ends:
            if end is None:
                continue  # calamine reports a malformed reference itself
            check_extent(self.limits, end[0], end[1], declared=True)

    def _scan(self, text: bytes) -> None:
        # Dimension and merged areas wherever they are; cells from the first
        # <sheetData> on (nothing after it is trusted to end it: a comment could).
        if not text:
            return
        if b"dimension" in text:
            for m in _DIMENSION.finditer(text):
                self._declared(m.group(1))
        if b"mergeCell" in text:
            for m in _MERGE.finditer(text):
                self._declared(m.group(1))
        if not self.in_data:
            m = _SHEET_DATA.search(text) if b"sheetData" in text else None
            if m is None:
                return
            self.in_data = True
            text = text[m.start():]
        if not self.positional:
            self._cells(text)

    def _cells(self, text: bytes) -> None:
        """The usual cells' extent, empty cells counted too (a superset of calamine's).

        Columns: only cells with two or more letters are collected (a sheet without any
        reaches column Z at most); rows: only rows with as many digits as
        ``max_rows`` (fewer digits: below 10^(D-1)). When these upper bounds break the
        limits, or a cell is not of the usual form, the exact pass decides."""
        if b":c" in text and _PREFIXED_CELL.search(text):
            self.positional = True
            return
        found = self.cell_pattern.findall(text)
        if not found:
            if b'<c r="' not in text:
                return
            wide, rows = (), ()
        else:
            odd, wide, rows = zip(*found)
            if any(odd):
                self.positional = True
                return
        wide = set(wide) - {b""}
        rows = [r for r in set(rows) if r]
        col = max(_col_index(c) for c in wide) if wide else 25
        digits = len(str(self.limits.max_rows))
        row = max(map(int, rows)) - 1 if rows else 10 ** (digits - 1) - 2
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        try:
            check_extent(self.limits, self.max_row, self.max_col)
        except rules.FileRejected:
            self.positional = True  # an upper bound, or empty cells, may be what reaches that far

    def _exact(self) -> None:
        """Positions as calamine's cell reader gives them: a ``<row r>`` sets the row,
        ``</row>`` moves to the next row and column A, a ``<c r>`` sets row and column,
        a ``<c>`` without ``r`` takes the current ones; the column moves on after each
        ``<c>``. Only cells with content count."""
        state = {"row": 0, "col": 0, "cell": None, "filled": False, "data": False}
        limits = self.limits

        def start(name, attrs):
            local = name.rsplit(":", 1)[-1]
            if local == "sheetData":
                state["data"] = True
                return
            if not state["data"]:
                return
            if state["cell"] is not None:
                state["filled"] = True
            elif local == "row":
                r = attrs.get("r")
                if r is not None:
                    if not r.strip().isdigit() or int(r) < 1:
                        raise reject("file.corrupt", kind="Excel 工作簿（.xlsx）")
                    state["row"] = int(r) - 1
            elif local == "c":
                r = attrs.get("r")
                if r is not None:
                    pos = _ref(r)
                    if pos is None or pos[0] < 0:
                        raise reject("file.corrupt", kind="Excel 工作簿（.xlsx）")
                    state["col"] = pos[1]
                else:
                    pos = (state["row"], state["col"])
                state["cell"], state["filled"] = pos, False

        def end(name):
            local = name.rsplit(":", 1)[-1]
            if not state["data"]:
                return
            elif local == "c" and state["cell"] is not None:
                if state["filled"]:
                    row, col = state["cell"]
                    self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
                    check_extent(limits, self.max_row, self.max_col)
                state["cell"] = None
                state["col"] += 1
            elif local == "row" and state["cell"] is None:
                state["row"] += 1
                state["col"] = 0

        parser = _expat()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        try:
            for chunk in self.reinflate():
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError:
            raise reject("file.corrupt", kind="Excel 工作簿（.xlsx）") from None


def _no_dtd(*_args):
    raise reject("file.xml_entities")


def _expat():
    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


# ------------------------------------------------------------------ ods

_ODS_VALUE_ATTRS = frozenset({"value-type", "value", "string-value", "date-value", "time-value",
                              "boolean-value", "formula"})


_ODS_OPEN = re.compile(rb"<table:(?:table-row|table-cell|covered-table-cell|table)[\s/>]")
_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell|table)((?:\s[^>]*)?)>")
_GT_IN_VALUE = re.compile(rb"""=\s*"[^"]*>|=\s*'[^']*>""")
"""A ``>`` inside a quoted attribute value (or text that looks like one): ``_ODS_TAG``
would cut that tag short, so the expat pass decides."""
_ODS_NUMBER = {k: re.compile(rb"\stable:" + k.encode() + rb"\s*=\s*[\"']([0-9]{1,18})[\"']")
               for k in ("number-columns-repeated", "number-rows-repeated", "number-columns-spanned",
                         "number-rows-spanned")}


class _Fallback(Exception):
    """The fast pass met something it does not read exactly: the expat pass decides."""


class OdsContentScanner:
    """Streaming extent check of an ``.ods`` ``content.xml``: :meth:`feed` the inflated
    chunks, then :meth:`close`. Rows and columns advance by their repeat counts; a cell
    holds a value when it has a value type, a value or a formula (as calamine reads
    it); merged areas (``number-columns-spanned`` / ``number-rows-spanned``) count
    whole. Raises FileRejected.

    A fast pass reads the ``<table:…>`` tags with regular expressions (calamine itself
    matches these exact names); a tag it cannot read exactly (other quoting, an entity
    in a count, a malformed tag) sends the whole part to the expat pass (any prefix,
    values unescaped), ``reinflate`` (no arguments) giving its inflated chunks again.
    Without ``reinflate`` only the expat pass runs."""

    def __init__(self, limits: Limits, reinflate=None):
        self.limits = limits
        self.reinflate = reinflate
        self.exact = reinflate is None
        self.tail = b""
        self._reset()
        self.parser = self._parser() if self.exact else None

    def _reset(self) -> None:
        self.row = 0          # first row of the current <table-row>
        self.repeats = 0      # its number-rows-repeated (0 before the first row)
        self.col = 0
        self.max_row = self.max_col = -1

    def _parser(self):
        parser = _expat()
        parser.StartElementHandler = self._start
        return parser

    @staticmethod
    def _count(value) -> int:
        try:
            n = int(value)
        except ValueError:
            raise reject("file.corrupt", kind="OpenDocument 表格（.ods）") from None
        if n < 0:
            raise reject("file.corrupt", kind="OpenDocument 表格（.ods）")
        return n

    def _cell(self, n: int, filled: bool, spans: dict | None) -> None:
        col = self.col
        self.col += n
        if filled and n:
            self.max_row = max(self.max_row, self.row + max(self.repeats, 1) - 1)
            self.max_col = max(self.max_col, col + n - 1)
            check_extent(self.limits, self.max_row, self.max_col)
        if spans:
            check_extent(self.limits, self.row + spans.get("number-rows-spanned", 1) - 1,
                         col + spans.get("number-columns-spanned", 1) - 1, declared=True)

    def _row(self, repeats: int) -> None:
        self.row += self.repeats
        self.repeats = repeats
        self.col = 0

    # -- the expat pass

    def _start(self, name: str, attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "table-cell" or local == "covered-table-cell":
            n, filled, spans = 1, False, None
            for key, value in attrs.items():
                k = key.rsplit(":", 1)[-1]
                if k == "number-columns-repeated":
                    n = self._count(value)
                elif k in _ODS_VALUE_ATTRS:
                    filled = True
                elif k == "number-columns-spanned" or k == "number-rows-spanned":
                    spans = spans or {}
                    spans[k] = self._count(value)
            self._cell(n, filled, spans)
        elif local == "table-row":
            repeats = 1
            for key, value in attrs.items():
                if key.rsplit(":", 1)[-1] == "number-rows-repeated":
                    repeats = self._count(value)
            self._row(repeats)
        elif local == "table":
            self._reset()

    def _parse(self, chunk: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(chunk, final)
        except xml.parsers.expat.ExpatError:
            raise reject("file.corrupt", kind="OpenDocument 表格（.ods）") from None

    # -- the fast pass

    @staticmethod
    def _number(attrs: bytes, key: str) -> int | None:
        m = _ODS_NUMBER[key].search(attrs)
        if m is None:
            if key.encode() in attrs:
                raise _Fallback
            return None
        return int(m.group(1))

    def _scan(self, text: bytes) -> None:
        if _GT_IN_VALUE.search(text):
            raise _Fallback
        tags = _ODS_TAG.findall(text)
        if len(tags) != len(_ODS_OPEN.findall(text)):
            raise _Fallback
        limits = self.limits
        row, reps, col, max_row, max_col = self.row, self.repeats, self.col, self.max_row, self.max_col
        last_row = row + max(reps, 1) - 1
        for name, attrs in tags:
            if name == b"table-cell" or name == b"covered-table-cell":
                if b"repeated" in attrs or b"spanned" in attrs:  # the rare cell: the general path
                    self.row, self.repeats, self.col, self.max_row, self.max_col = row, reps, col, max_row, max_col
                    n, spans = 1, None
                    if b"repeated" in attrs:
                        number = self._number(attrs, "number-columns-repeated")
                        n = 1 if number is None else number
                    if b"spanned" in attrs:
                        spans = {k: v for k in ("number-columns-spanned", "number-rows-spanned")
                                 if (v := self._number(attrs, k)) is not None}
                    self._cell(n, b"office:" in attrs or b"table:formula" in attrs, spans)
                    col, max_row, max_col = self.col, self.max_row, self.max_col
                    continue
                if (b"office:" in attrs or b"table:formula" in attrs) and (last_row > max_row or col > max_col):
                    max_row, max_col = max(max_row, last_row), max(max_col, col)
                    check_extent(limits, max_row, max_col)
                col += 1
            elif name == b"table-row":
                row += reps
                reps, col = 1, 0
                if b"repeated" in attrs:
                    if b"&" in attrs:
                        raise _Fallback  # calamine unescapes the row count
                    number = self._number(attrs, "number-rows-repeated")
                    reps = 1 if number is None else number
                last_row = row + max(reps, 1) - 1
            else:
                row = reps = col = 0
                max_row = max_col = last_row = -1
        self.row, self.repeats, self.col, self.max_row, self.max_col = row, reps, col, max_row, max_col

    def feed(self, chunk: bytes) -> None:
        if self.exact:
            if self.reinflate is None:
                self._parse(chunk)
            return  # the expat pass reads the part again at close
        head = _whole_tags(self, chunk, "OpenDocument 表格（.ods）")
        if head is None:
            return
        try:
            self._scan(head)
        except _Fallback:
            self.exact = True

    def close(self) -> None:
        if not self.exact:
            try:
                self._scan(self.tail)
                return
            except _Fallback:
                self.exact = True
        if self.reinflate is not None:
            self._reset()
            self.parser = self._parser()
            for chunk in self.reinflate():
                self._parse(chunk)
        self._parse(b"", True)


# ------------------------------------------------------------------ xls

_XLS_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})
"""NUMBER, LABEL, BOOLERR, RK, LABELSST, FORMULA: row and column in their first 4 bytes."""
_XLS_KIND = "Excel 97-2003 工作簿（.xls）"


def _records(stream: bytes, pos: int):
    """(type, data) of the BIFF records from ``pos`` until EOF (0x000A) or the end."""
    end = len(stream)
    while pos + 4 <= end:
        typ, size = struct.unpack_from("<HH", stream, pos)
        pos += 4
        if pos + size > end:
            raise reject("file.corrupt", kind=_XLS_KIND)
        yield typ, stream[pos:pos + size]
        pos += size
        if typ == 0x000A:
            return


def check_xls(data: bytes, limits: Limits) -> None:
    """Refuse an ``.xls`` (OLE2 + BIFF5/8) whose sheets reach past the limits, or whose
    records would make calamine reserve memory the file does not hold: each sheet's
    DIMENSIONS (read as calamine reads it), every value record's position, MULRK's last
    column, MERGEDCELLS areas, and the SST's declared string count (each string takes
    at least 3 bytes of the SST and its CONTINUE records). Raises FileRejected."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        name = "Workbook" if ole.exists("Workbook") else "Book" if ole.exists("Book") else None
        if name is None:
            ole.close()
            return  # no workbook stream: calamine refuses it (file.corrupt)
        stream = ole.openstream(name).read()
        ole.close()
    except (OSError, ValueError, IndexError, struct.error, EOFError, TypeError, AttributeError,
            ZeroDivisionError, MemoryError, RecursionError):
        raise reject("file.corrupt", kind=_XLS_KIND) from None

    sheets: list[int] = []
    sst_at = None
    sst_bytes = 0
    for typ, rec in _records(stream, 0):
        if typ == 0x0085 and len(rec) >= 4:  # BOUNDSHEET
            sheets.append(struct.unpack_from("<I", rec)[0])
        elif typ == 0x00FC:  # SST
            if len(rec) < 8:
                raise reject("file.corrupt", kind=_XLS_KIND)
            sst_at, sst_bytes = struct.unpack_from("<i", rec, 4)[0], len(rec) - 8
        elif typ == 0x003C and sst_at is not None and sst_bytes >= 0:  # CONTINUE of the SST
            sst_bytes += len(rec)
        elif sst_at is not None and typ != 0x003C:
            if sst_at < 0 or sst_at * 3 > sst_bytes:
                raise reject("file.corrupt", kind=_XLS_KIND)
            sst_at, sst_bytes = None, -1
    if sst_at is not None and (sst_at < 0 or sst_at * 3 > sst_bytes):
        raise reject("file.corrupt", kind=_XLS_KIND)

    for pos in sheets:
        if pos >= len(stream):
            raise reject("file.corrupt", kind=_XLS_KIND)
        max_row = max_col = -1
        for typ, rec in _records(stream, pos):
            if typ in _XLS_CELLS and len(rec) >= 4:
                row, col = struct.unpack_from("<HH", rec)
            elif typ == 0x00BD and len(rec) >= 6:  # MULRK: row, first column … last column
                row, first = struct.unpack_from("<HH", rec)
                (col,) = struct.unpack_from("<H", rec, len(rec) - 2)
                if col < first:
                    raise reject("file.corrupt", kind=_XLS_KIND)
            elif typ == 0x0200:  # DIMENSIONS, as calamine reads it (end exclusive)
                if len(rec) == 14:
                    rf, rl, cf, cl = struct.unpack_from("<IIHH", rec)
                elif len(rec) == 10:
                    rf, rl, cf, cl = struct.unpack_from("<HHHH", rec)
                else:
                    continue  # calamine refuses the file itself
                last_row, last_col = (rl - 1, cl - 1) if rl >= 1 and cl >= 1 else (rf, cf)
                if last_row < rf or last_col < cf:
                    raise reject("file.corrupt", kind=_XLS_KIND)
                check_extent(limits, last_row, last_col, declared=True)
                area = (last_row - rf + 1) * (last_col - cf + 1)
                if area > limits.max_cells:
                    raise _limit_error(limits, last_row, last_col, declared=True)
                continue
            elif typ == 0x00E5:  # MERGEDCELLS
                if len(rec) < 2:
                    raise reject("file.corrupt", kind=_XLS_KIND)
                (count,) = struct.unpack_from("<H", rec)
                if 2 + 8 * count > len(rec):
                    raise reject("file.corrupt", kind=_XLS_KIND)
                for i in range(count):
                    rf, rl, cf, cl = struct.unpack_from("<HHHH", rec, 2 + 8 * i)
                    check_extent(limits, max(rf, rl), max(cf, cl), declared=True)
                continue
            else:
                continue
            if row > max_row or col > max_col:
                max_row, max_col = max(max_row, row), max(max_col, col)
                check_extent(limits, max_row, max_col)


def inflate_chunks(raw: bytes, stored: bool, step: int = 1 << 16):
    """The inflated chunks of a ZIP entry's raw data (stored or deflated)."""
    if stored:
        yield raw
        return
    inflater = zlib.decompressobj(-15)
    for pos in range(0, len(raw), step):
        buf = raw[pos:pos + step]
        while buf:
            yield inflater.decompress(buf, step)
            buf = inflater.unconsumed_tail
    yield inflater.flush()
