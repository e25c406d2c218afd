"""A streaming ``.xlsx`` writer for large roster exports, in constant memory.

Why not xlsxwriter here: in its constant-memory mode xlsxwriter spends about 9 µs per
cell in Python (measured: 200,000 rows × 13 cells in 26 s), so a 1,000,000-person
export would take over two minutes. This writer produces the one worksheet of a roster
with one string join per row (about 10× faster) and streams the ZIP as it goes: the
workbook is never held in memory or on disk, so a download can start at once
(``ZipFile`` on an unseekable stream writes data descriptors, which Excel, WPS,
LibreOffice, openpyxl and python-calamine all read). xlsxwriter still writes the small
workbooks (blank template, error workbook), where styles matter more than speed.

Cells:

- ``str`` → an inline string cell (``t="inlineStr"``): text is text, so a value such
  as ``=1+1``, ``+86…`` or ``-3号楼`` is never a formula, and ID numbers, phones and
  codes keep every digit and leading zero; columns listed in ``text_columns`` also
  carry the text number format ``@`` so that a worker who edits the cell keeps text;
- ``int``/``float``/``Decimal`` (not ``bool``) → a number cell: amounts stay numbers;
  in the columns listed in ``money_columns`` with the number format ``0.00`` (two
  decimals shown, the exact value kept: a Decimal is written with all its digits);
- ``datetime.date`` → a date serial (1900 system) with the format ``yyyy-mm-dd``;
- ``None``/``""`` → no cell.

Characters XML 1.0 cannot hold (C0 controls other than tab and newline) and carriage
returns (which XML parsers turn into newlines) are written as ``_xHHHH_`` escapes, as
Excel does (ECMA-376 Part 1, §22.9.2.19 ST_Xstring).
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

__all__ = ["StreamingXlsx", "column_letter"]

_EPOCH = datetime.date(1899, 12, 30)
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Written as _xHHHH_: characters XML cannot hold, and CR (an XML parser turns it into LF).
_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_NEEDS_WORK_RE = re.compile(r"[&<>\x00-\x08\x0b\x0c\r\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")

# Style indexes of styles.xml below: 0 default, 1 text (@), 2 date, 3 bold header.
_TEXT, _DATE, _HEAD, _MONEY = 1, 2, 3, 4

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '</Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/>'
    '</Relationships>'
)
_APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    '<Application>Jiayuan</Application></Properties>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'styles" Target="styles.xml"/>'
    '</Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>'
    '<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
    'applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'  # 0.00 (built in)
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based index: 0 → ``A``, 26 → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _escape(text: str) -> str:
    if not _NEEDS_WORK_RE.search(text):
        return text
    text = _ILLEGAL_RE.sub(lambda m: f"_x{ord(m.group()):04X}_" if len(m.group()) == 1
                           else "_x005F_" + m.group()[1:], text)
    return text.translate(_XML_ESCAPES)


def _space_attr(text: str) -> str:
    return ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""


class _Sink:
    """A write-only, unseekable file object that collects what ZipFile writes, to be
    drained between rows (the streaming response's chunks)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self._pos = 0

    def write(self, data) -> int:
        b = bytes(data)
        self._parts.append(b)
        self._size += len(b)
        self._pos += len(b)
        return len(b)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def seekable(self) -> bool:
        return False

    @property
    def size(self) -> int:
        return self._size

    def drain(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        self._size = 0
        return out


class StreamingXlsx:
    """One-sheet workbook written row by row. Shape::

        w = StreamingXlsx("居民", headers, text_columns={2, 5}, money_columns={4}, widths=[10, …])
        for chunk in w.stream(rows):   # rows: iterable of sequences of cell values
            response_or_file.write(chunk)

    ``title``: an optional first row above the header (e.g. the filter and export
    time); the header row is bold, frozen and filtered. ``chunk_bytes``: approximate
    size of the chunks yielded.
    """

    def __init__(self, sheet_name: str, headers: Sequence[str], *, text_columns: Iterable[int] = (),
                 money_columns: Iterable[int] = (), widths: Sequence[float] | None = None, title: str | None = None,
                 chunk_bytes: int = 256 * 1024, compresslevel: int = 1):
        self.sheet_name = (sheet_name or "Sheet1")[:31]
        self.headers = list(headers)
        self.text_columns = frozenset(text_columns)
        self.money_columns = frozenset(money_columns)
        self.widths = list(widths or [])
        self.title = title
        self.chunk_bytes = chunk_bytes
        self.compresslevel = compresslevel
        self.rows_written = 0
        n = len(self.headers)
        self._letters = [column_letter(i) for i in range(max(n, 1))]

    # ------------------------------------------------------------------ parts

    def _workbook_xml(self) -> str:
        name = _escape(self.sheet_name).replace('"', "&quot;")
        first = 2 if self.title else 1
        last = self._letters[len(self.headers) - 1] if self.headers else "A"
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<bookViews><workbookView/></bookViews><sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>'
            f'<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"'{name.replace(chr(39), chr(39) * 2)}'!$A${first}:${last}${first}</definedName></definedNames>"
            '</workbook>'
        )

    def _core_xml(self) -> str:
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            '<dc:creator>Jiayuan</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            '</cp:coreProperties>'
        )

    def _sheet_head(self) -> str:
        header_row = 2 if self.title else 1
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"'
                       f'{" style=%s" % chr(34) + str(_TEXT) + chr(34) if i in self.text_columns else ""}/>'
                       for i, w in enumerate(self.widths))
        parts = [
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" activePane="bottomLeft" state="frozen"/>'
            '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
            f"<cols>{cols}</cols>" if cols else "",
            "<sheetData>",
        ]
        return "".join(parts)

    def _sheet_tail(self) -> str:
        header_row = 2 if self.title else 1
        last = self._letters[len(self.headers) - 1] if self.headers else "A"
        merge = ""
        if self.title and len(self.headers) > 1:
            merge = f'<mergeCells count="1"><mergeCell ref="A1:{last}1"/></mergeCells>'
        auto = f'<autoFilter ref="A{header_row}:{last}{header_row}"/>' if self.headers else ""
        return f"</sheetData>{auto}{merge}</worksheet>"

    # ------------------------------------------------------------------ rows

    def _row_xml(self, r: int, values: Sequence, style: int | None = None) -> str:
        letters = self._letters
        text_cols = self.text_columns
        money_cols = self.money_columns
        cells = []
        append = cells.append
        for c, v in enumerate(values):
            if v is None or v == "":
                continue
            if c >= len(letters):
                letters.append(column_letter(c))
            ref = letters[c] + str(r)
            cls = type(v)
            if cls is str:
                s = style if style is not None else (_TEXT if c in text_cols else 0)
                sattr = f' s="{s}"' if s else ""
                append(f'<c r="{ref}"{sattr} t="inlineStr"><is><t{_space_attr(v)}>{_escape(v)}</t></is></c>')
            elif cls is datetime.date or cls is datetime.datetime:
                d = v.date() if cls is datetime.datetime else v
                append(f'<c r="{ref}" s="{_DATE}"><v>{(d - _EPOCH).days}</v></c>')
            elif cls is bool:
                append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif cls is int or cls is float or cls is Decimal:
                if c in money_cols and style is None:
                    append(f'<c r="{ref}" s="{_MONEY}"><v>{v:f}</v></c>' if cls is Decimal
                           else f'<c r="{ref}" s="{_MONEY}"><v>{v}</v></c>')
                else:
                    append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                text = str(v)
                append(f'<c r="{ref}" t="inlineStr"><is><t{_space_attr(text)}>{_escape(text)}</t></is></c>')
        return f'<row r="{r}">{"".join(cells)}</row>'

    def stream(self, rows: Iterable[Sequence]) -> Iterator[bytes]:
        """Yield the workbook's bytes in chunks while reading ``rows``."""
        sink = _Sink()
        zf = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel)
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("docProps/app.xml", _APP), ("docProps/core.xml", self._core_xml()),
                           ("xl/workbook.xml", self._workbook_xml()), ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
                           ("xl/styles.xml", _STYLES)):
            zf.writestr(name, text.encode("utf-8"))
        yield sink.drain()
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", date_time=datetime.datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = self.compresslevel  # noqa: SLF001 - ZipFile.open ignores the archive's level for a ZipInfo
        with zf.open(info, "w", force_zip64=True) as fh:
            buf: list[str] = [self._sheet_head()]
            size = 0
            r = 0
            if self.title:
                r += 1
                buf.append(self._row_xml(r, [self.title], style=_HEAD))
            r += 1
            buf.append(self._row_xml(r, self.headers, style=_HEAD))
            row_xml = self._row_xml
            for values in rows:
                r += 1
                x = row_xml(r, values)
                buf.append(x)
                size += len(x)
                if size >= self.chunk_bytes:
                    fh.write("".join(buf).encode("utf-8"))
                    buf.clear()
                    size = 0
                    if sink.size:
                        yield sink.drain()
            buf.append(self._sheet_tail())
            fh.write("".join(buf).encode("utf-8"))
            self.rows_written = r - (2 if self.title else 1)
        zf.close()
        yield sink.drain()

    def write_to(self, out, rows: Iterable[Sequence]) -> int:
        """Write the workbook to a binary file object; returns the data rows written."""
        for chunk in self.stream(rows):
            out.write(chunk)
        return self.rows_written
