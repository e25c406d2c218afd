"""``jiayuan import beneficiaries``: existing beneficiary rosters (享受对象花名册) enrolled
through the enrollment service, on the roster engine. Workbooks are built in each test
with openpyxl; amounts are worked out by hand from the parameters set here:

低保 standards (city 6207, from 2024-01): urban 735.00, rural 560.00 元/人·月 (the amount
is (standard − per-capita income) × members, or standard × members − household income,
rounded once to the fen; per-capita income equal to the standard is not eligible:
国务院令第649号 第九条、第十三条, docs/assistance.md).
"""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from jiayuan.assistance import services as assistance
from jiayuan.assistance.models import Enrollment, EnrollmentEvent
from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.conftest import GRID, OUTSIDE_VILLAGE, OWNER_COMMUNITY, make_id_number
from jiayuan.imports.beneficiaries import MESSAGES
from jiayuan.imports.models import ImportIssue, ImportJob
from jiayuan.people import services as people_services

from .conftest import xlsx_bytes

JAN = datetime.date(2024, 1, 1)
MAR = datetime.date(2024, 3, 1)
MAY = datetime.date(2024, 5, 1)
HEADER = ["序号", "姓名", "身份证号", "城乡类别", "保障人数", "人均月收入", "家庭月收入", "起始月份", "发放账户", "备注"]


@pytest.fixture
def params(users):
    city = Actor(users["city"], "command")
    assistance.set_parameters(city, "subsistence_allowance", "6207", JAN,
                              {"standard_urban": "735.00", "standard_rural": "560.00"})
    assistance.set_parameters(city, "elderly_allowance", "6207", JAN, {"bands": [
        {"min_age": 80, "max_age": 89, "amount": "100.00"}, {"min_age": 90, "max_age": None, "amount": "200.00"}]})


@pytest.fixture
def household(users, make_person):
    """``household(number, head_name, members=0, region=GRID)`` → the head, registered
    with ``members`` more persons in a household (through the people services)."""
    admin = Actor(users["admin"], "command")

    def factory(number: str, head_name: str, members: int = 0, region: str = GRID, birth=datetime.date(1970, 1, 1)):
        head = make_person(region, head_name, id_number=make_id_number(birth, 1))
        others = [(make_person(region, head_name[0] + "家" + "甲乙丙丁"[i], id_number=make_id_number(datetime.date(1995, 1, i + 1), 2)),
                   "20") for i in range(members)]
        people_services.create_household(admin, {"number": number, "region": region}, head, others)
        head.refresh_from_db()
        return head

    return factory


@pytest.fixture
def run_ben(db, tmp_path):
    """``run_ben(content, *args, user="county", region=OWNER_COMMUNITY)`` → (exit status,
    JSON) of ``jiayuan import beneficiaries FILE --region R --user U --json …``."""

    def runner(content: bytes, *args, user: str | None = "county", region: str = OWNER_COMMUNITY,
               name: str = "低保花名册.xlsx"):
        path = tmp_path / name
        path.write_bytes(content)
        out = io.StringIO()
        argv = ["import", "beneficiaries", str(path), "--region", region, "--json", *args]
        if user:
            argv += ["--user", user]
        try:
            call_command(*argv, stdout=out)
            code = 0
        except SystemExit as exc:
            code = exc.code
        return code, json.loads(out.getvalue())

    return runner


def book(*rows, header=HEADER, title="甘州区东街街道交通巷社区低保对象花名册"):
    return xlsx_bytes([header, *rows], title=title, text_columns=(3, 9))


def errors(out):
    return [(e["row"], e["column"], e["code"]) for e in out["error_rows"]]


# ---------------------------------------------------------------- a 低保 roster


def test_subsistence_roster_of_three_households(users, params, household, run_ben):
    zhang = household("A-01", "张建国", members=2)
    li = household("A-02", "李明", members=1, region=OWNER_COMMUNITY)
    wang = household("A-03", "王芳")
    code, out = run_ben(book(
        [1, "张建国", zhang.id_number, "城市", 3, 512.33, "", "", "6228 4800 1234 5678", ""],
        [2, "李明", li.id_number, "农村", "2", "", "800", "", "", "原台账第2户"],
        [3, "王芳", wang.id_number, "urban", 1, "0", "", "2024年5月", "", ""],
    ), "--program", "低保", "--start-month", "2024-03")
    assert code == 0, out
    # title on row 1, header on row 2: the unknown 序号 column is a warning on row 2
    assert out == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "errors": 0, "warnings": 1,
                   "error_rows": [], "warning_rows": [{"row": 2, "column": "序号", "code": "column.unknown",
                                                       "message": "不认识的列“序号”，已忽略"}]}
    by_name = {e.person.name: e for e in Enrollment.objects.select_related("person")}
    # (735.00 − 512.33) × 3 = 222.67 × 3 = 668.01
    assert by_name["张建国"].amount == Decimal("668.01")
    # rural, household income given: 560.00 × 2 − 800.00 = 320.00
    assert by_name["李明"].amount == Decimal("320.00")
    # urban, no income: 735.00 × 1
    assert by_name["王芳"].amount == Decimal("735.00")
    assert [by_name[n].start_month for n in ("张建国", "李明", "王芳")] == [MAR, MAR, MAY]
    assert {e.program_id for e in by_name.values()} == {"subsistence_allowance"}
    assert by_name["张建国"].household_id == zhang.household_id
    assert by_name["张建国"].region_id == GRID and by_name["李明"].region_id == OWNER_COMMUNITY
    assert by_name["张建国"].payee_account == "****5678"
    assert by_name["张建国"].inputs == {"area": "urban", "members": 3, "per_capita_income": "512.33"}
    assert by_name["李明"].next_review_on == datetime.date(2025, 3, 1)  # start + 12 months
    job = ImportJob.objects.get()
    assert (job.kind, job.created_by, job.source, job.created) == ("beneficiaries", users["county"], "command", 3)
    assert job.options["program"] == "subsistence_allowance" and job.options["start_month"] == "2024-03-01"
    # audited through enroll, as the county user, with the job and the row
    entries = AuditEntry.objects.filter(action="assistance.enrollment.create").order_by("seq")
    assert [(a.actor_name, a.source, a.extra["import_job"], a.extra["row"]) for a in entries] == [
        ("county", "command", job.pk, 3), ("county", "command", job.pk, 4), ("county", "command", job.pk, 5)]
    events = EnrollmentEvent.objects.filter(kind="enrolled").order_by("enrollment__person__name")
    assert {e.enrollment.person.name: e.reason for e in events}["李明"] == "原台账第2户"
    assert {e.enrollment.person.name: e.reason for e in events}["王芳"] == "由享受对象花名册导入（低保花名册.xlsx 第 5 行）"


def test_row_errors_carry_the_service_codes(users, params, household, make_person, run_ben):
    ok = household("B-01", "赵一", members=1)
    dup = household("B-02", "钱二", members=1)
    poor = household("B-03", "孙三", members=1)
    assistance.enroll(Actor(users["county"], "page"), program="subsistence_allowance", person=dup,
                      household=dup.household, region=GRID, start_month=JAN,
                      inputs={"area": "urban", "members": 2, "per_capita_income": "100.00"})
    loner = make_person(GRID, "周四")  # registered, in no household
    stranger = make_id_number(datetime.date(1966, 6, 6), 1)  # not registered at all
    code, out = run_ben(book(
        [1, "赵一", ok.id_number, "城市", 2, "600", "", "", "", ""],
        [2, "钱二", dup.id_number, "城市", 2, "100", "", "", "", ""],
        [3, "孙三", poor.id_number, "城市", 2, "735.00", "", "", "", ""],
        [4, "吴五", stranger, "城市", 1, "0", "", "", "", ""],
        [5, "周四", loner.id_number, "城市", 1, "0", "", "", "", ""],
        [6, "赵壹", ok.id_number, "城市", 2, "600", "", "", "", ""],
        [7, "郑六", 6.20702198001010e17, "城市", 1, "0", "", "", "", ""],
        [8, "孙三", poor.id_number, "城镇", "两", "100", "", "2024-13", "", ""],
    ), "--program", "subsistence_allowance", "--start-month", "2024-01")
    assert code == 1
    assert out["rows"] == 8 and out["created"] == 1 and out["errors"] == 7
    assert errors(out) == [
        (4, "", "enrollment.duplicate"),
        # 735.00 per capita = the standard: not strictly below → not eligible
        (5, "", "amount.zero"),
        (6, "身份证号", "person.not_registered"),
        (7, "身份证号", "household.required"),
        (8, "姓名", "person.name_mismatch"),
        (9, "身份证号", "id_number.stored_as_number"),
        (10, "起始月份", "start_month.format"),
        (10, "保障人数", "inputs.invalid"),
    ]
    messages = {e["code"]: e["message"] for e in out["error_rows"]}
    assert "钱二已在享受最低生活保障" in messages["enrollment.duplicate"]
    assert messages["amount.zero"].startswith("按 2024-01 的参数测算，不符合享受条件")
    assert "735.00" in messages["amount.zero"] and "测算金额为 0" not in messages["amount.zero"]  # names why
    assert messages["person.not_registered"] == MESSAGES["person.not_registered"]
    assert "“赵一”" in messages["person.name_mismatch"] and "“赵壹”" in messages["person.name_mismatch"]
    e = Enrollment.objects.get(person=ok)
    assert e.amount == Decimal("270.00")  # (735.00 − 600.00) × 2
    assert Enrollment.objects.count() == 2  # the one made before and 赵一
    assert ImportIssue.objects.filter(job__kind="beneficiaries", code="person.not_registered").get().value == (
        stranger[:6] + "********" + stranger[-4:])


def test_dry_run_checks_eligibility_and_writes_nothing(users, params, household, run_ben):
    a = household("C-01", "冯一")
    b = household("C-02", "陈二")
    audit_before = AuditEntry.objects.count()
    code, out = run_ben(book(
        [1, "冯一", a.id_number, "城市", 1, "700", "", "", "", ""],
        [2, "陈二", b.id_number, "城市", 1, "800", "", "", "", ""],
    ), "--program", "低保", "--start-month", "2024-03", "--dry-run")
    assert code == 1
    assert (out["created"], out["errors"]) == (1, 1)  # 700 < 735 would be enrolled; 800 is not eligible
    assert errors(out) == [(4, "", "amount.zero")]
    assert Enrollment.objects.count() == 0 and EnrollmentEvent.objects.count() == 0
    assert not AuditEntry.objects.filter(action="assistance.enrollment.create").exists()
    assert AuditEntry.objects.count() == audit_before
    assert ImportJob.objects.get().dry_run


def test_all_or_nothing(users, params, household, run_ben):
    a = household("D-01", "褚一")
    b = household("D-02", "卫二")
    content = book([1, "褚一", a.id_number, "城市", 1, "700", "", "", "", ""],
                   [2, "卫二", b.id_number, "城市", 1, "735", "", "", "", ""])
    code, out = run_ben(content, "--program", "低保", "--start-month", "2024-03", "--all-or-nothing")
    assert (code, out["created"], out["errors"]) == (1, 0, 1)
    assert Enrollment.objects.count() == 0
    assert not AuditEntry.objects.filter(action="assistance.enrollment.create").exists()
    fixed = book([1, "褚一", a.id_number, "城市", 1, "700", "", "", "", ""],
                 [2, "卫二", b.id_number, "城市", 1, "734.99", "", "", "", ""])
    code, out = run_ben(fixed, "--program", "低保", "--start-month", "2024-03", "--all-or-nothing")
    assert (code, out["created"], out["errors"]) == (0, 2, 0)
    # 735.00 − 700.00 = 35.00; 735.00 − 734.99 = 0.01
    assert sorted(Enrollment.objects.values_list("amount", flat=True)) == [Decimal("0.01"), Decimal("35.00")]


def test_program_column_and_elderly_allowance(users, params, make_person, run_ben):
    # born 1939-05-17: 85 in May 2024 (age reached by the month's last day) → band 80–89, 100.00
    old = make_person(GRID, "蒋老", id_number=make_id_number(datetime.date(1939, 5, 17), 1))
    # born 1934-05-31: 90 on 2024-05-31, the last day of May → 200.00
    older = make_person(GRID, "沈老", id_number=make_id_number(datetime.date(1934, 5, 31), 2))
    code, out = run_ben(xlsx_bytes([
        ["姓名", "身份证号", "项目", "享受起始月份"],
        ["蒋老", old.id_number, "高龄津贴", datetime.date(2024, 5, 1)],
        ["沈老", older.id_number, "elderly_allowance", "202405"],
        ["蒋老", old.id_number, "临时救助", "2024-05"],
        ["蒋老", old.id_number, "低保户补助", "2024-05"],
    ], text_columns=(2,)))
    assert code == 1
    assert errors(out) == [(4, "项目", "program.not_monthly"), (5, "项目", "program.unknown")]
    assert {e.person.name: e.amount for e in Enrollment.objects.select_related("person")} == {
        "蒋老": Decimal("100.00"), "沈老": Decimal("200.00")}
    assert set(Enrollment.objects.values_list("start_month", flat=True)) == {MAY}


def test_error_workbook(users, params, household, run_ben, tmp_path):
    a = household("E-01", "韩一")
    stranger = make_id_number(datetime.date(1977, 7, 7), 1)
    report = tmp_path / "out.xlsx"
    code, out = run_ben(book(
        [1, "韩一", a.id_number, "城市", 1, "700", "", "", "", ""],
        [2, "杨二", stranger, "城市", 1, "0", "", "", "", ""],
    ), "--program", "低保", "--start-month", "2024-03", "--report", str(report))
    assert code == 1
    ws = openpyxl.load_workbook(report).active
    assert ws.cell(row=2, column=11).value == "错误原因" and ws.cell(row=2, column=12).value == "提示"
    assert ws.cell(row=3, column=11).value is None
    assert ws.cell(row=4, column=11).value == "【身份证号】" + MESSAGES["person.not_registered"]
    assert ws.cell(row=4, column=3).value == stranger and ws.cell(row=4, column=3).number_format == "@"
    assert ws.cell(row=4, column=3).fill.fgColor.rgb.endswith("FFC7CE")  # the cell at fault is red
    assert ws.freeze_panes == "A3"


# ---------------------------------------------------------------- the file as a whole


@pytest.mark.parametrize(("args", "user", "region", "expected"), [
    ((), None, OWNER_COMMUNITY, "user.missing"),
    ((), "nobody", OWNER_COMMUNITY, "user.unknown"),
    ((), "community", OWNER_COMMUNITY, "permission.denied"),  # may edit the registry, not decide
    ((), "county", OUTSIDE_VILLAGE, "region.unknown"),  # another county
    ((), "county", "6207", "region.unknown"),  # the city, above the county's scope
    ((), "city", "6207", "region.level"),
    (("--program", "救济粮"), "county", OWNER_COMMUNITY, "program.unknown"),
    (("--program", "temporary_assistance"), "county", OWNER_COMMUNITY, "program.not_monthly"),
    (("--program", "低保", "--start-month", "2024-13"), "county", OWNER_COMMUNITY, "start_month.format"),
    ((), "county", OWNER_COMMUNITY, "header.missing_column"),  # no 项目 column and no --program
])
def test_file_refused(users, params, run_ben, args, user, region, expected):
    code, out = run_ben(book(["1", "某某", make_id_number(), "城市", 1, "0", "", "", "", ""]), *args, user=user,
                        region=region)
    assert code == 2
    assert set(out) == {"error"} and out["error"]["code"] == expected
    assert Enrollment.objects.count() == 0


def test_without_json_prints_sentences(users, params, household, tmp_path):
    a = household("F-01", "朱一")
    path = tmp_path / "r.xlsx"
    path.write_bytes(book([1, "朱一", a.id_number, "城市", 1, "700", "", "", "", ""]))
    out = io.StringIO()
    call_command("import", "beneficiaries", str(path), "--region", "620702", "--user", "city", "--program", "低保",
                 "--start-month", "2024-03", stdout=out)
    assert "共 1 行，新增 1" in out.getvalue()
    assert Enrollment.objects.get().amount == Decimal("35.00")


def test_codes_are_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[4] / "docs" / "import.md").read_text(encoding="utf-8")
    section = doc.split("## Beneficiary rosters", 1)[1]
    for code in MESSAGES:
        assert f"`{code}`" in section, code


def test_scope_and_one_row_per_household(users, params, household, make_person, run_ben):
    from jiayuan.conftest import PEER_COMMUNITY
    from jiayuan.people.models import Person

    head = household("G-01", "秦一", members=1)
    member = Person.objects.get(household=head.household, relation_to_head="20")
    peer = make_person(PEER_COMMUNITY, "尤二")  # same street, another community
    code, out = run_ben(book(
        [1, "秦一", head.id_number, "城市", 2, "600", "", "", "", ""],
        [2, member.name, member.id_number, "城市", 2, "600", "", "", "", ""],
        [3, "尤二", peer.id_number, "城市", 1, "0", "", "", "", ""],
    ), "--program", "低保", "--start-month", "2024-03")
    assert code == 1
    assert errors(out) == [(4, "身份证号", "household.duplicate_in_file"), (5, "身份证号", "person.out_of_scope")]
    assert out["error_rows"][0]["message"] == (
        "与第 3 行是同一户（户号 G-01）：最低生活保障以户为单位，每户只填一行（户主或领取人）")
    assert list(Enrollment.objects.values_list("person__name", "amount")) == [("秦一", Decimal("270.00"))]
    # the whole county as the region: 尤二 is in scope there
    code, out = run_ben(book([3, "尤二", peer.id_number, "城市", 1, "0", "", "", "", ""]),
                        "--program", "低保", "--start-month", "2024-03", region="620702")
    assert errors(out) == [(3, "身份证号", "household.required")]
