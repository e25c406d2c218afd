"""Reading files: encodings, real format against extension, limits, zip bombs, XML
entities, WPS's wrong stored dimension, the 1904 epoch, .xls (no database)."""

import datetime
import io
import re
import struct
import zipfile

import pytest
import xlwt

from jiayuan.imports import reading
from jiayuan.imports.rules import FileRejected, cell_text

from .conftest import csv_bytes, ods_bytes, rewrite_part, xlsx_bytes

ROWS = [["姓名", "身份证号", "现住址"], ["𠮷安", "11010519491231002X", "甘州区东街1号"]]
GBK_ROWS = [["姓名", "身份证号", "现住址"], ["张建国", "11010519491231002X", "甘州区东街1号"]]


def read(content: bytes, name: str, limits=None) -> reading.Sheet:
    src = reading.open_source(content, name, limits)
    return src.load(src.sheet_names[0])


def rejected(content: bytes, name: str, limits=None) -> str:
    with pytest.raises(FileRejected) as exc:
        read(content, name, limits)
    return exc.value.code


# ---------------------------------------------------------------- encodings


def test_utf8_csv_without_bom():
    assert read(csv_bytes(ROWS, "utf-8"), "a.csv").rows == ROWS


def test_utf8_csv_with_bom():
    src = reading.open_source(b"\xef\xbb\xbf" + csv_bytes(ROWS, "utf-8"), "a.csv")
    assert src.encoding == "utf-8-sig"
    assert src.load(src.sheet_names[0]).rows == ROWS  # the BOM is not part of 姓名


def test_gbk_csv():
    content = csv_bytes(GBK_ROWS, "gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    src = reading.open_source(content, "a.csv")
    assert src.encoding == "gb18030"  # GBK is a subset of GB18030
    assert src.load(src.sheet_names[0]).rows == GBK_ROWS


def test_gb18030_csv_with_a_character_outside_gbk():
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")
    content = csv_bytes(ROWS, "gb18030")
    assert "𠮷".encode("gb18030") in content  # four-byte sequence
    assert read(content, "a.csv").rows == ROWS


def test_utf16_unicode_text_is_tab_separated():
    content = csv_bytes(ROWS, "utf-16", delimiter="\t")
    assert content[:2] in (b"\xff\xfe", b"\xfe\xff")
    src = reading.open_source(content, "名单.txt")
    assert src.encoding == "utf-16"
    assert src.load(src.sheet_names[0]).rows == ROWS


def test_tab_separated_utf8_txt():
    assert read(csv_bytes(ROWS, "utf-8", delimiter="\t"), "a.txt").rows == ROWS


def test_big5_read_as_gbk_is_mojibake_not_imported():
    content = "姓名,身份證號碼,現住址\n陳大文,11010519491231002X,臺北市中正區重慶南路一段\n".encode("big5")
    assert rejected(content, "a.csv") == "file.mojibake"


def test_utf8_already_garbled_through_gbk_is_rejected():
    garbled = "姓名,身份证号\n张三,11010519491231002X\n".encode("utf-8").decode("gbk", errors="ignore")
    assert rejected(garbled.encode("utf-8"), "a.csv") == "file.mojibake"


def test_replacement_characters_are_rejected():
    assert rejected("姓名,身份证号\n张\ufffd,11010519491231002X\n".encode("utf-8"), "a.csv") == "file.mojibake"


def test_utf16_without_bom_is_rejected():
    content = csv_bytes(ROWS, "utf-16-le")
    assert rejected(content, "a.csv") in ("file.not_text", "file.encoding")


# ---------------------------------------------------------------- format vs extension


def test_xlsx_named_xls_is_rejected():
    assert rejected(xlsx_bytes(ROWS), "a.xls") == "file.extension_mismatch"


def test_csv_named_xlsx_is_rejected():
    assert rejected(csv_bytes(ROWS, "utf-8"), "a.xlsx") == "file.extension_mismatch"


def test_xlsx_named_csv_is_rejected():
    assert rejected(xlsx_bytes(ROWS), "a.csv") == "file.extension_mismatch"


def test_html_saved_as_xls_is_rejected():
    assert rejected(b"<html><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></html>", "a.xls") == \
        "file.extension_mismatch"


def test_unknown_extension_is_rejected():
    assert rejected(b"%PDF-1.7 ...", "a.pdf") == "file.unsupported_type"


def test_empty_file_is_rejected():
    assert rejected(b"", "a.xlsx") == "file.empty"


def test_file_size_limit_checked_first():
    assert rejected(b"x" * 101, "a.csv", reading.Limits(max_bytes=100)) == "file.too_large"


def test_row_limit():
    rows = [["姓名", "身份证号"]] + [["张三", "11010519491231002X"]] * 20
    assert rejected(csv_bytes(rows, "utf-8"), "a.csv", reading.Limits(max_rows=10)) == "file.too_many_rows"
    assert rejected(xlsx_bytes(rows), "a.xlsx", reading.Limits(max_rows=10)) == "file.too_many_rows"


# ---------------------------------------------------------------- zip bombs and XML


def _rebuild(xlsx: bytes, extra: dict[str, bytes]) -> bytes:
    zin = zipfile.ZipFile(io.BytesIO(xlsx))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        for name, payload in extra.items():
            zout.writestr(name, payload, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """Patch the stored uncompressed size of entry ``name`` in both the local header
    (offset 22) and the central directory (offset 24) to ``size``."""
    data = bytearray(data)
    encoded = name.encode()
    for sig, off_size, off_name_len, off_name in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        for m in re.finditer(re.escape(sig), bytes(data)):
            p = m.start()
            (n,) = struct.unpack("<H", data[p + off_name_len:p + off_name_len + 2])
            if bytes(data[p + off_name:p + off_name + n]) == encoded:
                data[p + off_size:p + off_size + 4] = struct.pack("<I", size)
    return bytes(data)


LIMITS = reading.Limits(max_uncompressed=10 * 1024 * 1024)


def test_zip_bomb_rejected_by_declared_size():
    bomb = _rebuild(xlsx_bytes(ROWS), {"xl/media/image1.png": bytes(30 * 1024 * 1024)})
    assert len(bomb) < 200_000  # 30 MB of zeros deflate to a few dozen KB
    assert rejected(bomb, "a.xlsx", LIMITS) == "file.uncompressed_too_large"


def test_zip_bomb_lying_about_its_size_rejected_by_measured_size():
    bomb = _rebuild(xlsx_bytes(ROWS), {"xl/media/image1.png": bytes(30 * 1024 * 1024)})
    liar = _lie_about_size(bomb, "xl/media/image1.png", 1000)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(liar)).infolist()) < 20_000
    assert rejected(liar, "a.xlsx", LIMITS) == "file.uncompressed_too_large"


def test_too_many_zip_entries():
    many = _rebuild(xlsx_bytes(ROWS), {f"xl/media/i{i}.bin": b"x" for i in range(60)})
    assert rejected(many, "a.xlsx", reading.Limits(max_zip_entries=50)) == "file.too_many_entries"


def test_xml_entity_declaration_rejected():
    def declare_entities(data: bytes) -> bytes:
        doctype = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        if data.startswith(b"<?xml"):
            end = data.index(b"?>") + 2
            data = data[:end] + doctype + data[end:]
        else:
            data = b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + data
        assert b"<!ENTITY" in data
        return data

    assert rejected(rewrite_part(xlsx_bytes(ROWS), "xl/worksheets/sheet1.xml", declare_entities),
                    "a.xlsx") == "file.xml_entities"


# ---------------------------------------------------------------- workbooks


def test_wrong_stored_dimension_is_read_whole():
    rows = [["姓名", "身份证号"]] + [[f"张{chr(0x4e00 + i)}", "11010519491231002X"] for i in range(50)]
    def wrong_dimension(data: bytes) -> bytes:
        data, n = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
        assert n == 1
        return data

    sheet = read(rewrite_part(xlsx_bytes(rows), "xl/worksheets/sheet1.xml", wrong_dimension), "a.xlsx")
    assert len(sheet.rows) == 51
    assert sheet.rows[50][0] == "张" + chr(0x4e00 + 49)


def test_1904_workbook_flag():
    assert read(xlsx_bytes(ROWS, epoch_1904=True), "a.xlsx").epoch_1904 is True
    assert read(xlsx_bytes(ROWS), "a.xlsx").epoch_1904 is False


def test_xls_workbook_cell_types():
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("花名册")
    for j, h in enumerate(["姓名", "身份证号", "出生日期", "联系电话"]):
        ws.write(0, j, h)
    ws.write(1, 0, "张建国")
    ws.write(1, 1, "11010519491231002X")
    ws.write(1, 2, datetime.date(1949, 12, 31), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    ws.write(1, 3, 13812345678)
    buf = io.BytesIO()
    wb.save(buf)
    sheet = read(buf.getvalue(), "a.xls")
    assert sheet.rows[1][:3] == ["张建国", "11010519491231002X", datetime.date(1949, 12, 31)]
    assert sheet.rows[1][3] == 13812345678  # a numeric cell: the engine turns it into digits


def test_first_visible_sheet_order_and_hidden_sheets_last():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.sheet_state = "hidden"
    wb.create_sheet("花名册").append(["姓名", "身份证号"])
    buf = io.BytesIO()
    wb.save(buf)
    assert reading.open_source(buf.getvalue(), "a.xlsx").sheet_names == ["花名册", "说明"]


def _ods(rows) -> bytes:
    """A minimal OpenDocument spreadsheet: mimetype (stored, first), manifest, content."""
    def cell(v):
        if isinstance(v, datetime.date):
            return (f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                    f"<text:p>{v.isoformat()}</text:p></table:table-cell>")
        if isinstance(v, (int, float)):
            return f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p></table:table-cell>'
        return f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    return ods_bytes(body, sheet="花名册")


def test_ods_workbook():
    content = _ods([["姓名", "身份证号", "出生日期", "联系电话"],
                    ["张建国", "11010519491231002X", datetime.date(1949, 12, 31), 13812345678]])
    assert reading.sniff(content) == "ods"
    sheet = read(content, "a.ods")
    assert sheet.name == "花名册"
    assert sheet.rows[1][:3] == ["张建国", "11010519491231002X", datetime.date(1949, 12, 31)]
    assert cell_text(sheet.rows[1][3]) == "13812345678"
    assert rejected(content, "a.xlsx") == "file.extension_mismatch"


def test_password_protected_xlsx_is_reported_as_encrypted():
    # What Excel writes for a workbook with an open password: an OLE2 container whose
    # directory names an "EncryptedPackage" stream (MS-OFFCRYPTO); a stand-in with that
    # directory entry is enough for the check.
    fake = reading.OLE_MAGIC + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(1000)
    assert rejected(fake, "a.xlsx") == "file.encrypted"
