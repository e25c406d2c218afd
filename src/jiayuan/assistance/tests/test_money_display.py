"""Money as people read it (issue 10): amounts on pages as ``22,187.00`` (two places,
thousands separated by ``,``, the same digits in every UI language), amounts in
workbooks as number cells formatted ``0.00``, ledger files named by their whole filter.
The API and the CSV keep plain decimal strings (``1403.01``).

Values worked out by hand:

- the formatter rounds to the fen half up (四舍五入, the project's money rule of
  ``rules.to_fen``): 1234567.891 → 1,234,567.89; 2.675 → 2.68; 1403.005 → 1,403.01
  (half up; banker's rounding would give 1,403.00); -1234.5 → -1,234.50;
- the batch of ``test_batch_pages`` (低保, standard 735.00): household A 3 members,
  per-capita income 512.33 → (735.00 − 512.33) × 3 = 668.01; household B 1 member,
  no income → 735.00; total 1,403.01;
- the ledger of ``test_ledgers`` (护理补贴 80.00 a month, 甘州区: P1 only), January and
  February 2025 paid: 2 × 80.00 = 160.00.
"""

import csv
import io
from decimal import Decimal
from urllib.parse import unquote

import openpyxl
import pytest
from django.template import Context, Template
from django.utils import translation

from jiayuan.assistance.rules import format_yuan
from jiayuan.assistance.tests.factories import CARE, SUBSISTENCE
from jiayuan.assistance.tests.test_batch_pages import setup  # noqa: F401 - fixture
from jiayuan.assistance.tests.test_ledgers import FEB, JAN, paid  # noqa: F401 - fixture


@pytest.mark.parametrize("value,shown", [
    (0, "0.00"),
    (Decimal("0"), "0.00"),
    (1234.5, "1,234.50"),
    (22187, "22,187.00"),
    ("22187.00", "22,187.00"),
    ("1234567.891", "1,234,567.89"),
    (Decimal("1403.005"), "1,403.01"),   # half up, not half even
    ("2.675", "2.68"),
    (2.675, "2.68"),                     # a float through its repr, not its binary value 2.67499…
    (Decimal("-1234.5"), "-1,234.50"),
    ("-0.001", "0.00"),                  # no "-0.00"
    (Decimal("999.995"), "1,000.00"),
    (735, "735.00"),
    (None, "—"),
    ("", "—"),
    ("不是数字", "不是数字"),
])
def test_format_yuan(value, shown):
    assert format_yuan(value) == shown


def test_the_yuan_filter_is_the_same_in_every_language():
    template = Template("{% load jiayuan %}{{ a|yuan }} {{ b|yuan }} {{ c|yuan }}")
    context = Context({"a": Decimal("22187.00"), "b": Decimal("-1234.5"), "c": None})
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            assert template.render(context) == "22,187.00 -1,234.50 —"


def test_batch_pages_show_totals_with_thousands_separators(page_client, api_client, setup):  # noqa: F811
    county = page_client("county")
    resp = county.post("/assistance/batches/", {"program": SUBSISTENCE, "county": "620702", "month": "2025-03"},
                       follow=True)
    html = resp.content.decode()
    assert "合计 1,403.01 元" in html                      # the message after generating
    assert 'data-testid="total">1,403.01<' in html         # the batch's total card
    assert ">735.00<" in html and ">668.01<" in html       # the lines
    assert "1,403.01" in county.get("/assistance/batches/").content.decode()  # the list
    # the API keeps its plain decimal string (a contract)
    bid = resp.redirect_chain[-1][0].rstrip("/").rsplit("/", 1)[1]
    assert api_client("county").get(f"/api/v1/assistance/batches/{bid}").json()["total_amount"] == "1403.01"


def test_enrollment_page_amounts_in_english_too(page_client, setup):  # noqa: F811
    from jiayuan.assistance.models import Enrollment

    e = Enrollment.objects.get(person__name="王德福")  # 735.00 a month
    e.amount = Decimal("1234.50")   # as stored at enrollment: the page shows the month's own amount beside it
    e.save(update_fields=["amount"])
    client = page_client("county")
    client.cookies["django_language"] = "en"
    html = client.get(f"/assistance/enrollments/{e.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1,234.50" in html and "1234.50" not in html


def _approved_batch(page_client):
    county = page_client("county")
    resp = county.post("/assistance/batches/", {"program": SUBSISTENCE, "county": "620702", "month": "2025-03"})
    bid = int(resp["Location"].rstrip("/").rsplit("/", 1)[1])
    assert county.post(f"/assistance/batches/{bid}/review/", {"version": "1"}).status_code == 302
    assert page_client("city").post(f"/assistance/batches/{bid}/approve/", {"version": "2"}).status_code == 302
    return bid


def test_payment_file_amounts_are_number_cells_formatted_0_00(page_client, setup):  # noqa: F811
    bid = _approved_batch(page_client)
    city = page_client("city")
    resp = city.post(f"/assistance/batches/{bid}/export/", {"format": "xlsx", "version": "3"})
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active
    header = [c.value for c in ws[1]]
    col = header.index("金额（元）") + 1
    cells = [ws.cell(row=r, column=col) for r in (2, 3)]
    assert all(c.data_type == "n" and c.number_format == "0.00" for c in cells)
    assert sorted(c.value for c in cells) == [668.01, 735.0]
    assert ws.cell(row=2, column=1).number_format == "General"  # the line id: a plain number
    # the CSV keeps the plain decimal
    resp = city.post(f"/assistance/batches/{bid}/export/", {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode("utf-8-sig"))))
    assert sorted(r[rows[0].index("金额（元）")] for r in rows[1:]) == ["668.01", "735.00"]


def _filename(resp) -> str:
    header = resp["Content-Disposition"]
    return unquote(header.split("filename*=UTF-8''", 1)[1])


@pytest.mark.parametrize("route", ["/assistance/ledgers/", "/api/v1/assistance/ledgers"])
def test_ledger_file_names_its_region_program_and_months(page_client, api_client, paid, route):  # noqa: F811
    client = api_client("county") if route.startswith("/api/") else page_client("county")
    resp = client.get(f"{route}?month_from=2025-01&month_to=2025-02&program={CARE}&format=xlsx")
    assert resp.status_code == 200
    assert _filename(resp) == "甘州区-重度残疾人护理补贴-发放台账-2025-01至2025-02.xlsx"
    assert 'filename="ledger-620702-disability_care_allowance-202501-202502.xlsx"' in resp["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(resp.content)).active
    title = ws.cell(row=1, column=1).value
    assert "甘州区" in title and "重度残疾人护理补贴" in title and "2025-01 至 2025-02" in title
    total = [ws.cell(row=ws.max_row, column=c) for c in (7, 9)]
    assert total[0].value == 160.0 and total[0].data_type == "n"
    assert all(c.number_format == "0.00" for c in total)
    # one month, all programs, a community
    resp = client.get(f"{route}?month_from=2025-02&region=620702001001&format=xlsx")
    assert _filename(resp) == "交通巷社区-全部项目-发放台账-2025-02.xlsx"
    title = openpyxl.load_workbook(io.BytesIO(resp.content)).active.cell(row=1, column=1).value
    assert "全部项目" in title
