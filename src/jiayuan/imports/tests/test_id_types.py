"""证件类型 in roster import and export (issue 10): an optional column (blank = 居民身份证)
taking the Chinese names and the codes; the same number under two types is two persons,
the same (type, number) twice in a file a duplicate; the export writes the type's name."""

import datetime
import io

import pytest
import python_calamine as pc

from jiayuan import security
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.imports import export, services
from jiayuan.people.models import Person
from jiayuan.people.services import create_person
from jiayuan.regions.models import Region

from .conftest import GRID, OWNER_COMMUNITY, codes, idn, xlsx_bytes

HEADER = ["姓名", "证件类型", "证件号码", "性别", "出生日期", "现住址"]
BORN_1990 = idn("62070219900101001")


def roster(*rows, header=HEADER) -> bytes:
    return xlsx_bytes([header, *rows], text_columns=(3,))


def by(id_type: str, number: str) -> Person:
    key = number if id_type == "resident_id" else f"{id_type}:{number}"
    return Person.objects.get(id_number_hash=security.lookup_hash("id_number", key))


def test_type_column_same_number_under_two_types_is_two_persons(run):
    code, out = run("r.xlsx", roster(
        ["陈大文", "护照", "H12345678", "男", "1980-05-17", "交通巷1号"],
        ["陈大文", "港澳居民来往内地通行证", "h1234 5678", "男", "1980-05-17", "交通巷1号"],
        ["王五", "", BORN_1990, "", "", ""],                 # blank type: 居民身份证
        ["李四", "resident_id", idn("62070219850505002"), "", "", ""],
        ["Anna", "taiwan_permit", "12345678", "", "1975-06-07", ""],
    ))
    assert code == 0, out
    assert (out["created"], out["errors"]) == (5, 0)
    a, b = by("passport", "H12345678"), by("hk_macao_permit", "H12345678")
    assert a.pk != b.pk and (a.id_type, b.id_type) == ("passport", "hk_macao_permit")
    assert (a.birth_date, a.sex, a.id_number) == (datetime.date(1980, 5, 17), 1, "H12345678")
    assert by("taiwan_permit", "12345678").sex == 0  # not entered: 未知的性别
    assert by("resident_id", BORN_1990).id_type == "resident_id"
    entry = AuditEntry.objects.get(action="person.create", object_id=str(a.pk))
    assert entry.changes["id_type"] == [None, "passport"]


def test_same_type_and_number_twice_in_the_file_is_a_duplicate(run):
    code, out = run("r.xlsx", roster(
        ["陈大文", "护照", "H12345678", "男", "1980-05-17", ""],
        ["陈小文", "passport", "H12345678", "男", "1981-05-17", ""],
    ))
    assert codes(out) == [(3, "证件号码", "id_number.duplicate_in_file")]
    assert out["created"] == 1


def test_unknown_type_and_bad_numbers_are_row_errors_in_chinese(run):
    code, out = run("r.xlsx", roster(
        ["甲", "驾驶证", "H12345678", "男", "1980-05-17", ""],
        ["乙", "港澳居民来往内地通行证", "K12345678", "男", "1980-05-17", ""],
        ["丙", "护照", "E12345678", "男", "", ""],           # no birth date for a new passport holder
        ["丁", "外国人永久居留身份证", "911840198503150017", "", "", ""],  # check character is 6
    ))
    assert codes(out) == [(2, "证件类型", "id_type.unknown"), (3, "证件号码", "id_number.format"),
                          (4, "出生日期", "birth_date.missing"), (5, "证件号码", "id_number.checksum")]
    messages = [e["message"] for e in out["error_rows"]]
    assert "无法识别的证件类型“驾驶证”" in messages[0]
    assert "港澳居民来往内地通行证号码应为字母H" in messages[1]
    assert "该证件号码不含出生日期" in messages[2]
    assert out["created"] == 0 and Person.objects.count() == 0


def test_fpr_2023_takes_its_birth_date_from_the_number(run):
    code, out = run("r.xlsx", roster(["Anna Schmidt", "外国人永久居留身份证", "911840198503150016", "女", "", ""]))
    assert code == 0 and out["created"] == 1, out
    p = by("foreign_permanent_residence", "911840198503150016")
    assert (p.birth_date, p.sex) == (datetime.date(1985, 3, 15), 2)


def test_second_run_of_other_documents_is_unchanged(run):
    content = roster(["陈大文", "护照", "H12345678", "男", "1980-05-17", "交通巷1号"])
    assert run("r.xlsx", content)[1]["created"] == 1
    code, out = run("r.xlsx", content)
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 1)


# --- export -------------------------------------------------------------------------------

def _rows(data: bytes) -> list[list]:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)


def test_export_has_the_type_column_masks_by_type_and_round_trips(page_client, users):
    admin = Actor(users["admin"], "command")
    create_person(admin, {"name": "陈大文", "id_type": "hk_macao_permit", "id_number": "H1234567801",
                          "birth_date": "1980-05-17", "sex": 1, "region": GRID})
    create_person(admin, {"name": "王五", "id_number": BORN_1990, "region": GRID})
    assert export.ROSTER_HEADERS[-1] == "证件类型"
    body = b"".join(page_client("community").get(f"/persons/export/?format=xlsx&region={GRID}").streaming_content)
    rows = _rows(body)
    header = rows[1]
    by_name = {r[0]: dict(zip(header, r)) for r in rows[2:]}
    assert by_name["陈大文"]["证件类型"] == "港澳居民来往内地通行证"
    assert by_name["陈大文"]["身份证号"] == "*******7801"  # not the 6 + 4 of an 18-character ID
    assert by_name["王五"]["证件类型"] == "居民身份证"
    # whole numbers, imported again: nothing changes
    data = b"".join(page_client("county").get(
        f"/persons/export/?format=xlsx&region={GRID}&sensitive=1").streaming_content)
    job = services.create_job(Actor(users["county"], "page"), Region.objects.get(code=OWNER_COMMUNITY),
                              "导出.xlsx", data, store_file=False)
    result = services.run_import(job, data)
    assert (result.job.rows, result.job.created, result.job.unchanged, result.job.errors) == (2, 0, 2, 0), \
        result.issues


@pytest.mark.parametrize("fmt", ["csv"])
def test_csv_export_writes_the_type_name(page_client, users, fmt):
    create_person(Actor(users["admin"], "command"), {"name": "Maria Lopez", "id_type": "passport",
                                                    "id_number": "XDA123456", "birth_date": "1990-02-03",
                                                    "region": GRID})
    text = b"".join(page_client("county").get(
        f"/persons/export/?format={fmt}&region={GRID}&sensitive=1").streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].endswith(",证件类型")
    assert "Maria Lopez" in text and text.splitlines()[1].endswith(",护照") and "XDA123456" in text
