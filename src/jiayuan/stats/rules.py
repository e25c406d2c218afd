"""Pure rules of statistics: reporting periods and region levels (no Django, no I/O).

A period is written as in the API contract of issue 16 (``period=``):

- ``2019``      the calendar year, 2019-01-01 … 2019-12-31;
- ``2019H1``    a half year (H1 January–June, H2 July–December);
- ``2019Q2``    a quarter (Q1 … Q4);
- ``2019-06``   a month.

Statistical periods in Chinese civil-affairs reporting are calendar periods (年报、半年报、
季报、月报, 民政统计调查制度).
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

from jiayuan.people.rules import N_, RuleError

YEAR, HALF, QUARTER, MONTH = "year", "half", "quarter", "month"
PERIOD_KINDS = (YEAR, HALF, QUARTER, MONTH)

# the levels an indicator may be asked for, with the Region.level each one is
CITY, COUNTY, TOWNSHIP, COMMUNITY = "city", "county", "township", "community"
LEVELS = (CITY, COUNTY, TOWNSHIP, COMMUNITY)
LEVEL_OF_REGION = {"prefecture": CITY, "county": COUNTY, "township": TOWNSHIP, "village": COMMUNITY}

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:(?P<half>H[12])|(?P<quarter>Q[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


class PeriodError(RuleError):
    """A period that is not one of the written forms above."""


@dataclass(frozen=True)
class Period:
    """A reporting period: ``kind`` (one of PERIOD_KINDS), ``start`` and ``end``
    (inclusive dates), ``label`` (as written in the API: 2019, 2019H1, 2019Q2, 2019-06)."""

    kind: str
    start: datetime.date
    end: datetime.date
    label: str

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    @property
    def year(self) -> int:
        return self.start.year

    def months(self) -> list[str]:
        """The months of the period as ``YYYY-MM`` (for payment lines kept by month)."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def parse_period(text: str) -> Period:
    """``"2019"`` / ``"2019H1"`` / ``"2019Q2"`` / ``"2019-06"`` → :class:`Period`.

    Raises :class:`PeriodError` (message in Chinese, for a 422) for anything else,
    including years before 1949 or after 2100."""
    m = _PATTERN.match((text or "").strip())
    if not m or not 1949 <= int(m["year"]) <= 2100:
        raise PeriodError(
            "stats.period",
            N_("统计期“%(text)s”无法识别：请写成 2019（年）、2019H1（半年）、2019Q2（季度）或 2019-06（月）。"),
            {"text": str(text)[:20]},
            "period",
        )
    year = int(m["year"])
    if m["half"]:
        first = 1 if m["half"] == "H1" else 7
        return _span(HALF, year, first, first + 5, f"{year}{m['half']}")
    if m["quarter"]:
        q = int(m["quarter"][1])
        return _span(QUARTER, year, 3 * q - 2, 3 * q, f"{year}{m['quarter']}")
    if m["month"]:
        month = int(m["month"])
        return _span(MONTH, year, month, month, f"{year}-{month:02d}")
    return _span(YEAR, year, 1, 12, str(year))


def _span(kind: str, year: int, first: int, last: int, label: str) -> Period:
    end = datetime.date(year, last, calendar.monthrange(year, last)[1])
    return Period(kind, datetime.date(year, first, 1), end, label)


def current_period(kind: str, today: datetime.date) -> Period:
    """The period of ``kind`` that contains ``today``."""
    if kind == YEAR:
        return parse_period(str(today.year))
    if kind == HALF:
        return parse_period(f"{today.year}H{1 if today.month <= 6 else 2}")
    if kind == QUARTER:
        return parse_period(f"{today.year}Q{(today.month - 1) // 3 + 1}")
    return parse_period(f"{today.year}-{today.month:02d}")
