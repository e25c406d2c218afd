"""Pure rules of import: dates, Excel serials, cell text, headers (no database).

Serials worked out by hand: from 1900-01-01 to 1990-01-01 there are 90 years with 22
leap days (1904 … 1988; 1900 is not a leap year), 90·365 + 22 = 32,872 days; the 1900
system counts from 1899-12-30 (two days earlier, the shift that absorbs Excel's
fictitious 1900-02-29), so 1990-01-01 is serial 32,874. In the 1904 system it is the
days since 1904-01-01: 86·365 + 22 = 31,412 (= 32,874 − 1,462).
"""

import datetime

import pytest

from jiayuan.imports import rules
from jiayuan.people.rules import RuleError

D = datetime.date


@pytest.mark.parametrize("text", ["1990-01-01", "1990/1/1", "1990.01.01", "19900101", "1990年1月1日"])
def test_each_text_date_form(text):
    assert rules.parse_date_cell(text) == D(1990, 1, 1)


def test_date_text_with_time_and_full_width_digits():
    assert rules.parse_date_cell("１９９０－０１－０１ 00:00:00") == D(1990, 1, 1)


@pytest.mark.parametrize("text", ["1990-01", "1990/1", "1990.01", "199001", "1990年1月"])
def test_year_and_month_forms(text):
    assert rules.parse_date_cell(text) == rules.YearMonth(1990, 1)


@pytest.mark.parametrize("text", ["1990-02-30", "19901301", "1990年2月29日", "1990.13"])
def test_impossible_date_is_invalid(text):
    with pytest.raises(RuleError) as exc:
        rules.parse_date_cell(text)
    assert exc.value.code == "birth_date.invalid"


def test_unreadable_date_is_format_error():
    with pytest.raises(RuleError) as exc:
        rules.parse_date_cell("九零年一月")
    assert exc.value.code == "birth_date.format"


def test_serial_1900_epoch():
    assert rules.parse_date_cell(32874) == D(1990, 1, 1)
    assert rules.parse_date_cell(32874.75) == D(1990, 1, 1)  # a time of day is dropped


def test_serial_1904_epoch():
    assert rules.parse_date_cell(31412, epoch_1904=True) == D(1990, 1, 1)


def test_serials_around_the_fictitious_1900_leap_day():
    # day 59 = 1899-12-31 + 59 = 1900-02-28; day 61 = 1899-12-30 + 61 = 1900-03-01
    assert rules.excel_serial_to_date(59) == D(1900, 2, 28)
    assert rules.excel_serial_to_date(61) == D(1900, 3, 1)
    with pytest.raises(ValueError):
        rules.excel_serial_to_date(60)
    with pytest.raises(RuleError) as exc:
        rules.parse_date_cell(60)
    assert exc.value.code == "birth_date.invalid"


def test_numeric_yyyymmdd_cell():
    assert rules.parse_date_cell(19900101.0) == D(1990, 1, 1)


def test_date_cells_and_blank():
    assert rules.parse_date_cell(datetime.datetime(1990, 1, 1, 8, 30)) == D(1990, 1, 1)
    assert rules.parse_date_cell(D(1990, 1, 1)) == D(1990, 1, 1)
    assert rules.parse_date_cell("\u3000 ") is None


def test_cell_text_as_the_worker_sees_it():
    assert rules.cell_text(13812345678.0) == "13812345678"
    assert rules.cell_text(1.5) == "1.5"
    assert rules.cell_text(D(1990, 1, 1)) == "1990-01-01"
    assert rules.cell_text(datetime.datetime(1990, 1, 1, 12, 0)) == "1990-01-01 12:00:00"
    assert rules.cell_text(None) == ""


def test_header_normalisation():
    assert rules.field_for_header("身份证号码（必填）") == "id_number"
    assert rules.field_for_header("* 姓 名") == "name"
    assert rules.field_for_header("联系\n电话") == "phone"
    assert rules.field_for_header("出生年月") == "birth_date"
    assert rules.field_for_header("序号") is None


def test_scientific_notation_text():
    assert rules.looks_scientific("6.20702E+17")
    assert rules.looks_scientific(" 6.20702e17 ")
    assert not rules.looks_scientific("620702198005170011")


def test_split_tags():
    assert rules.split_tags("低保对象、残疾人，独居老人") == ["低保对象", "残疾人", "独居老人"]


def test_blank_cells():
    assert rules.is_blank("\u3000\u200b\u00a0 ")
    assert rules.is_blank(None) and rules.is_blank("")
    assert not rules.is_blank("张") and not rules.is_blank(0)
