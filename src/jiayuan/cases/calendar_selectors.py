"""Reads of the official calendar for the administration page (法定节假日安排) and the
API: the years (official or estimated) and the open cases whose deadlines are estimated
(listed for the administrator, who enters the missing year)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from . import statutory
from .models import OfficialCalendarDay, OfficialCalendarYear
from .selectors import cases_for

ESTIMATED_LIST_LIMIT = 200


@dataclass(frozen=True)
class YearRow:
    """One year on the page: ``official`` (its notice entered or seeded) with ``source``,
    ``status``, who entered it and when, and its counts of holidays and make-up working
    days; or estimated, with the statutory days off that the estimate uses."""

    year: int
    official: bool
    source: str = ""
    status: str = ""
    status_label: str = ""
    entered_by: str = ""
    entered_at: datetime | None = None
    holidays: int = 0
    workdays: int = 0
    estimate: tuple = ()


def calendar_years(now: datetime | None = None) -> list[YearRow]:
    """The official years, newest first, after the estimated ones from the year after the
    last official one up to next year (at least next year when it is not official)."""
    now = now or timezone.now()
    next_year = timezone.localtime(now).year + 1
    rows = (OfficialCalendarYear.objects.select_related("entered_by").order_by("-year")
            .annotate(n_holidays=Count("days", filter=Q(days__kind=OfficialCalendarDay.Kind.HOLIDAY)),
                      n_workdays=Count("days", filter=Q(days__kind=OfficialCalendarDay.Kind.WORKDAY))))
    official = [YearRow(r.year, True, r.source, r.status, r.get_status_display(),
                        str(r.entered_by) if r.entered_by else "", r.entered_at, r.n_holidays, r.n_workdays)
                for r in rows]
    last = official[0].year if official else next_year - 1
    estimated = [YearRow(y, False, estimate=tuple(sorted(statutory.estimated_holidays(y).items())))
                 for y in range(next_year, last, -1)]
    return estimated + official


def year_days(year: int) -> list[tuple[date, str, str]]:
    """(day, kind, name) of an official year, by date."""
    return list(OfficialCalendarDay.objects.filter(year_id=year).order_by("day").values_list("day", "kind", "name"))


def estimated_cases(user) -> QuerySet:
    """Open cases in the user's scope whose deadline (the state's due time, or a process
    deadline kept in the case data) is an estimate, earliest due first."""
    return (cases_for(user).filter(is_open=True)
            .filter(Q(deadline_estimated=True) | Q(data__process_due_estimated=True))
            .order_by("due_at", "id"))
