"""Roster export: the import's headers, text kept as text, formulas never live, 𠮷
survives, masking and rights, one audit entry per export, and export → import changes
nothing."""

import csv
import io
from datetime import date
from urllib.parse import unquote

import openpyxl
import pytest
import python_calamine as pc

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import make_id_number
from jiayuan.imports import export, services
from jiayuan.imports.xlsx import StreamingXlsx
from jiayuan.people.models import Person
from jiayuan.people.services import add_tag, create_household
from jiayuan.regions.models import Region

from .conftest import GRID, OWNER_COMMUNITY

FORMULAS = ["=1+1", "+8613812345678", "-3号楼", "@SUM(A1)", "\t制表符开头", "\r回车开头", "=HYPERLINK(\"http://x\")"]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _xlsx_rows(data: bytes) -> list[list]:
    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)


@pytest.fixture
def registry(users, make_person):
    """A household of two in the grid (head with phone, tags, a formula-looking note,
    an address with leading zeros), a 𠮷 name, and persons with formula-looking text."""
    admin = Actor(users["admin"], "command")
    head = make_person(region=GRID, name="张建国", id_number=make_id_number(date(1956, 4, 12), 1),
                       phone="13893612345", ethnic_group="03", address="0012号楼-3单元", note="=1+1 待核实")
    wife = make_person(region=GRID, name="𠮷野花", id_number=make_id_number(date(1958, 9, 1), 2),
                       residence_status="floating")
    create_household(admin, {"number": "0012", "region": GRID, "address": "0012号楼-3单元"}, head, [(wife, "12")])
    add_tag(admin, head, "empty_nest_elderly")
    add_tag(admin, head, "disabled")
    others = [make_person(region=OWNER_COMMUNITY, name=f"王{'一二三四五六七'[i]}", note=text,
                          id_number=make_id_number(date(1980 + i, 1, 5), 1 + i % 2), address=text)
              for i, text in enumerate(FORMULAS[:3])]
    return {"head": head, "wife": wife, "others": others}


# --- writers -----------------------------------------------------------------------------

def test_xlsx_text_is_text_numbers_are_numbers_formulas_are_strings():
    out = io.BytesIO()
    StreamingXlsx("表", ["文本", "数字", "日期"], text_columns={0}).write_to(out, [
        [t, -12.5, date(1990, 1, 1)] for t in FORMULAS + ["0012", "62070219560412001X", "_x0041_"]] + [["x", 3, None]])
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    ws = wb.active
    cells = [ws.cell(row=r, column=1) for r in range(2, 2 + len(FORMULAS) + 3)]
    assert all(c.data_type == "s" for c in cells)  # strings, never formulas ("f")
    assert [c.value for c in cells[:len(FORMULAS)]][:4] == FORMULAS[:4]
    assert ws.cell(row=2, column=2).value == -12.5 and ws.cell(row=2, column=2).data_type == "n"
    assert ws.cell(row=2, column=1).number_format == "@"
    rows = _xlsx_rows(out.getvalue())
    assert [r[0] for r in rows[1:]] == FORMULAS + ["0012", "62070219560412001X", "_x0041_", "x"]
    assert rows[1][2] == date(1990, 1, 1) and rows[-1][1] == 3


def test_csv_guards_formulas_but_not_numbers():
    data = b"".join(export.stream_csv([[t, -5, 1.5] for t in FORMULAS], headers=["a", "b", "c"]))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + t for t in FORMULAS]
    assert rows[1][1:] == ["-5", "1.5"]


def test_csv_streams_in_chunks_with_one_bom():
    chunks = list(export.stream_csv(([str(i), "𠮷"] for i in range(5000)), headers=["a", "b"], chunk_rows=1000))
    assert len(chunks) >= 5
    data = b"".join(chunks)
    assert data.count(b"\xef\xbb\xbf") == 1
    assert data.decode("utf-8-sig").count("𠮷") == 5000


def test_content_disposition_has_utf8_name_and_ascii_fallback():
    header = export.content_disposition("居民名单-2026.xlsx", "jiayuan-persons.xlsx")
    assert header.startswith('attachment; filename="jiayuan-persons.xlsx"; filename*=UTF-8\'\'')
    assert unquote(header.split("''", 1)[1]) == "居民名单-2026.xlsx"


def test_template_has_standard_headers_and_text_columns(page_client, users):
    resp = page_client("community").get("/imports/template/")
    assert resp.status_code == 200
    assert "filename*=UTF-8''" in resp["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    ws = wb.active
    assert [c.value for c in ws[1]] == list(export.ROSTER_HEADERS)
    for field in ("id_number", "phone", "household_number"):
        col = export.ROSTER_FIELDS.index(field) + 1
        assert ws.cell(row=2, column=col).number_format == "@"


# --- pages and API -------------------------------------------------------------------------

def test_export_needs_the_export_right(page_client, api_client, registry):
    assert page_client("grid_member").get("/persons/export/?format=xlsx").status_code == 403
    assert api_client("grid_member").get("/api/v1/persons/export").status_code == 403
    assert page_client("auditor").get("/households/export/").status_code == 403


def test_masked_unless_sensitive_right_and_asked(page_client, api_client, registry):
    head = registry["head"]
    resp = page_client("community").get(f"/persons/export/?format=csv&region={GRID}")
    text = _body(resp).decode("utf-8-sig")
    assert head.id_number_masked in text and head.id_number not in text
    assert "138****2345" in text and "13893612345" not in text
    # a community worker may not ask for whole numbers
    assert page_client("community").get("/persons/export/?format=csv&sensitive=1").status_code == 403
    assert api_client("community").get("/api/v1/persons/export?sensitive=true").status_code == 403
    resp = page_client("county").get(f"/persons/export/?format=csv&region={GRID}&sensitive=1")
    text = _body(resp).decode("utf-8-sig")
    assert head.id_number in text and "13893612345" in text
    # sensitive right without asking: still masked
    text = _body(page_client("county").get(f"/persons/export/?format=csv&region={GRID}")).decode("utf-8-sig")
    assert head.id_number not in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("route", ["/persons/export/?format={fmt}&region={grid}",
                                   "/api/v1/persons/export?format={fmt}&region={grid}",
                                   "/households/export/?format={fmt}&q=0012"])
def test_a_masked_roster_shows_no_birth_date_that_rebuilds_the_masked_id_number(page_client, api_client, registry,
                                                                                route, fmt):
    """The eight hidden digits of 620702********… are the birth date: 张建国 was born
    1956-04-12, so neither 19560412 nor 1956-04-12 (nor a date cell) may stand in his
    masked row. The age takes its place, as in the API: 周岁 on today's date."""
    from django.utils import timezone

    head = registry["head"]
    client = api_client("community") if route.startswith("/api/") else page_client("community")
    data = _body(client.get(route.format(fmt=fmt, grid=GRID)))
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        rows = [["" if c is None else str(c) for c in r] for r in _xlsx_rows(data)]
    header = next(r for r in rows if "姓名" in r)
    assert "出生日期" not in header and "年龄" in header
    row = next(r for r in rows if "张建国" in r)
    assert head.id_number_masked in row
    cells = " ".join(str(c) for c in row)
    assert "19560412" not in cells and "1956-04-12" not in cells and "1956" not in cells
    today = timezone.localdate()
    age = today.year - 1956 - ((today.month, today.day) < (4, 12))  # 周岁, worked out by hand
    assert row[header.index("年龄")] in (str(age), f"{age}.0")


def test_a_sensitive_roster_keeps_the_birth_date_for_the_round_trip(page_client, registry):
    text = _body(page_client("county").get(f"/persons/export/?format=csv&region={GRID}&sensitive=1")).decode(
        "utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert "出生日期" in header and "年龄" not in header and "1956-04-12" in text


def test_every_export_is_audited_with_filter_and_row_count(page_client, api_client, users, registry):
    before = AuditEntry.objects.filter(action__endswith=".export").count()
    resp = page_client("community").get(f"/persons/export/?format=xlsx&region={GRID}&tag=disabled")
    assert resp.streaming and resp["X-Export-Rows"] == "1"
    _body(resp)
    resp = api_client("county").get(f"/api/v1/households/export?format=csv&region={OWNER_COMMUNITY}&sensitive=true")
    assert resp.status_code == 200
    entries = list(AuditEntry.objects.filter(action__endswith=".export").order_by("seq"))
    assert len(entries) == before + 2
    page, api = entries[-2], entries[-1]
    assert (page.action, page.actor_id, page.source) == ("person.export", users["community"].pk, "page")
    assert page.extra["filters"] == {"region": GRID, "tag": "disabled"}
    assert (page.extra["rows"], page.extra["format"], page.extra["sensitive"]) == (1, "xlsx", False)
    assert (api.action, api.source, api.extra["rows"], api.extra["sensitive"]) == ("household.export", "api", 2, True)


def test_export_is_scoped(page_client, api_client, registry, make_person):
    make_person(region="620702001005", name="甘泉人")
    text = _body(page_client("peer").get("/persons/export/?format=csv")).decode("utf-8-sig")
    assert "甘泉人" in text and "张建国" not in text
    assert page_client("peer").get(f"/persons/export/?region={OWNER_COMMUNITY}").status_code == 404
    assert api_client("outsider").get(f"/api/v1/persons/export?region={GRID}").status_code == 404


def test_headers_are_the_import_headers_and_cells_as_workers_write_them(page_client, registry):
    rows = _xlsx_rows(_body(page_client("county").get(f"/persons/export/?region={GRID}&sensitive=1")))
    assert rows[1] == list(export.ROSTER_HEADERS)  # row 1: title with the filter and who exported
    assert "导出人" in rows[0][0]
    by_name = {r[0]: r for r in rows[2:]}
    head = by_name["张建国"]
    assert head[1:4] == ["男", registry["head"].id_number, "回族"]
    assert head[4] == date(1956, 4, 12)
    assert head[6:10] == ["0012", "户主", "0012号楼-3单元", "第一网格"]
    assert head[10] == "残疾人、空巢老人" or set(head[10].split("、")) == {"残疾人", "空巢老人"}
    assert by_name["𠮷野花"][7] == "妻" and by_name["𠮷野花"][11] == "流动人口"


# --- round trips ----------------------------------------------------------------------------

def _reimport(users, name: str, data: bytes, region: str = OWNER_COMMUNITY):
    job = services.create_job(Actor(users["county"], "page"), Region.objects.get(code=region), name, data,
                              store_file=False)
    result = services.run_import(job, data)
    assert result.rejected is None, result.rejected
    return result.job, result


@pytest.mark.parametrize("fmt,encoding", [("xlsx", ""), ("csv", "utf-8"), ("csv", "gb18030")])
def test_export_then_import_changes_nothing(page_client, users, registry, fmt, encoding):
    count, seq = Person.objects.count(), AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    versions = dict(Person.objects.values_list("pk", "version"))
    resp = page_client("county").get(
        f"/persons/export/?format={fmt}&encoding={encoding}&region={OWNER_COMMUNITY}&sensitive=1")
    data = _body(resp)
    if encoding == "gb18030":
        assert not data.startswith(b"\xef\xbb\xbf") and "𠮷".encode("gb18030") in data
    job, result = _reimport(users, f"导出.{fmt}", data)
    assert (job.rows, job.created, job.updated, job.unchanged, job.errors) == (5, 0, 0, 5, 0), result.issues
    assert Person.objects.count() == count
    assert dict(Person.objects.values_list("pk", "version")) == versions
    new = AuditEntry.objects.filter(seq__gt=seq).exclude(action__endswith=".export")
    assert not new.exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_formula_looking_text_round_trips(page_client, users, registry, fmt):
    data = _body(page_client("county").get(f"/persons/export/?format={fmt}&region={OWNER_COMMUNITY}&sensitive=1"))
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        assert "'=1+1 待核实" in text and "'-3号楼" in text and "'+86" in text
    else:
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        notes = [ws.cell(row=r, column=13) for r in range(3, ws.max_row + 1)]
        assert any(c.value == "=1+1 待核实" and c.data_type == "s" for c in notes)
    Person.objects.filter(note="=1+1 待核实").update(note="changed")  # the import must put it back
    job, _ = _reimport(users, f"x.{fmt}", data)
    assert job.updated == 1 and job.errors == 0
    assert Person.objects.filter(note="=1+1 待核实").count() == 1
    assert set(Person.objects.filter(name__startswith="王").values_list("address", flat=True)) == set(FORMULAS[:3])


@pytest.mark.parametrize("fmt,encoding", [("xlsx", ""), ("csv", "utf-8"), ("csv", "gb18030")])
def test_rare_character_round_trips(page_client, users, registry, fmt, encoding):
    data = _body(page_client("county").get(
        f"/persons/export/?format={fmt}&encoding={encoding}&region={GRID}&sensitive=1"))
    Person.objects.filter(pk=registry["wife"].pk).update(name="吉野花")
    job, _ = _reimport(users, f"x.{fmt}", data, region=GRID)
    assert job.updated == 1 and job.errors == 0
    assert Person.objects.get(pk=registry["wife"].pk).name == "𠮷野花"


def test_household_export_lists_members_of_the_filtered_households(page_client, registry):
    rows = _xlsx_rows(_body(page_client("community").get("/households/export/?q=0012")))
    assert sorted(r[0] for r in rows[2:]) == sorted(["张建国", "𠮷野花"])
    assert rows[2][6] == "0012"


def test_export_buttons_on_list_pages(page_client, registry):
    html = page_client("community").get("/persons/").content.decode()
    assert "/persons/export/?format=xlsx" in html and 'data-testid="export-sensitive"' not in html
    html = page_client("county").get("/households/").content.decode()
    assert "/households/export/?format=csv" in html and 'data-testid="export-sensitive"' in html
    assert "export-menu" not in page_client("grid_member").get("/persons/").content.decode()


# --- file names and title rows name the region and the day (issue 10) ----------------------

def _today() -> str:
    """The local date of the deployment (Asia/Shanghai, settings.TIME_ZONE), worked out
    apart from the code under test."""
    import datetime
    from zoneinfo import ZoneInfo

    return datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def _file_names(resp) -> tuple[str, str]:
    """(the UTF-8 file name, the ASCII fallback) of a Content-Disposition header."""
    header = resp["Content-Disposition"]
    fallback = header.split('filename="', 1)[1].split('"', 1)[0]
    return unquote(header.split("filename*=UTF-8''", 1)[1]), fallback


@pytest.mark.parametrize("route", ["/persons/export/?format=xlsx", "/api/v1/persons/export?format=xlsx"])
def test_a_community_workers_export_is_named_by_the_community_and_the_day(page_client, api_client, registry, route):
    """交通巷社区居民委员会 (620702001001), the worker's scope, short name 交通巷社区; masked."""
    client = api_client("community") if route.startswith("/api/") else page_client("community")
    resp = client.get(route)
    assert resp.status_code == 200
    today = _today()
    assert _file_names(resp) == (f"交通巷社区-居民花名册-{today}-脱敏.xlsx",
                                 f"jiayuan-persons-620702001001-{today}-masked.xlsx")
    assert resp["X-Export-Rows"] == "5" and resp["Cache-Control"] == "no-store"
    title = openpyxl.load_workbook(io.BytesIO(_body(resp))).active.cell(row=1, column=1).value
    assert title.startswith("交通巷社区 居民花名册（") and f"导出时间：{today} " in title and "导出人：" in title


@pytest.mark.parametrize("route", ["/persons/export/?format=csv&sensitive=1&region=620702001005",
                                   "/api/v1/persons/export?format=csv&sensitive=true&region=620702001005"])
def test_a_county_officers_export_is_named_by_the_filtered_region(page_client, api_client, registry,
                                                                  make_person, route):
    """The county officer (甘州区) filters 甘泉社区居民委员会 (620702001005): the file names
    the filtered region, not the officer's county; whole numbers: no -脱敏."""
    make_person(region="620702001005", name="甘泉人")
    client = api_client("county") if route.startswith("/api/") else page_client("county")
    resp = client.get(route)
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "1"
    today = _today()
    assert _file_names(resp) == (f"甘泉社区-居民花名册-{today}.csv", f"jiayuan-persons-620702001005-{today}.csv")
    # no filter: the officer's county
    resp = client.get(route.replace("&region=620702001005", ""))
    assert _file_names(resp)[0] == f"甘州区-居民花名册-{today}.csv"


@pytest.mark.parametrize("route", ["/households/export/?q=0012", "/api/v1/households/export?number=0012"])
def test_the_household_export_is_named_by_region_and_day(page_client, api_client, registry, route):
    client = api_client("community") if route.startswith("/api/") else page_client("community")
    resp = client.get(route)
    today = _today()
    assert resp.status_code == 200 and resp["X-Export-Rows"] == "2"
    assert _file_names(resp) == (f"交通巷社区-户成员花名册-{today}-脱敏.xlsx",
                                 f"jiayuan-households-620702001001-{today}-masked.xlsx")
    title = openpyxl.load_workbook(io.BytesIO(_body(resp))).active.cell(row=1, column=1).value
    assert title.startswith("交通巷社区 户成员花名册（")
    # a grid as the filter: named with its community
    resp = page_client("county").get(f"/households/export/?region={GRID}&format=csv")
    assert _file_names(resp)[0] == f"交通巷社区第一网格-户成员花名册-{today}-脱敏.csv"


def test_the_city_and_an_administrator_without_scope(page_client, registry):
    today = _today()
    assert _file_names(page_client("city").get("/persons/export/?format=csv"))[0] == \
        f"张掖市-居民花名册-{today}-脱敏.csv"
    assert _file_names(page_client("admin").get("/persons/export/?format=csv"))[0] == \
        f"全部-居民花名册-{today}-脱敏.csv"


def test_money_columns_are_numbers_formatted_0_00():
    from decimal import Decimal

    out = io.BytesIO()
    StreamingXlsx("发放明细", ["编号", "金额（元）"], money_columns={1}, title="标题").write_to(
        out, [[1, Decimal("1403.01")], [2, 22187], [3, Decimal("-0.50")], [4, "待定"]])
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    amounts = [ws.cell(row=r, column=2) for r in range(3, 7)]
    assert [c.value for c in amounts] == [1403.01, 22187, -0.5, "待定"]
    assert [c.data_type for c in amounts] == ["n", "n", "n", "s"]
    assert [c.number_format for c in amounts[:3]] == ["0.00"] * 3
    assert ws.cell(row=3, column=1).number_format == "General"   # other numbers unformatted
    assert ws.cell(row=2, column=2).value == "金额（元）"          # the header stays text
