"""``jiayuan import residents`` end to end, one behaviour per test: the JSON contract,
exit statuses, cells, dates, ID spellings of an existing person, households, scope,
limits and the error workbook. Workbooks are built in each test."""

import datetime
import io
import struct
import zlib

import openpyxl
import pytest
import xlwt

from jiayuan import security
from jiayuan.audit.models import AuditEntry
from jiayuan.imports.models import ImportJob
from jiayuan.people.models import Household, Person, PersonTag

from .conftest import GRID, HEADER, OWNER_COMMUNITY, PEER_COMMUNITY, PEER_GRID, codes, csv_bytes, idn, xlsx_bytes

PUBLISHED_F = "11010519491231002X"  # GB 11643 published example: female, born 1949-12-31
PUBLISHED_F15 = "110105491231002"  # its legacy 15-digit form
BORN_1990 = idn("62070219900101001")  # 1990-01-01, sequence 001 (odd: male)


def person(id_number: str) -> Person:
    return Person.objects.get(id_number_hash=security.lookup_hash("id_number", id_number))


def roster(*rows, header=HEADER, **kw) -> bytes:
    return xlsx_bytes([header, *rows], **kw)


# ---------------------------------------------------------------- the contract


def test_new_roster_creates_persons_and_household(run):
    head, wife, son = idn("62070219800517001"), idn("62070219820304002"), idn("62070220100101003")
    code, out = run("r.xlsx", roster(
        ["张建国", head, "男", "1980-05-17", "13812345678", "101", "户主", "交通巷1号"],
        ["李秀英", wife, "女", "", "", "101", "妻", ""],
        ["张小明", son, "", "", "", "101", "长子", ""],
        ["王五", BORN_1990, "", "", "", "", "", "交通巷2号"],
    ))
    assert code == 0
    assert out == {"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "errors": 0, "warnings": 0,
                   "error_rows": [], "warning_rows": []}
    hh = Household.objects.get(community_id=OWNER_COMMUNITY, number="101")
    assert (hh.region_id, hh.address) == (OWNER_COMMUNITY, "交通巷1号")
    assert {p.name: p.relation_to_head for p in hh.members.all()} == {"张建国": "02", "李秀英": "12", "张小明": "22"}
    assert person(wife).address == "交通巷1号"  # a member without an address lives at the household's
    assert person(BORN_1990).household_id is None


def test_second_run_counts_unchanged(run):
    content = roster(["王五", BORN_1990, "男", "", "13812345678", "", "", "交通巷2号"])
    assert run("r.xlsx", content)[1]["created"] == 1
    code, out = run("r.xlsx", content)
    assert code == 0 and (out["created"], out["updated"], out["unchanged"]) == (0, 0, 1)
    assert Person.objects.count() == 1


def test_missing_id_column_rejects_the_file(run):
    code, out = run("r.xlsx", roster(["张三", "13812345678"], header=["姓名", "联系电话"]))
    assert code == 2
    assert out["error"]["code"] == "header.missing_column"
    assert "身份证号" in out["error"]["message"]
    assert set(out) == {"error"} and set(out["error"]) == {"code", "message"}


def test_missing_name_column_rejects_the_file(run):
    code, out = run("r.xlsx", roster([BORN_1990], header=["身份证号"]))
    assert (code, out["error"]["code"]) == (2, "header.missing_column")


def test_lying_extension_rejects_the_file(run):
    code, out = run("r.xls", roster(["王五", BORN_1990]))
    assert (code, out["error"]["code"]) == (2, "file.extension_mismatch")
    assert ImportJob.objects.get().status == ImportJob.Status.REJECTED


def test_unknown_region_rejects(run):
    code, out = run("r.xlsx", roster(["王五", BORN_1990]), region="620702999999")
    assert (code, out["error"]["code"]) == (2, "region.unknown")


def test_region_must_be_community_or_grid(run):
    code, out = run("r.xlsx", roster(["王五", BORN_1990]), region="620702001")
    assert (code, out["error"]["code"]) == (2, "region.level")


def test_unknown_column_is_a_warning(run):
    code, out = run("r.xlsx", roster(["1", "王五", BORN_1990, "党员"], header=["序号", "姓名", "身份证号", "政治面貌"]))
    assert code == 0
    assert codes(out, "warning_rows") == [(1, "序号", "column.unknown"), (1, "政治面貌", "column.unknown")]
    assert out["warnings"] == 2 and out["created"] == 1


# ---------------------------------------------------------------- cells


def test_numeric_id_cell_is_a_row_error(run):
    code, out = run("r.xlsx", roster(["王五", 620702199001010010], ["赵六", BORN_1990]))
    assert code == 1
    assert codes(out) == [(2, "身份证号", "id_number.stored_as_number")]
    assert "文本" in out["error_rows"][0]["message"]
    assert (out["errors"], out["created"]) == (1, 1)


def test_scientific_notation_text_is_a_row_error(run):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号"], ["王五", "6.20702E+17"]], "utf-8"))
    assert code == 1
    assert codes(out) == [(2, "身份证号", "id_number.stored_as_number")]
    assert "6.20702E+17" in out["error_rows"][0]["message"]


def test_numeric_phone_cell_becomes_its_digits(run):
    run("r.xlsx", roster(["王五", BORN_1990, "", "", 13812345678.0]))
    assert person(BORN_1990).phone == "13812345678"


@pytest.mark.parametrize("encoding,delimiter,name", [
    ("gbk", ",", "张建国"),
    ("gb18030", ",", "𠮷安"),
    ("utf-16", "\t", "𠮷安"),
    ("utf-8-sig", ",", "𠮷安"),
])
def test_csv_encodings(run, encoding, delimiter, name):
    content = csv_bytes([["姓名", "身份证号", "民族"], [name, BORN_1990, "汉族"]], encoding, delimiter)
    code, out = run("名单.csv" if delimiter == "," else "名单.txt", content)
    assert (code, out["created"]) == (0, 1)
    assert person(BORN_1990).name == name
    assert person(BORN_1990).ethnic_group == "01"


def test_header_below_merged_title_blank_row_and_group_labels(run):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "东街街道交通巷社区居民花名册"
    ws.merge_cells("A1:E1")
    ws["A3"] = "基本信息"
    ws.merge_cells("A3:C3")
    ws["D3"] = "联系方式"
    ws.merge_cells("D3:E3")
    for j, h in enumerate(["姓名", "身份证号码", "性别", "联系电话", "现住址"], 1):
        ws.cell(row=4, column=j, value=h)
    ws.append(["王五", BORN_1990, "男", "13812345678", "交通巷2号"])
    ws.append(["赵六", "620702199001010011", "男", "", ""])  # wrong check character
    buf = io.BytesIO()
    wb.save(buf)
    code, out = run("r.xlsx", buf.getvalue())
    assert code == 1
    assert codes(out) == [(6, "身份证号码", "id_number.checksum")]  # row 6 as the worker sees it
    assert ImportJob.objects.get().header_row == 4


def test_text_address_that_excel_turned_into_a_date_is_a_warning(run):
    content = roster(["王五", BORN_1990, "", "", "", "", "", datetime.date(2024, 3, 1)])
    code, out = run("r.xlsx", content)
    assert code == 0
    assert codes(out, "warning_rows") == [(2, "现住址", "cell.became_date")]
    assert "2024-03-01" in out["warning_rows"][0]["message"]
    assert person(BORN_1990).address == ""  # never a silent date string


def test_house_number_that_excel_turned_into_a_date_is_an_error(run):
    code, out = run("r.xlsx", roster(["王五", BORN_1990, "", "", "", datetime.date(2024, 3, 1), "户主"]))
    assert code == 1
    assert codes(out) == [(2, "户号", "household.number_became_date")]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("text", ["1990-01-01", "1990/1/1", "1990.01.01", "19900101", "1990年1月1日"])
def test_each_birth_date_form_matches_the_id_number(run, text):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "出生日期"], ["王五", BORN_1990, text]], "utf-8"))
    assert (code, out["created"], out["error_rows"]) == (0, 1, [])


def test_birth_year_and_month_column(run):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "出生年月"], ["王五", BORN_1990, "1990.01"],
                                        ["赵六", idn("62070219900101003"), "1990.02"]], "utf-8"))
    assert code == 1
    assert codes(out) == [(3, "出生年月", "birth_date.mismatch")]


def test_impossible_birth_date_is_a_row_error(run):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "出生日期"], ["王五", BORN_1990, "1990-02-30"]], "utf-8"))
    assert code == 1
    assert codes(out) == [(2, "出生日期", "birth_date.invalid")]


def test_birth_date_that_disagrees_with_the_id_number(run):
    code, out = run("r.xlsx", roster(["王五", BORN_1990, "", datetime.date(1990, 1, 2)]))
    assert codes(out) == [(2, "出生日期", "birth_date.mismatch")]


def test_serial_in_a_1904_workbook(run):
    # 1990-01-01 is serial 31,412 in the 1904 system (see test_rules); a General cell.
    code, out = run("r.xlsx", roster(["王五", BORN_1990, "", 31412], epoch_1904=True))
    assert (code, out["error_rows"]) == (0, [])


def test_same_serial_in_a_1900_workbook_is_another_day(run):
    # 31,412 in the 1900 system: 1990-01-01 − 1,462 days = 1985-12-31 (1,461 days back
    # is 1986-01-01: 1986–1989 hold one leap day).
    code, out = run("r.xlsx", roster(["王五", BORN_1990, "", 31412]))
    assert codes(out) == [(2, "出生日期", "birth_date.mismatch")]
    assert "1985-12-31" in out["error_rows"][0]["message"]


def test_date_formatted_cell_in_a_1904_workbook(run):
    code, out = run("r.xlsx", roster(["王五", BORN_1990, "", datetime.date(1990, 1, 1)], epoch_1904=True))
    assert (code, out["error_rows"]) == (0, [])


# ---------------------------------------------------------------- the same person, other spellings


@pytest.fixture
def existing(make_person):
    return make_person(name="陈芳", id_number=PUBLISHED_F, phone="13912345678", address="交通巷9号")


@pytest.mark.parametrize("spelling", [
    "１１０１０５１９４９１２３１００２Ｘ\u3000",  # full-width digits and letter, ideographic space
    "\u200b1101051949\u200d1231002X\ufeff",  # invisible format characters
    "11010519491231002x",  # lowercase x
    " 110105 19491231 002X ",  # spaces
    PUBLISHED_F15,  # the legacy 15-digit form
])
def test_spellings_of_an_existing_id_number_find_the_person(run, existing, spelling):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号"], ["陈芳", spelling]], "utf-8"))
    assert (code, out["created"], out["updated"], out["unchanged"]) == (0, 0, 0, 1)
    assert Person.objects.count() == 1


def test_changed_cell_updates_and_is_audited_with_the_job(run, existing):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "现住址"], ["陈芳", PUBLISHED_F15, "交通巷10号"]], "utf-8"))
    assert (code, out["updated"]) == (0, 1)
    assert person(PUBLISHED_F).address == "交通巷10号"
    job = ImportJob.objects.get()
    entry = AuditEntry.objects.get(action="person.update", object_id=str(existing.pk))
    assert entry.extra["import_job"] == job.pk and entry.source == "command"
    assert entry.changes == {"address": ["交通巷9号", "交通巷10号"]}


def test_empty_cells_never_erase(run, existing):
    content = csv_bytes([["姓名", "身份证号", "联系电话", "现住址", "民族"], ["陈芳", PUBLISHED_F, "", "\u3000", ""]],
                        "utf-8")
    code, out = run("r.csv", content)
    assert out["unchanged"] == 1
    p = person(PUBLISHED_F)
    assert (p.phone, p.address) == ("13912345678", "交通巷9号")


def test_duplicate_id_number_in_file(run):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号"], ["王五", BORN_1990], ["王五", BORN_1990.lower() + " "]],
                                       "utf-8"))
    assert code == 1
    assert codes(out) == [(3, "身份证号", "id_number.duplicate_in_file")]
    assert "第 2 行" in out["error_rows"][0]["message"]
    assert out["created"] == 1


def test_person_registered_outside_the_region(run, make_person):
    make_person(region=PEER_COMMUNITY, id_number=BORN_1990, name="王五")
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "现住址"], ["王五", BORN_1990, "新地址"]], "utf-8"))
    assert codes(out) == [(2, "身份证号", "id_number.registered_elsewhere")]
    assert person(BORN_1990).address == ""


# ---------------------------------------------------------------- households

HH = ["姓名", "身份证号", "户号", "与户主关系"]


def test_two_heads(run):
    a, b, c = idn("62070219800517001"), idn("62070219820304002"), idn("62070220100101003")
    code, out = run("r.csv", csv_bytes([HH, ["张建国", a, "101", "户主"], ["李秀英", b, "101", "户主"],
                                        ["张小明", c, "101", "子"]], "utf-8"))
    assert code == 1
    assert codes(out) == [(2, "与户主关系", "household.multiple_heads"), (3, "与户主关系", "household.multiple_heads"),
                          (4, "户号", "household.member_invalid")]
    assert "第 2、3 行" in out["error_rows"][0]["message"]
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_head_missing(run):
    a, b = idn("62070219820304002"), idn("62070220100101003")
    code, out = run("r.csv", csv_bytes([HH, ["李秀英", a, "102", "妻"], ["张小明", b, "102", "子"]], "utf-8"))
    assert codes(out) == [(2, "与户主关系", "household.head_missing"), (3, "与户主关系", "household.head_missing")]


def test_bad_member_row_does_not_block_the_rest_of_the_household(run):
    a, b = idn("62070219800517001"), idn("62070219820304002")
    code, out = run("r.csv", csv_bytes([HH, ["张建国", a, "101", "户主"], ["李秀英", b, "101", "表姑"]], "utf-8"))
    assert codes(out) == [(3, "与户主关系", "relation.unknown")]
    assert out["created"] == 1 and person(a).is_head


def test_new_member_joins_a_registered_household(run):
    a, b = idn("62070219800517001"), idn("62070219820304002")
    run("r.csv", csv_bytes([HH, ["张建国", a, "101", "户主"]], "utf-8"))
    code, out = run("r.csv", csv_bytes([HH, ["李秀英", b, "101", "妻"]], "utf-8"))
    assert (code, out["created"]) == (0, 1)
    assert person(b).household_id == person(a).household_id


def test_head_change_within_one_file(run):
    a, b = idn("62070219800517001"), idn("62070219820304002")
    run("r.csv", csv_bytes([HH, ["张建国", a, "101", "户主"], ["李秀英", b, "101", "妻"]], "utf-8"))
    code, out = run("r.csv", csv_bytes([HH, ["张建国", a, "101", "夫"], ["李秀英", b, "101", "户主"]], "utf-8"))
    assert (code, out["updated"]) == (0, 2)
    assert (person(a).relation_to_head, person(b).relation_to_head) == ("11", "02")


def test_second_head_for_a_registered_household(run):
    a, b = idn("62070219800517001"), idn("62070219820304002")
    run("r.csv", csv_bytes([HH, ["张建国", a, "101", "户主"]], "utf-8"))
    code, out = run("r.csv", csv_bytes([HH, ["李秀英", b, "101", "户主"]], "utf-8"))
    assert codes(out) == [(2, "与户主关系", "household.multiple_heads")]
    assert "已登记的户主" in out["error_rows"][0]["message"]


def test_member_of_another_household(run):
    a, b = idn("62070219800517001"), idn("62070219820304002")
    run("r.csv", csv_bytes([HH, ["张建国", a, "101", "户主"]], "utf-8"))
    code, out = run("r.csv", csv_bytes([HH, ["李秀英", b, "102", "户主"], ["张建国", a, "102", "夫"]], "utf-8"))
    assert (3, "户号", "household.member_taken") in codes(out)


def test_relation_without_house_number_is_a_warning(run):
    code, out = run("r.csv", csv_bytes([HH, ["王五", BORN_1990, "", "户主"]], "utf-8"))
    assert code == 0
    assert codes(out, "warning_rows") == [(2, "与户主关系", "relation.without_household")]


# ---------------------------------------------------------------- regions and tags


def test_grid_by_name_and_by_code(run):
    a, b = BORN_1990, idn("62070219900101003")
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "所属网格"], ["王五", a, "第一网格"], ["赵六", b, GRID]], "utf-8"))
    assert (code, out["created"]) == (0, 2)
    assert person(a).region_id == GRID and person(b).region_id == GRID


def test_grid_outside_the_region_is_out_of_scope(run):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "所属网格"], ["王五", BORN_1990, PEER_GRID]], "utf-8"))
    assert codes(out) == [(2, "所属网格", "region.out_of_scope")]


def test_community_row_when_importing_into_a_grid_is_out_of_scope(run, make_person):
    make_person(region=OWNER_COMMUNITY, id_number=BORN_1990, name="王五")
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号"], ["王五", BORN_1990]], "utf-8"), region=GRID)
    assert codes(out) == [(2, "身份证号", "id_number.registered_elsewhere")]


def test_tags(run):
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "人员类别"], ["王五", BORN_1990, "低保对象、独居老人"],
                                        ["赵六", idn("62070219900101003"), "五保户"]], "utf-8"))
    assert codes(out) == [(3, "人员类别", "tag.unknown")]
    tags = PersonTag.objects.filter(person=person(BORN_1990))
    assert sorted(t.kind_id for t in tags) == ["elderly_living_alone", "subsistence_allowance"]
    assert {t.source for t in tags} == {"import"}
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "人员类别"], ["王五", BORN_1990, "独居老人"]], "utf-8"))
    assert out["unchanged"] == 1  # a tag already held is not added twice


# ---------------------------------------------------------------- modes


def test_dry_run_writes_nothing_but_counts(run, existing):
    content = csv_bytes([["姓名", "身份证号", "现住址"], ["陈芳", PUBLISHED_F, "新址"], ["王五", BORN_1990, ""],
                         ["赵六", "1", ""]], "utf-8")
    code, out = run("r.csv", content, "--dry-run")
    assert code == 1
    assert (out["created"], out["updated"], out["unchanged"], out["errors"]) == (1, 1, 0, 1)
    assert Person.objects.count() == 1 and person(PUBLISHED_F).address == "交通巷9号"


def test_all_or_nothing_saves_nothing_when_a_row_fails(run):
    content = csv_bytes([["姓名", "身份证号"], ["王五", BORN_1990], ["赵六", "620702199001010011"]], "utf-8")
    code, out = run("r.csv", content, "--all-or-nothing")
    assert code == 1
    assert (out["created"], out["errors"]) == (0, 1)
    assert Person.objects.count() == 0
    code, out = run("r.csv", content)
    assert (out["created"], out["errors"]) == (1, 1)


def test_sheet_option(run):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表用于登记居民"])
    ws = wb.create_sheet("二组")
    ws.append(["姓名", "身份证号"])
    ws.append(["王五", BORN_1990])
    buf = io.BytesIO()
    wb.save(buf)
    assert run("r.xlsx", buf.getvalue())[1]["created"] == 1  # first sheet with a header
    code, out = run("r.xlsx", buf.getvalue(), "--sheet", "一组")
    assert (code, out["error"]["code"]) == (2, "sheet.not_found")


def test_xls_workbook(run):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("花名册")
    for j, h in enumerate(["姓名", "身份证号", "出生日期", "联系电话"]):
        ws.write(0, j, h)
    ws.write(1, 0, "王五")
    ws.write(1, 1, BORN_1990)
    ws.write(1, 2, datetime.date(1990, 1, 1), xlwt.easyxf(num_format_str="yyyy-mm-dd"))
    ws.write(1, 3, 13812345678)
    buf = io.BytesIO()
    wb.save(buf)
    code, out = run("r.xls", buf.getvalue())
    assert (code, out["created"]) == (0, 1)
    assert person(BORN_1990).phone == "13812345678"


# ---------------------------------------------------------------- limits: bombs and real rosters


def _png(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + bytes([200, 30, 30]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_styled_roster_with_a_logo_imports(run, tmp_path):
    import xlsxwriter

    logo = tmp_path / "logo.png"
    logo.write_bytes(_png(120, 40))
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("花名册")
    title = wb.add_format({"bold": True, "font_size": 18, "align": "center", "bg_color": "#DDEBF7"})
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#FCE4D6", "text_wrap": True})
    text = wb.add_format({"num_format": "@", "border": 1})
    ws.merge_range("A1:F1", "交通巷社区居民花名册", title)
    ws.insert_image("A1", str(logo))
    ws.set_row(0, 40)
    for j, h in enumerate(["姓名", "身份证号码\n（文本格式）", "性别", "联系电话", "户号", "与户主关系"]):
        ws.write_string(2, j, h, head)
    ws.write_string(3, 0, "王五", text)
    ws.write_string(3, 1, BORN_1990, text)
    ws.write_string(3, 2, "男", text)
    ws.write_string(3, 3, "138 1234 5678", text)
    ws.write_string(3, 4, "101", text)
    ws.write_string(3, 5, "户主", text)
    ws.data_validation(3, 2, 100, 2, {"validate": "list", "source": ["男", "女"]})
    ws.write_comment(3, 1, "请按文本格式填写")
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 3, 5)
    wb.close()
    code, out = run("花名册.xlsx", buf.getvalue())
    assert (code, out["created"], out["errors"]) == (0, 1, 0)
    assert person(BORN_1990).phone == "13812345678"


def test_zip_bomb_is_rejected(run, settings):
    settings.IMPORT_MAX_UNCOMPRESSED = 8 * 1024 * 1024
    from .test_reading import _lie_about_size, _rebuild

    bomb = _lie_about_size(_rebuild(roster(["王五", BORN_1990]), {"xl/media/image1.png": bytes(20 << 20)}),
                           "xl/media/image1.png", 4096)
    code, out = run("r.xlsx", bomb)
    assert (code, out["error"]["code"]) == (2, "file.uncompressed_too_large")
    assert Person.objects.count() == 0


def test_file_size_limit(run, settings):
    settings.IMPORT_MAX_BYTES = 1000
    code, out = run("r.csv", b"x" * 1001)
    assert (code, out["error"]["code"]) == (2, "file.too_large")


# ---------------------------------------------------------------- error workbook


def test_error_workbook(run, tmp_path):
    out_path = tmp_path / "errors.xlsx"
    content = roster(["王五", BORN_1990, "", "", "", "", "", "交通巷2号"],
                     ["赵六", 620702199001010010, "男", "", "", "", "", ""], title="花名册")
    code, out = run("r.xlsx", content, "--report", str(out_path))
    assert code == 1
    ws = openpyxl.load_workbook(out_path).active
    assert ws.cell(row=1, column=1).value == "花名册"
    assert [c.value for c in ws[2]] == HEADER + ["错误原因"]
    assert ws.cell(row=4, column=9).value.startswith("【身份证号】公民身份号码被存成了数字")
    assert ws.cell(row=4, column=2).fill.fgColor.rgb.endswith("FFC7CE")  # the bad cell, highlighted
    assert ws.cell(row=3, column=9).value is None
    assert ws.cell(row=3, column=2).value == BORN_1990 and ws.cell(row=3, column=2).number_format == "@"


def test_human_output_and_exit_status(db, tmp_path, capsys):
    from django.core.management import call_command

    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([["姓名", "身份证号"], ["王五", BORN_1990], ["赵六", "1"]], "utf-8"))
    with pytest.raises(SystemExit) as exc:
        call_command("import", "residents", str(path), "--region", OWNER_COMMUNITY)
    assert exc.value.code == 1
    text = capsys.readouterr().out
    assert "共 2 行，新增 1" in text and "错误 第 3 行【身份证号】" in text


def test_household_registered_outside_the_target_grid(run, make_person):
    from jiayuan.people.services import create_household

    head = make_person(region=OWNER_COMMUNITY, id_number=idn("62070219800517001"), name="张建国")
    from jiayuan.audit.services import Actor
    from jiayuan.accounts.models import User

    create_household(Actor(User.objects.get(username="admin"), "command"),
                     {"number": "101", "region": OWNER_COMMUNITY, "address": ""}, head)
    code, out = run("r.csv", csv_bytes([HH, ["李秀英", idn("62070219820304002"), "101", "妻"]], "utf-8"), region=GRID)
    assert codes(out) == [(2, "户号", "region.out_of_scope")]


@pytest.mark.parametrize("mode", [[], ["--all-or-nothing"]])
def test_conflict_while_writing_rolls_the_chunk_back_and_is_reported(run, monkeypatch, mode):
    from django.db import IntegrityError

    from jiayuan.imports.engine import write as write_stage

    real = write_stage.Writer.write_chunk_rows

    def conflicting(self, chunk):
        real(self, chunk)  # written, then a constraint breaks: the chunk must roll back
        raise IntegrityError("concurrent edit")

    monkeypatch.setattr(write_stage.Writer, "write_chunk_rows", conflicting)
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号"], ["王五", BORN_1990]], "utf-8"), *mode)
    assert code == 1
    assert codes(out) == [(2, "", "import.conflict")]
    assert (out["created"], out["errors"]) == (0, 1)
    assert Person.objects.count() == 0 and AuditEntry.objects.filter(action="person.create").count() == 0


def test_a_person_registered_meanwhile_is_a_reported_conflict_not_a_failure(run, monkeypatch, make_person):
    """A real unique-key violation from the database (the bulk insert, not an
    IntegrityError raised by hand): someone registered the same ID number after the
    file was validated, and the import's own check for that did not see it (as when
    the other transaction commits between the check and the insert). The chunk rolls
    back and its rows are reported as conflicts; the import is not "failed"."""
    from jiayuan.imports.engine import write as write_stage

    real_write = write_stage.Writer.write

    def write_after_a_desk_registration(self):
        make_person(name="王五", id_number=BORN_1990)  # committed before the chunk's insert
        return real_write(self)

    monkeypatch.setattr(write_stage.Writer, "write", write_after_a_desk_registration)
    monkeypatch.setattr(write_stage, "registered_hashes", lambda hashes: [])  # the race: not seen by the check
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号"], ["王五", BORN_1990],
                                        ["赵六", idn("62070219850101002")]], "utf-8"))
    assert code == 1
    assert codes(out) == [(2, "", "import.conflict"), (3, "", "import.conflict")]
    assert (out["created"], out["errors"]) == (0, 2)
    assert Person.objects.count() == 1 and AuditEntry.objects.filter(action="person.create").count() == 1


def test_a_person_registered_and_tagged_meanwhile_is_updated_without_a_second_tag(run, monkeypatch, make_person):
    """Another import (or the desk) registered the person, with the same tag, after this
    file was validated and before its chunk was written: the chunk finds the person
    (as an update) and must not add the tag the person now already has."""
    from jiayuan.imports.engine import write as write_stage

    real_write = write_stage.Writer.write

    def write_after_someone_else(self):
        from jiayuan.accounts.models import User
        from jiayuan.audit.services import Actor
        from jiayuan.people.services import add_tag

        person = make_person(name="王五", id_number=BORN_1990)
        add_tag(Actor(User.objects.get(username="admin"), "page"), person, "elderly_living_alone")
        return real_write(self)

    monkeypatch.setattr(write_stage.Writer, "write", write_after_someone_else)
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号", "人员类别"], ["王五", BORN_1990, "独居老人"]], "utf-8"))
    assert (code, out["errors"], out["created"]) == (0, 0, 0)
    person = Person.objects.get()
    assert list(person.tags.values_list("kind_id", flat=True)) == ["elderly_living_alone"]


def test_unexpected_failure_exits_2_with_a_sentence(run, monkeypatch):
    from jiayuan.imports.engine import validate as validate_stage

    def broken(read, progress):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(validate_stage, "validate", broken)
    code, out = run("r.csv", csv_bytes([["姓名", "身份证号"], ["王五", BORN_1990]], "utf-8"))
    assert (code, out["error"]["code"]) == (2, "import.failed")
    assert "disk" not in out["error"]["message"]
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED
