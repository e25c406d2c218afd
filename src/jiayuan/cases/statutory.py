"""Pure rules of the official calendar: the statutory holidays of a year (the estimate
used for a year whose State Council notice is not entered yet) and the checks of a
year's entered arrangement. No Django import and no I/O.

Source of the estimate: 全国年节及纪念日放假办法 (revised by State Council Decree 795,
in force 2025-01-01), articles 2 and 6:

- 全体公民放假的节日: 元旦 1 day (1 January); 春节 4 days (除夕 and 正月初一 to 初三);
  清明节 1 day (the solar term 清明); 劳动节 2 days (1–2 May); 端午节 1 day (五月初五);
  中秋节 1 day (八月十五); 国庆节 3 days (1–3 October): 13 days.
- Article 6: a holiday of all citizens that falls on a Saturday or Sunday is made up
  (补假) on a working day: here the first weekdays after that holiday that are not holidays
  themselves (as 2017's 元旦, a Sunday, was made up on Monday 2 January).

What cannot be estimated is the State Council General Office's 调休 (which weekend days
become working days and how holidays join weekends): that is in the yearly notice only,
so a deadline computed from this estimate is marked 预估 until the year is entered.

The lunar dates (正月初一, 五月初五, 八月十五) and the day of the solar term 清明 for
2027–2050 are tabulated in :data:`LUNAR_AND_QINGMING` below. Source: the official
Chinese calendar (紫金山天文台 《中国天文年历》, as tabulated by the Hong Kong
Observatory's Gregorian–Lunar conversion tables), taken from the ``lunardate`` 0.3.0
package (HKO tables) and checked day by day against ``lunar-python`` 1.4.8 (6tail's
astronomical computation) and, for 清明, against chinese-calendar 1.11's solar terms:
all three agree for every year of the table. 除夕 is the day before 正月初一 (the last
day of the lunar year, whether the twelfth month has 29 or 30 days).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from ..people.rules import N_

HOLIDAY = "holiday"
WORKDAY = "workday"

NEW_YEAR = "元旦"
SPRING_FESTIVAL = "春节"
QINGMING = "清明节"
LABOUR_DAY = "劳动节"
DRAGON_BOAT = "端午节"
MID_AUTUMN = "中秋节"
NATIONAL_DAY = "国庆节"
HOLIDAY_NAMES = (NEW_YEAR, SPRING_FESTIVAL, QINGMING, LABOUR_DAY, DRAGON_BOAT, MID_AUTUMN, NATIONAL_DAY)
MAKEUP = "补假"

# year: (正月初一 month, day, 清明 day of April, 端午 month, day, 中秋 month, day)
LUNAR_AND_QINGMING: dict[int, tuple[int, int, int, int, int, int, int]] = {
    2027: (2, 6, 5, 6, 9, 9, 15),
    2028: (1, 26, 4, 5, 28, 10, 3),
    2029: (2, 13, 4, 6, 16, 9, 22),
    2030: (2, 3, 5, 6, 5, 9, 12),
    2031: (1, 23, 5, 6, 24, 10, 1),
    2032: (2, 11, 4, 6, 12, 9, 19),
    2033: (1, 31, 4, 6, 1, 9, 8),
    2034: (2, 19, 5, 6, 20, 9, 27),
    2035: (2, 8, 5, 6, 10, 9, 16),
    2036: (1, 28, 4, 5, 30, 10, 4),
    2037: (2, 15, 4, 6, 18, 9, 24),
    2038: (2, 4, 5, 6, 7, 9, 13),
    2039: (1, 24, 5, 5, 27, 10, 2),
    2040: (2, 12, 4, 6, 14, 9, 20),
    2041: (2, 1, 4, 6, 3, 9, 10),
    2042: (1, 22, 4, 6, 22, 9, 28),
    2043: (2, 10, 5, 6, 11, 9, 17),
    2044: (1, 30, 4, 5, 31, 10, 5),
    2045: (2, 17, 4, 6, 19, 9, 25),
    2046: (2, 6, 4, 6, 8, 9, 15),
    2047: (1, 26, 5, 5, 29, 10, 4),
    2048: (2, 14, 4, 6, 15, 9, 22),
    2049: (2, 2, 4, 6, 4, 9, 11),
    2050: (1, 23, 4, 6, 23, 9, 30),
}


def statutory_blocks(year: int) -> list[tuple[str, list[date]]]:
    """The statutory holidays of ``year`` as (name, days) blocks, in date order.

    For a year outside :data:`LUNAR_AND_QINGMING` only the fixed-date ones (元旦,
    劳动节, 国庆节) are known; the lunar ones are left out (the table is extended when
    the years come near: a deadline is not computed 24 years ahead)."""
    blocks = [(NEW_YEAR, [date(year, 1, 1)])]
    lunar = LUNAR_AND_QINGMING.get(year)
    if lunar:
        sm, sd, qd, dm, dd, mm, md = lunar
        first = date(year, sm, sd)
        blocks.append((SPRING_FESTIVAL, [first - timedelta(days=1), first, first + timedelta(days=1),
                                         first + timedelta(days=2)]))
        blocks.append((QINGMING, [date(year, 4, qd)]))
    blocks.append((LABOUR_DAY, [date(year, 5, 1), date(year, 5, 2)]))
    if lunar:
        blocks.append((DRAGON_BOAT, [date(year, dm, dd)]))
        blocks.append((MID_AUTUMN, [date(year, mm, md)]))
    blocks.append((NATIONAL_DAY, [date(year, 10, 1), date(year, 10, 2), date(year, 10, 3)]))
    return sorted(blocks, key=lambda b: b[1][0])


def estimated_holidays(year: int) -> dict[date, str]:
    """{day: name} of the days off in ``year`` besides ordinary weekends, by the statutory
    rule alone: every statutory holiday, and for each one falling on a Saturday or Sunday
    a 补假 on the next weekday after its block that is no holiday (article 6). A 补假 of a
    late-December holiday could fall in January of the next year; none does (元旦 is the
    first holiday of a year and 国庆 ends on 3 October)."""
    off: dict[date, str] = {}
    for name, days in statutory_blocks(year):
        for d in days:
            off[d] = name
    for name, days in statutory_blocks(year):
        owed = sum(1 for d in days if d.weekday() >= 5)
        d = days[-1]
        while owed:
            d += timedelta(days=1)
            if d.weekday() < 5 and d not in off:
                off[d] = f"{name}{MAKEUP}"
                owed -= 1
    return off


@dataclass(frozen=True)
class HolidayLine:
    """One line of a year's notice: a holiday ``name`` from ``first`` to ``last`` (both
    days off, inclusive)."""

    name: str
    first: date
    last: date

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


class ArrangementError(ValueError):
    """A year's arrangement that cannot be right; ``errors`` is {field: [(template,
    params), …]} with fields ``holidays`` and ``workdays``: Chinese message templates
    (marked with ``N_``, translated by the caller: ``gettext(template) % params``)."""

    def __init__(self, errors: dict[str, list[tuple[str, dict]]]):
        super().__init__("; ".join(t % p for ms in errors.values() for t, p in ms))
        self.errors = errors


def check_arrangement(year: int, holidays: list[HolidayLine], workdays: list[date]) -> dict[date, tuple[str, str]]:
    """The days of a year's arrangement as {day: (kind, name)} (kind :data:`HOLIDAY` or
    :data:`WORKDAY`; a make-up working day is named after the holiday it serves when it
    is next to one of its lines, else 调休上班), after checking it. Raises
    :class:`ArrangementError` when: no holiday line; a line without a name or longer than
    20 days or ending before it starts; a day outside ``year``; two lines overlapping; a
    make-up working day that is not a Saturday or Sunday, repeated, or also a holiday."""
    errors: dict[str, list[str]] = {}

    def err(field, template, **params):
        errors.setdefault(field, []).append((template, {k: str(v) for k, v in params.items()}))

    out: dict[date, tuple[str, str]] = {}
    if not holidays:
        err("holidays", N_("请至少填写一行节日放假安排"))
    for line in holidays:
        label = line.name.strip()
        if not label:
            err("holidays", N_("每一行都要填写节日名称"))
        if line.last < line.first:
            err("holidays", N_("%(name)s：结束日期 %(last)s 早于开始日期 %(first)s"), name=label, first=line.first,
                last=line.last)
            continue
        if (line.last - line.first).days >= 20:
            err("holidays", N_("%(name)s：放假天数过多（%(first)s 至 %(last)s），请检查日期"), name=label,
                first=line.first, last=line.last)
            continue
        if line.first.year != year or line.last.year != year:
            err("holidays", N_("%(name)s：日期 %(first)s 至 %(last)s 不在 %(year)s 年内"), name=label,
                first=line.first, last=line.last, year=year)
            continue
        for d in line.days():
            if d in out:
                err("holidays", N_("%(name)s 与 %(other)s 的日期重叠（%(day)s）"), name=label, other=out[d][1], day=d)
                break
            out[d] = (HOLIDAY, line.name.strip())
    seen = set()
    for d in workdays:
        if d in seen:
            err("workdays", N_("调休上班日 %(day)s 重复"), day=d)
            continue
        seen.add(d)
        if d.year != year:
            err("workdays", N_("调休上班日 %(day)s 不在 %(year)s 年内"), day=d, year=year)
        elif d.weekday() < 5:
            err("workdays", N_("调休上班日 %(day)s 不是星期六或星期日（工作日本来就上班）"), day=d)
        elif d in out:
            err("workdays", N_("%(day)s 已是 %(name)s 的放假日，不能同时是调休上班日"), day=d, name=out[d][1])
        else:
            out[d] = (WORKDAY, _served(d, holidays))
    if errors:
        raise ArrangementError(errors)
    return dict(sorted(out.items()))


def _served(day: date, holidays: list[HolidayLine]) -> str:
    """The holiday a make-up working day serves: the line nearest to it (within 10 days)."""
    best, name = None, "调休上班"
    for line in holidays:
        gap = min(abs((day - line.first).days), abs((day - line.last).days))
        if gap <= 10 and (best is None or gap < best):
            best, name = gap, line.name.strip()
    return name
