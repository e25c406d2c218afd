"""Reading roster files: sniffing the real format, limits, decoding, cells.

Every check that protects the server runs before the file is read whole:

1. file size (``Limits.max_bytes``);
2. the content decides the format, and must agree with the extension
   (``.xlsx`` ZIP/OOXML, ``.xls`` OLE2/BIFF, ``.ods`` ZIP/ODF, ``.csv``/``.txt`` text);
3. for ZIP containers (xlsx, ods): entry count, and the *actual* inflated size of every
   entry, counted by inflating it here with a budget (a zip bomb that lies about its
   sizes is caught too), and no XML part may declare a DOCTYPE (no entities at all,
   so no entity expansion, whatever parser reads it later);
4. the extent of every sheet (:mod:`.bounds`): how far its cells, declared dimension
   and merged areas reach, read streaming from the sheet XML (xlsx: in the same
   inflation as 3; ods: ``content.xml`` with its repeat counts) or the BIFF records
   (xls), against ``Limits.max_rows`` / ``max_columns`` / ``max_cells`` — *before*
   python-calamine is called, since calamine allocates the whole rectangle from A1 to
   the last cell at once and aborts the process when that fails;
5. the sheet's row count, from the parsed sheet's extent, before any cell is turned
   into a Python object.

Every workbook a user uploads (roster imports, beneficiary imports, bank result files
of payment batches) is opened here: nothing else in the project calls python-calamine
on user data (a test holds that).

Workbooks are read with python-calamine, which reads every cell whatever the stored
``<dimension>`` says (WPS writes wrong ones) and applies the workbook's 1900/1904
epoch to date-formatted cells; the 1904 flag itself (needed for serial numbers in
cells *not* formatted as dates) is read from ``xl/workbook.xml`` with defusedxml.
Text files are UTF-8 (BOM or not), GB18030 (which includes GBK) or UTF-16 with BOM
(Excel's "Unicode text", tab-separated); anything that decodes to mojibake is
rejected instead of imported as garbage.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

from . import bounds, rules
from .rules import reject

__all__ = ["Limits", "Sheet", "Source", "open_source", "decode_text", "check_zip"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
EXTENSIONS = {".xlsx": "xlsx", ".xls": "xls", ".ods": "ods", ".csv": "text", ".txt": "text"}
KIND_LABELS = {
    "xlsx": "Excel 工作簿（.xlsx）",
    "xlsb": "Excel 二进制工作簿（.xlsb）",
    "xls": "Excel 97-2003 工作簿（.xls）",
    "ods": "OpenDocument 表格（.ods）",
    "text": "文本文件（CSV/TXT）",
    "html": "网页文件（HTML）",
    "xml": "XML 文件（如 Excel 2003 XML 表格）",
    "pdf": "PDF 文档",
    "docx": "Word 文档",
    "zip": "ZIP 压缩包",
    "ole": "其他 Office 文档",
    "binary": "无法识别的二进制文件",
}
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class Limits:
    """Limits checked before a file is read whole. Sizes in bytes. ``max_rows`` /
    ``max_columns``: the last row / column a sheet's cells may reach (counted from A1,
    title rows included); ``max_cells``: the rectangle from A1 to the last row and
    column (what python-calamine allocates: 32 bytes a cell, plus a Python list slot),
    e.g. 200,000 rows × 30 columns."""

    max_bytes: int = 50 * 1024 * 1024
    max_zip_entries: int = 10_000
    max_uncompressed: int = 512 * 1024 * 1024
    max_rows: int = 200_000
    max_columns: int = 1_024
    max_cells: int = 6_000_000


@dataclass
class Sheet:
    """One sheet as read: ``rows[i]`` is sheet row ``i + 1``; cells as the reader gave
    them (see :mod:`jiayuan.imports.rules`). ``epoch_1904``: serial numbers in cells
    that are not date-formatted count from 1904-01-01."""

    name: str
    rows: list[list]
    epoch_1904: bool = False


@dataclass
class Source:
    """An opened file: its real ``kind`` (xlsx, xls, ods, text), its sheets' names, and
    :meth:`load` to read one sheet. ``encoding`` for text files."""

    kind: str
    sheet_names: list[str]
    encoding: str | None = None
    _loader: object = None
    _cache: dict = field(default_factory=dict)

    def load(self, name: str) -> Sheet:
        if name not in self._cache:
            self._cache[name] = self._loader(name)
        return self._cache[name]


# ------------------------------------------------------------------ sniffing


def _zip_kind(data: bytes) -> str:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"
    if "xl/workbook.bin" in names:
        # Binary records (calamine would read them if its XML reader fails): the extent
        # guard cannot read them, so such a file is never opened.
        return "xlsb"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names:
        try:
            info = zf.getinfo("mimetype")
            if info.file_size < 200 and zf.read("mimetype").strip() == _ODS_MIME:
                return "ods"
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            pass
    if "word/document.xml" in names:
        return "docx"
    return "zip"


def sniff(data: bytes) -> str:
    """The real kind of a file from its first bytes (and ZIP directory):
    ``xlsx``, ``ods``, ``docx``, ``zip``, ``xls`` (any OLE2 container: calamine decides
    whether it holds a workbook), ``pdf``, ``html``, ``binary`` or ``text``."""
    if data.startswith(ZIP_MAGICS):
        return _zip_kind(data)
    if data.startswith(OLE_MAGIC):
        return "xls"
    if data.startswith(b"%PDF"):
        return "pdf"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table")) or b"<html" in head[:200]:
        return "html"
    if head.startswith(b"<?xml"):
        return "xml"
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return "text"
    if b"\x00" in data[:65536]:
        return "binary"
    return "text"


def _extension(file_name: str) -> str:
    name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


# ------------------------------------------------------------------ ZIP limits


def _raw_entry(data: bytes, info: zipfile.ZipInfo) -> bytes:
    offset = info.header_offset
    header = data[offset:offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise reject("file.corrupt", kind="工作簿")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_len + extra_len
    return data[start:start + info.compress_size]


def _inflated_size(data: bytes, info: zipfile.ZipInfo, budget: int, scan_xml: bool, sink=None) -> int:
    """Bytes that one entry really inflates to, counted with a budget; raises
    FileRejected past the budget or when an XML part declares a DOCTYPE. ``sink``:
    called with each inflated chunk (the extent scanners of :mod:`.bounds`)."""
    raw = _raw_entry(data, info)
    if info.flag_bits & 0x1:
        raise reject("file.encrypted")
    if info.compress_type == zipfile.ZIP_STORED:
        chunks = [raw]
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        chunks = None
    else:
        raise reject("file.corrupt", kind="工作簿")
    total = 0
    head = b""

    def account(out: bytes) -> None:
        nonlocal total, head
        total += len(out)
        if total > budget:
            raise reject("file.uncompressed_too_large", limit=rules.format_size(budget))
        if scan_xml and len(head) < 4096:
            head += out[: 4096 - len(head)]
        if sink is not None and out:
            sink(out)

    if chunks is not None:
        for out in chunks:
            account(out)
    else:
        inflater = zlib.decompressobj(-15)
        step = 1 << 16
        try:
            for pos in range(0, len(raw), step):
                buf = raw[pos:pos + step]
                while buf:
                    account(inflater.decompress(buf, step))
                    buf = inflater.unconsumed_tail
            account(inflater.flush())
        except zlib.error:
            raise reject("file.corrupt", kind="工作簿") from None
    if scan_xml:
        lowered = head.lower()
        if b"<!doctype" in lowered or b"<!entity" in lowered:
            raise reject("file.xml_entities")
    return total


def _scanner(data: bytes, info: zipfile.ZipInfo, kind: str | None, limits: Limits):
    """The extent scanner of one entry (:mod:`.bounds`), or None: every entry of an
    xlsx, ``content.xml`` of an ods."""
    def reinflate():
        return bounds.inflate_chunks(_raw_entry(data, info), info.compress_type == zipfile.ZIP_STORED)

    if kind == "xlsx":  # every entry: calamine reads whatever part the relationships name
        return bounds.XlsxPartScanner(limits, reinflate)
    if kind == "ods" and info.filename == "content.xml":
        return bounds.OdsContentScanner(limits, reinflate)
    return None


def check_zip(data: bytes, limits: Limits, kind: str | None = None) -> None:
    """Refuse a ZIP container (xlsx, ods) with too many entries, a total inflated size
    over ``limits.max_uncompressed`` (measured, not taken from the directory), or an
    XML part with a DOCTYPE. With ``kind`` (``"xlsx"``, ``"ods"``) the same inflation
    also checks every sheet's extent (:mod:`.bounds`). Raises FileRejected."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise reject("file.corrupt", kind="工作簿") from None
    if len(infos) > limits.max_zip_entries:
        raise reject("file.too_many_entries", count=len(infos), limit=limits.max_zip_entries)
    if sum(i.file_size for i in infos) > limits.max_uncompressed:
        raise reject("file.uncompressed_too_large", limit=rules.format_size(limits.max_uncompressed))
    used = 0
    for info in infos:
        scan = info.filename.lower().endswith((".xml", ".rels", ".vml"))
        scanner = _scanner(data, info, kind, limits)
        try:
            used += _inflated_size(data, info, limits.max_uncompressed - used, scan,
                                   scanner.feed if scanner else None)
            if scanner:
                scanner.close()
        except rules.FileRejected as exc:
            if exc.code == "file.uncompressed_too_large":
                raise reject("file.uncompressed_too_large", limit=rules.format_size(limits.max_uncompressed)) from None
            raise


def _is_1904(data: bytes) -> bool:
    from defusedxml import ElementTree

    try:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml")
        root = ElementTree.fromstring(xml, forbid_dtd=True)
    except Exception:  # noqa: BLE001 - calamine reports a broken workbook itself
        return False
    for el in root.iter():
        if el.tag.rsplit("}", 1)[-1] == "workbookPr":
            return el.get("date1904", "").strip().lower() in ("1", "true")
    return False


# ------------------------------------------------------------------ workbooks

_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _ole_encrypted(data: bytes) -> bool:
    """An OLE2 container holding an ``EncryptedPackage`` stream: an Office Open XML
    workbook protected by a password (MS-OFFCRYPTO)."""
    return data.startswith(OLE_MAGIC) and _ENCRYPTED_PACKAGE in data[:1 << 20]


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside python-calamine (pyo3's ``PanicException`` derives from
    BaseException, so ``except Exception`` lets it through): the file is unreadable."""
    return type(exc).__name__ == "PanicException"


def _open_workbook(data: bytes, kind: str, limits: Limits) -> Source:
    import python_calamine as pc

    if kind in ("xlsx", "ods"):
        check_zip(data, limits, kind)
    elif kind == "xls":
        bounds.check_xls(data, limits)
    try:
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = wb.sheets_metadata
    except pc.PasswordError:
        raise reject("file.encrypted") from None
    except Exception:  # noqa: BLE001 - calamine raises several error classes
        raise reject("file.corrupt", kind=KIND_LABELS[kind]) from None
    except BaseException as exc:
        if _is_panic(exc):
            raise reject("file.corrupt", kind=KIND_LABELS[kind]) from None
        raise
    worksheets = [m for m in metas if m.typ == pc.SheetTypeEnum.WorkSheet]
    visible = [m.name for m in worksheets if m.visible == pc.SheetVisibleEnum.Visible]
    hidden = [m.name for m in worksheets if m.visible != pc.SheetVisibleEnum.Visible]
    epoch_1904 = kind == "xlsx" and _is_1904(data)

    def load(name: str) -> Sheet:
        try:
            sheet = wb.get_sheet_by_name(name)
        except Exception:  # noqa: BLE001
            raise reject("file.corrupt", kind=KIND_LABELS[kind]) from None
        except BaseException as exc:
            if _is_panic(exc):
                raise reject("file.corrupt", kind=KIND_LABELS[kind]) from None
            raise
        end = sheet.end
        height = (end[0] + 1) if end else 0
        if height > limits.max_rows:
            raise reject("file.too_many_rows", limit=limits.max_rows)
        try:
            rows = sheet.to_python(skip_empty_area=False) if height else []
        except Exception:  # noqa: BLE001
            raise reject("file.corrupt", kind=KIND_LABELS[kind]) from None
        return Sheet(name=name, rows=rows, epoch_1904=epoch_1904)

    return Source(kind=kind, sheet_names=visible + hidden, _loader=load)


# ------------------------------------------------------------------ text


def _mojibake_sample(text: str) -> str | None:
    """A short sample of mojibake in ``text``, or None when it reads as real text.

    Signs: U+FFFD (a decoder already gave up), the classic 锟斤拷/烫烫烫 runs, Latin-1
    letters standing for GBK bytes (ÕÅÈý), or Han characters mostly outside GB 2312
    (what UTF-8 or Big5 read as GBK looks like: 鍚嶅瓧).
    """
    for marker in ("\ufffd", "锟斤拷", "烫烫烫", "屯屯屯"):
        pos = text.find(marker)
        if pos >= 0:
            return text[max(0, pos - 4):pos + 8].strip()
    latin = [i for i, ch in enumerate(text[:200_000]) if "\u00c0" <= ch <= "\u00ff"]
    non_ascii = sum(1 for ch in text[:200_000] if ord(ch) > 127)
    if len(latin) >= 8 and len(latin) > 0.3 * non_ascii:
        return text[latin[0]:latin[0] + 8]
    han = rare = 0
    first_rare = -1
    for i, ch in enumerate(text[:200_000]):
        o = ord(ch)
        if 0x3400 <= o <= 0x9FFF or 0xE000 <= o <= 0xF8FF or o >= 0x20000:
            han += 1
            try:
                ch.encode("gb2312")
            except UnicodeEncodeError:
                rare += 1
                if first_rare < 0:
                    first_rare = i
    if han >= 8 and rare > 0.25 * han:
        return text[first_rare:first_rare + 8]
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text roster. Shape: ``bytes -> (text, encoding)``.

    UTF-8 with BOM → ``utf-8-sig``; UTF-16 with BOM → ``utf-16``; without BOM: strict
    UTF-8, else strict GB18030 (a superset of GBK and GB 2312). Raises FileRejected
    ``file.encoding`` (undecodable, UTF-32, UTF-16 without BOM) or ``file.mojibake``.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise reject("file.encoding")
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif b"\x00" in data[:65536]:
        raise reject("file.encoding")
    else:
        candidates = ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        sample = _mojibake_sample(text)
        if sample is not None:
            raise reject("file.mojibake", sample=sample)
        return text, enc
    raise reject("file.encoding")


def _delimiter(text: str, encoding: str) -> str:
    if encoding == "utf-16":
        return "\t"
    for line in text.splitlines()[:50]:
        if line.strip():
            tabs, commas = line.count("\t"), line.count(",")
            if tabs and tabs >= commas:
                return "\t"
            if commas:
                return ","
    return ","


_FORMULA_GUARD = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def unguard_formula(cell: str) -> str:
    """A CSV cell without the ``'`` that exports put before text beginning with
    ``= + - @``, tab or CR (so that a spreadsheet never runs it as a formula):
    ``"'=1+1"`` → ``"=1+1"``; any other text is returned as is."""
    return cell[1:] if cell.startswith(_FORMULA_GUARD) else cell


def _open_text(data: bytes, file_name: str, limits: Limits) -> Source:
    text, encoding = decode_text(data)
    delimiter = _delimiter(text, encoding)
    name = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0] or "Sheet1"

    def load(_name: str) -> Sheet:
        rows: list[list] = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for row in reader:
                if any(c[:1] == "'" for c in row):
                    row = [unguard_formula(c) for c in row]
                rows.append(row)
                if len(rows) > limits.max_rows:
                    raise reject("file.too_many_rows", limit=limits.max_rows)
        except csv.Error:
            raise reject("file.corrupt", kind=KIND_LABELS["text"]) from None
        return Sheet(name=name, rows=rows)

    return Source(kind="text", sheet_names=[name], encoding=encoding, _loader=load)


# ------------------------------------------------------------------ entry point


def open_source(data: bytes, file_name: str, limits: Limits | None = None) -> Source:
    """Check and open a roster file. Shape: ``(bytes, file name) -> Source``.

    Raises FileRejected: ``file.empty``, ``file.too_large``, ``file.unsupported_type``,
    ``file.extension_mismatch``, ``file.not_text``, ``file.encrypted``, ``file.corrupt``,
    ``file.too_many_entries``, ``file.uncompressed_too_large``, ``file.xml_entities``,
    ``file.too_many_rows``, ``file.sheet_extent`` (a workbook sheet reaching past the
    limits: refused before python-calamine reads it), ``file.encoding``,
    ``file.mojibake``; sheets raise ``file.too_many_rows`` on load.
    """
    limits = limits or Limits()
    if not data:
        raise reject("file.empty")
    if len(data) > limits.max_bytes:
        raise reject("file.too_large", size=rules.format_size(len(data)), limit=rules.format_size(limits.max_bytes))
    ext = _extension(file_name)
    expected = EXTENSIONS.get(ext)
    if expected is None:
        raise reject("file.unsupported_type", ext=ext or file_name)
    actual = sniff(data)
    if actual == "xls" and _ole_encrypted(data):
        raise reject("file.encrypted")  # a password-protected .xlsx is an OLE container
    if expected == "text":
        if actual in ("binary",):
            raise reject("file.not_text", ext=ext)
        if actual != "text":
            raise reject("file.extension_mismatch", ext=ext, actual=KIND_LABELS[actual])
        return _open_text(data, file_name, limits)
    if actual != expected:
        raise reject("file.extension_mismatch", ext=ext, actual=KIND_LABELS[actual])
    return _open_workbook(data, actual, limits)
