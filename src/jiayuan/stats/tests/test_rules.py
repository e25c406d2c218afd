"""Reporting periods, worked out from the calendar by hand."""

import datetime

import pytest

from jiayuan.stats.rules import PeriodError, current_period, parse_period


@pytest.mark.parametrize(
    "text, kind, start, end",
    [
        ("2019", "year", (2019, 1, 1), (2019, 12, 31)),
        ("2019H1", "half", (2019, 1, 1), (2019, 6, 30)),
        ("2019H2", "half", (2019, 7, 1), (2019, 12, 31)),
        ("2019Q1", "quarter", (2019, 1, 1), (2019, 3, 31)),
        ("2019Q2", "quarter", (2019, 4, 1), (2019, 6, 30)),
        ("2019Q4", "quarter", (2019, 10, 1), (2019, 12, 31)),
        ("2019-06", "month", (2019, 6, 1), (2019, 6, 30)),
        ("2020-02", "month", (2020, 2, 1), (2020, 2, 29)),   # leap year
        ("2019-02", "month", (2019, 2, 1), (2019, 2, 28)),
    ],
)
def test_periods(text, kind, start, end):
    p = parse_period(text)
    assert (p.kind, p.start, p.end, p.label) == (kind, datetime.date(*start), datetime.date(*end), text)


@pytest.mark.parametrize("text", ["", "19", "2019H3", "2019Q5", "2019-13", "2019-6", "2019-00", "1800", "2019q1", "2019 H1x"])
def test_unknown_periods_are_refused_with_a_message(text):
    with pytest.raises(PeriodError) as e:
        parse_period(text)
    assert e.value.code == "stats.period"


def test_months_of_a_quarter_and_current_period():
    assert parse_period("2019Q3").months() == ["2019-07", "2019-08", "2019-09"]
    today = datetime.date(2026, 12, 7)
    assert current_period("year", today).label == "2026"
    assert current_period("half", today).label == "2026H2"
    assert current_period("quarter", today).label == "2026Q4"
    assert current_period("month", today).label == "2026-12"
