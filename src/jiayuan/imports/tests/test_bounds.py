"""Sparse and huge-extent workbooks (issue 11, finding 1) are refused before
python-calamine builds a sheet, in milliseconds, whatever their format; ordinary
workbooks (empty padding, styled empty cells far away) still read.

Every fixture is a small file written here: ``.xlsx`` and ``.ods`` as ZIP archives of
hand-written XML, ``.xls`` with xlwt and then one BIFF record patched in place (xlwt
refuses positions past IV65536, calamine does not). The refusals are checked with
python-calamine replaced by a tripwire, so they prove that the guard answers first; one
subprocess test shows, under a memory rlimit, that calamine itself dies on the
A1 + XFD1048576 file.
"""

import io
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile

from jiayuan.imports import bounds, reading
from jiayuan.imports.rules import FileRejected

from .conftest import ods_bytes, rewrite_part

# ---------------------------------------------------------------- fixtures

_CT = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       '<Override PartName="/xl/worksheets/sheet1.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
       '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WB_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def xlsx(sheet_data: str, *, dimension: str | None = None, merge: str | None = None,
         extra: dict | None = None) -> bytes:
    """A one-sheet .xlsx whose sheet XML holds ``sheet_data`` as written."""
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    if dimension:
        sheet += f'<dimension ref="{dimension}"/>'
    sheet += f"<sheetData>{sheet_data}</sheetData>"
    if merge:
        sheet += f'<mergeCells count="1"><mergeCell ref="{merge}"/></mergeCells>'
    sheet += "</worksheet>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return buf.getvalue()


def text_cell(ref: str | None, text: str = "x", attrs: str = "") -> str:
    r = f' r="{ref}"' if ref else ""
    return f'<c{r}{attrs} t="inlineStr"><is><t>{text}</t></is></c>'


def ods(table: str) -> bytes:
    """A one-sheet .ods whose table holds ``table`` (rows) as written."""
    return ods_bytes(table)


OX = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'


def orow(cells: str, repeat: int | None = None) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


MARK = 1234.56789012345  # not representable as an RK number: xlwt writes a NUMBER record


def _xls(cells=((0, 0, "姓名"),), merge=None) -> bytearray:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, c, v in cells:
        ws.write(r, c, v)
    if merge:
        ws.write_merge(*merge, "合并")
    buf = io.BytesIO()
    wb.save(buf)
    return bytearray(buf.getvalue())


def _record(data: bytearray, typ: int, size: int | None = None) -> int:
    head = struct.pack("<H", typ) + (struct.pack("<H", size) if size is not None else b"")
    at = data.find(head)
    assert at >= 0, hex(typ)
    return at + 4


def xls_far_cell(row: int, col: int) -> bytes:
    """姓名 at A1 and the number MARK moved to 0-based (row, col) in its NUMBER record."""
    data = _xls([(0, 0, "姓名"), (1, 0, MARK)])
    at = data.find(struct.pack("<d", MARK))
    assert data[at - 10:at - 8] == b"\x03\x02"  # the NUMBER record's type
    data[at - 6:at - 2] = struct.pack("<HH", row, col)
    return bytes(data)


def xls_dimension(rows: int, cols: int) -> bytes:
    data = _xls()
    at = _record(data, 0x0200, 14)
    data[at:at + 12] = struct.pack("<IIHH", 0, rows, 0, cols)
    return bytes(data)


def xls_merged(last_row: int, last_col: int) -> bytes:
    data = _xls(merge=(1, 1, 0, 0))
    at = _record(data, 0x00E5)
    data[at + 2:at + 10] = struct.pack("<HHHH", 0, last_row, 0, last_col)
    return bytes(data)


def xls_sst_count(count: int) -> bytes:
    data = _xls()
    at = _record(data, 0x00FC)
    data[at + 4:at + 8] = struct.pack("<i", count)
    return bytes(data)


# ---------------------------------------------------------------- the shapes

A1 = text_cell("A1", "姓名")
LIMITS = reading.Limits()  # 200,000 rows, 1,024 columns, 6,000,000 cells

BOMBS = {
    # name: (file name, bytes, expected code, cell named in the message or None)
    "xlsx A1 + XFD1048576": ("a.xlsx", xlsx(f'<row r="1">{A1}</row><row r="1048576">{text_cell("XFD1048576")}</row>'),
                             "file.sheet_extent", "XFD1048576"),
    "xlsx only XFD1048576": ("a.xlsx", xlsx(f'<row r="1048576">{text_cell("XFD1048576")}</row>'),
                             "file.sheet_extent", "XFD1048576"),
    "xlsx last column": ("a.xlsx", xlsx(f'<row r="1">{A1}{text_cell("XFD1")}</row>'), "file.sheet_extent", "XFD1"),
    "xlsx last row": ("a.xlsx", xlsx(f'<row r="1">{A1}</row><row r="1048576">{text_cell("A1048576")}</row>'),
                      "file.too_many_rows", None),
    "xlsx lying dimension": ("a.xlsx", xlsx(f'<row r="1">{A1}</row>', dimension="A1:XFD1048576"),
                             "file.sheet_extent", "XFD1048576"),
    "xlsx merged whole sheet": ("a.xlsx", xlsx(f'<row r="1">{A1}</row>', merge="A1:XFD1048576"),
                                "file.sheet_extent", "XFD1048576"),
    "xlsx lower-case reference": ("a.xlsx", xlsx(f'<row r="1">{A1}{text_cell("xfd1048576")}</row>'),
                                  "file.sheet_extent", "XFD1048576"),
    "xlsx cell without r after XFD": (
        "a.xlsx", xlsx(f'<row r="1048576"><c r="XFD1048576" s="1"/><c><v>1</v></c></row>'),
        "file.sheet_extent", "XFE1048576"),
    "xlsx implicit columns": ("a.xlsx", xlsx("<row>" + "<c><v>1</v></c>" * 1100 + "</row>"),
                              "file.sheet_extent", "AMK1"),  # the first cell past 1,024 columns
    "xlsx prefixed cells": ("a.xlsx", xlsx(f'<row r="1">{A1}<x:c xmlns:x="http://schemas.openxmlformats.org/'
                                           f'spreadsheetml/2006/main" r="XFD1"><x:v>1</x:v></x:c></row>'),
                            "file.sheet_extent", "XFD1"),
    "xlsx too many cells": ("a.xlsx", xlsx(f'<row r="1">{A1}{text_cell("ALL1")}</row>'
                                           f'<row r="10000">{text_cell("A10000")}</row>'),
                            "file.sheet_extent", "ALL10000"),
    "ods last column": ("a.ods", ods(orow(OX + '<table:table-cell table:number-columns-repeated="16382"/>' + OX)),
                        "file.sheet_extent", "XFD1"),
    "ods last row": ("a.ods", ods(orow(OX) + orow("<table:table-cell/>", 1048574) + orow(OX)),
                     "file.too_many_rows", None),
    "ods one value repeated over the sheet": (
        "a.ods", ods(orow(OX.replace("<table:table-cell ", '<table:table-cell table:number-columns-repeated="16384" '),
                          1048576)), "file.sheet_extent", "XFD1048576"),
    "ods merged whole sheet": ("a.ods", ods(orow(
        '<table:table-cell table:number-columns-spanned="16384" table:number-rows-spanned="1048576" '
        'office:value-type="string"><text:p>x</text:p></table:table-cell>')), "file.sheet_extent", "XFD1048576"),
    "ods '>' inside an attribute before the repeat": (
        "a.ods", ods(orow('<table:table-cell table:style-name="a>b" table:number-columns-repeated="16384" '
                          'office:value-type="string"><text:p>x</text:p></table:table-cell>')),
        "file.sheet_extent", "XFD1"),
    "ods row count written with character references": (
        "a.ods", ods(orow(OX) + '<table:table-row table:number-rows-repeated="&#49;&#48;&#48;&#48;&#48;&#48;&#48;">'
                     + OX + "</table:table-row>"), "file.too_many_rows", None),
    "xls corner (65536 × 65536)": ("a.xls", xls_far_cell(0xFFFF, 0xFFFF), "file.sheet_extent", "CRXP65536"),
    "xls last column": ("a.xls", xls_far_cell(0, 0xFFFF), "file.sheet_extent", "CRXP1"),
    "xls whole BIFF8 sheet (IV65536)": ("a.xls", xls_far_cell(0xFFFF, 0xFF), "file.sheet_extent", "IV65536"),
    "xls lying DIMENSIONS": ("a.xls", xls_dimension(0xFFFFFFFF, 0xFFFF), "file.sheet_extent", "CRXO4294967295"),
    "xls merged whole sheet": ("a.xls", xls_merged(0xFFFF, 0xFF), "file.sheet_extent", "IV65536"),
    "xls shared-string count": ("a.xls", xls_sst_count(0x7FFFFFFF), "file.corrupt", None),
}


@pytest.fixture
def tripwire(monkeypatch):
    """python-calamine replaced: any call fails the test."""
    import python_calamine

    class Tripwire:
        @staticmethod
        def from_filelike(*_a, **_k):
            raise AssertionError("python-calamine was called before the guard refused the file")

        from_path = from_object = from_filelike

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Tripwire)


@pytest.mark.parametrize("shape", list(BOMBS))
def test_bomb_refused_before_calamine_in_milliseconds(shape, tripwire):
    name, data, code, cell = BOMBS[shape]
    assert len(data) < 8 * 1024  # small files all
    start = time.perf_counter()
    with pytest.raises(FileRejected) as exc:
        reading.open_source(data, name, LIMITS).load("Sheet1")
    elapsed = time.perf_counter() - start
    assert exc.value.code == code
    if cell:
        assert exc.value.params["cell"] == cell
    assert elapsed < 0.5, f"{shape}: {elapsed * 1000:.0f} ms"


def test_sheet_extent_message_says_where_and_the_limits():
    from jiayuan.errors import translate_rule_error

    name, data, _code, _cell = BOMBS["xlsx A1 + XFD1048576"]
    with pytest.raises(FileRejected) as exc:
        reading.open_source(data, name, LIMITS)
    assert translate_rule_error(exc.value) == (
        "工作表的内容区域延伸到单元格 XFD1048576（1048576 行 × 16384 列），超过读取上限（最多 200000 行、1024 列、"
        "共 6,000,000 个单元格），疑似异常文件，已拒绝读取；如确为台账，请删除多余的行和列（或取消整表合并）后重新保存再导入")


@pytest.mark.parametrize("name,data,rows", [
    # LibreOffice pads every sheet with empty repeated cells and rows to its last column/row
    ("padded.ods", ods(orow(OX + OX + '<table:table-cell table:number-columns-repeated="1022"/>')
                       + orow('<table:table-cell table:number-columns-repeated="1024"/>', 1048575)), 1),
    ("ok.ods", ods(orow(OX + OX) + orow(OX, 3)), 4),
    # a styled, empty cell far away: calamine's sheet ends at A1
    ("styled.xlsx", xlsx(f'<row r="1">{A1}<c r="XFD1048576" s="1"/></row>'), 1),
    # cells without r, placed one after another as calamine places them
    ("implicit.xlsx", xlsx("<row>" + text_cell(None, "姓名") + text_cell(None, "身份证号") + "</row><row>"
                           + text_cell(None, "张三") + "</row>"), 2),
    ("ok.xls", bytes(_xls([(0, 0, "姓名"), (1, 0, "张三"), (1, 1, MARK)])), 2),
])
def test_ordinary_workbooks_still_read(name, data, rows):
    sheet = reading.open_source(data, name, LIMITS).load("Sheet1")
    assert len(sheet.rows) == rows
    assert sheet.rows[0][0] in ("x", "姓名")


def test_limits_are_configurable_and_exact():
    data = xlsx(f'<row r="1">{A1}{text_cell("J1")}</row><row r="100">{text_cell("A100")}</row>')
    assert len(reading.open_source(data, "a.xlsx", reading.Limits(max_columns=10, max_cells=1000)).load("Sheet1").rows) \
        == 100
    with pytest.raises(FileRejected) as exc:
        reading.open_source(data, "a.xlsx", reading.Limits(max_columns=9))
    assert (exc.value.code, exc.value.params["cell"]) == ("file.sheet_extent", "J1")
    with pytest.raises(FileRejected) as exc:
        reading.open_source(data, "a.xlsx", reading.Limits(max_cells=999))
    assert exc.value.code == "file.sheet_extent"
    with pytest.raises(FileRejected) as exc:
        reading.open_source(data, "a.xlsx", reading.Limits(max_rows=99))
    assert exc.value.code == "file.too_many_rows"


def test_xlsb_renamed_xlsx_is_refused(tripwire):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
        z.writestr("xl/workbook.xml", "not xml")  # calamine would fall back to the binary reader
    with pytest.raises(FileRejected) as exc:
        reading.open_source(buf.getvalue(), "a.xlsx", LIMITS)
    assert exc.value.code == "file.extension_mismatch"


def test_utf16_sheet_part_is_refused(tripwire):
    data = rewrite_part(xlsx(f'<row r="1">{A1}</row>'), "xl/worksheets/sheet1.xml", lambda body: body.decode(
        "utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    with pytest.raises(FileRejected) as exc:
        reading.open_source(data, "a.xlsx", LIMITS)
    assert exc.value.code == "file.corrupt"


def test_col_names():
    assert [bounds.col_name(i) for i in (0, 25, 26, 255, 1023, 16383, 65535)] == \
        ["A", "Z", "AA", "IV", "AMJ", "XFD", "CRXP"]


def test_only_the_guarded_reader_calls_calamine():
    """Every user-supplied workbook is opened through imports/reading.py: no other module
    of the project imports python-calamine (tests and bench/ aside)."""
    src = Path(__file__).resolve().parents[2]
    offenders = []
    for path in src.rglob("*.py"):
        if "tests" in path.parts or path.name == "conftest.py" or path == src / "imports" / "reading.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s*(from|import)\s+python_calamine\b", text, re.M) or "openpyxl.load_workbook" in text \
                or re.search(r"^\s*(from|import)\s+(xlrd|pandas)\b", text, re.M):
            offenders.append(str(path.relative_to(src)))
    assert offenders == []


# ---------------------------------------------------------------- calamine itself

CALAMINE_DIRECT = textwrap.dedent("""
    import io, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    import python_calamine
    data = sys.stdin.buffer.read()
    wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    wb.get_sheet_by_index(0)
    print("survived")
""")


def test_calamine_alone_dies_on_the_xfd1048576_file():
    """What the guard prevents: python-calamine asked to build the A1 + XFD1048576 sheet
    (in a child process limited to 2 GiB of address space) aborts the whole process with
    SIGABRT (512 GiB requested), no Python exception."""
    _name, data, _code, _cell = BOMBS["xlsx A1 + XFD1048576"]
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    try:
        proc = subprocess.run([sys.executable, "-c", CALAMINE_DIRECT], input=data, capture_output=True,
                              timeout=60, env=env)
    except subprocess.TimeoutExpired:
        pytest.skip("calamine took more than 60 s")
    assert b"survived" not in proc.stdout
    assert proc.returncode == -signal.SIGABRT, proc.stderr[-500:]
    assert b"memory allocation of 549755813888 bytes failed" in proc.stderr


# ---------------------------------------------------------------- the other upload

@pytest.mark.parametrize("shape", ["xlsx A1 + XFD1048576", "xls corner (65536 × 65536)", "xls lying DIMENSIONS"])
def test_bank_result_upload_refuses_bombs_before_calamine(shape, tripwire):
    """The payment batch's result file (assistance) goes through the same guarded reader:
    a 422 with the reader's code and message, not a dead gunicorn worker."""
    from jiayuan.assistance.services.batches import parse_results_file
    from jiayuan.errors import ValidationFailed

    name, data, code, _cell = BOMBS[shape]
    with pytest.raises(ValidationFailed) as exc:
        parse_results_file(data, "结果" + name[1:])
    assert exc.value.code == code
    assert exc.value.fields["file"][0]["message"].startswith("工作表的内容区域延伸到单元格")


def test_bank_result_workbook_still_reads():
    """An ordinary result workbook (leading empty row, as some banks write) reads as before."""
    from jiayuan.assistance.services.batches import parse_results_file

    data = xlsx('<row r="2">' + text_cell("A2", "明细编号") + text_cell("B2", "发放结果") + text_cell("C2", "失败原因")
                + '</row><row r="3"><c r="A3"><v>17</v></c>' + text_cell("B3", "发放失败") + text_cell("C3", "户名不符")
                + "</row>")
    assert parse_results_file(data, "结果.xlsx") == [{"line": "17", "status": "发放失败", "note": "户名不符"}]


def test_the_1_6_kb_workbook_through_the_api_is_a_rejected_job(api_client, media, immediate_tasks, tripwire):
    """The finding's file, uploaded as a user would: the job ends ``rejected`` with the
    extent message (the worker process is never at risk), and the next import runs."""
    name, data, _code, _cell = BOMBS["xlsx A1 + XFD1048576"]
    client = api_client("community")
    resp = client.post("/api/v1/imports", {"file": SimpleUploadedFile("名单.xlsx", data), "region": "620702001001"})
    assert resp.status_code == 202, resp.content
    body = client.get(f"/api/v1/imports/{resp.json()['id']}").json()
    assert body["status"] == "rejected"
    assert body["result"]["error"]["code"] == "file.sheet_extent"
