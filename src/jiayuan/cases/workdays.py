"""The official working-day calendar of mainland China, as data the deployment keeps:
:class:`~jiayuan.cases.models.OfficialCalendarYear` and its days (holidays off, make-up
working days on), seeded for 2004–2026 from the chinese-calendar package (migration
0005) and entered by a city administrator from the State Council General Office's
yearly notice for later years (:mod:`.calendar_services`).

A year without official data is **estimated**: weekends off plus the statutory holidays
of 全国年节及纪念日放假办法 (2024 revision) with their 补假 (:mod:`.statutory`). A
deadline whose working days run through such a year is marked estimated (预估) wherever
it is shown, and recomputed when the year is entered.

Speed: the whole table (about 900 rows) is read at once into a :class:`Calendar` kept
per process; counting days is then dictionary lookups, never a query per day.
:func:`current` (used for every deadline computation) checks with one small query that
no year was entered or changed since it was read (another process may have entered
one); :func:`is_workday` alone trusts the copy for :data:`TTL` seconds.
"""

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from . import rules, statutory

TTL = 60.0  # seconds a process trusts its copy in is_workday() without checking


@lru_cache(maxsize=64)
def _estimate(year: int) -> frozenset[date]:
    return frozenset(statutory.estimated_holidays(year))


@dataclass(frozen=True)
class Calendar:
    """A snapshot of the official calendar. ``official``: the years with official data;
    ``days``: {day: True for a make-up working day, False for a holiday} of those years;
    ``stamp``: what :func:`current` compares to see whether the table changed."""

    official: frozenset[int]
    days: dict[date, bool] = field(default_factory=dict)
    stamp: tuple = ()

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day: the official data of its year, else the
        statutory estimate (weekends and statutory holidays with 补假 off)."""
        if day.year in self.official:
            listed = self.days.get(day)
            return day.weekday() < 5 if listed is None else listed
        return day.weekday() < 5 and day not in _estimate(day.year)

    def is_estimated(self, year: int) -> bool:
        return year not in self.official

    def estimated_between(self, start: date, end: date) -> bool:
        """Whether counting the days after ``start`` up to ``end`` passes through a year
        without official data."""
        first = (start + timedelta(days=1)).year
        return any(y not in self.official for y in range(first, end.year + 1))

    def add_working_days(self, start: date, n: int) -> tuple[date, bool]:
        """(the ``n``-th working day after ``start``, whether it is an estimate): see
        :func:`jiayuan.cases.rules.add_working_days`."""
        last = rules.add_working_days(start, n, self.is_workday)
        return last, self.estimated_between(start, last)


_cached: Calendar | None = None
_loaded_at = 0.0


def _stamp() -> tuple:
    from django.db.models import Count, Max

    from .models import OfficialCalendarYear

    row = OfficialCalendarYear.objects.aggregate(n=Count("year"), last=Max("entered_at"))
    return (row["n"], row["last"])


def _load(stamp: tuple) -> Calendar:
    from .models import OfficialCalendarDay, OfficialCalendarYear

    years = frozenset(OfficialCalendarYear.objects.values_list("year", flat=True))
    days = {d: kind == OfficialCalendarDay.Kind.WORKDAY
            for d, kind in OfficialCalendarDay.objects.values_list("day", "kind")}
    return Calendar(years, days, stamp)


def current() -> Calendar:
    """The calendar as the database has it now: the process's copy when the table has not
    changed since it was read (one aggregate query), else read again (three queries)."""
    global _cached, _loaded_at
    stamp = _stamp()
    if _cached is None or _cached.stamp != stamp:
        _cached = _load(stamp)
    _loaded_at = time.monotonic()
    return _cached


def invalidate() -> None:
    """Forget the process's copy (after a year is entered, after a flush)."""
    global _cached
    _cached = None


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day (official data, else the statutory estimate).
    Uses the process's copy when it was checked within :data:`TTL` seconds; for a
    deadline use :func:`current` once and count with it."""
    cal = _cached
    if cal is None or time.monotonic() - _loaded_at > TTL:
        cal = current()
    return cal.is_workday(day)


def add_working_days(start: date, n: int) -> tuple[date, bool]:
    """(the ``n``-th working day after ``start``, estimated?) on the current calendar."""
    return current().add_working_days(start, n)
