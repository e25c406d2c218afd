"""Writes of the official calendar (法定节假日安排): a city administrator enters a year
from the State Council General Office's notice, and the open cases' deadlines that count
working days in that year are computed again. One transaction, audited.

Kept in the cases app beside :mod:`.workdays` (the calendar exists for the case
engine's time limits; no app of its own: one more app would hold two tables).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..audit.services import Actor, record, record_many
from ..errors import ValidationFailed
from . import statutory, workdays
from .models import Case, OfficialCalendarDay, OfficialCalendarYear
from .selectors import decl_of
from .services import _err, _state_limit, compute_due, require

# Deadlines a case type keeps in the case's data, each with the function that counts it
# again: f(case) -> the new data, or None when unchanged.
CASE_DATA_DEADLINES = {
    "assistance_application": "jiayuan.assistance.services.applications.recompute_process_due",
}
FIRST_YEAR = 2004
MAX_SOURCE = 100


@dataclass(frozen=True)
class EnterResult:
    """What :func:`enter_year` did: the year row, and one dict per open case whose
    deadline changed: ``number``, ``changes`` ({field: [before, after]})."""

    year: OfficialCalendarYear
    recomputed: list[dict]


def _day_lines(days: dict[date, tuple[str, str]]) -> dict:
    """A year's days as the audit entry keeps them: {"holidays": ["2027-01-01 元旦", …],
    "workdays": ["2027-02-20 春节", …]}."""
    out = {"holidays": [], "workdays": []}
    for d, (kind, name) in sorted(days.items()):
        out["holidays" if kind == statutory.HOLIDAY else "workdays"].append(f"{d.isoformat()} {name}")
    return out


def enter_year(actor: Actor, year: int, source: str, holidays: list[statutory.HolidayLine],
               makeup_workdays: list[date], now: datetime | None = None) -> EnterResult:
    """Record ``year``'s official arrangement from the notice ``source`` (its 文号, e.g.
    国办发明电〔2025〕7号): the holiday lines (name, first and last day off) and the make-up
    working days (调休上班, weekend days). Replaces what the year had (a correction), with
    an audit entry ``calendar.year.enter`` holding the days before and after; then counts
    again the deadline of every open case whose counted working days touch the year (its
    state entered before the year ends, due on or after its first day) and the deadlines
    kept in case data (:data:`CASE_DATA_DEADLINES`), one audit entry
    ``case.deadline_recompute`` per changed case (its old and new due time, estimated
    flag, process deadline).

    Raises Forbidden without ``manage_calendar``; ValidationFailed (fields ``year``,
    ``source``, ``holidays``, ``workdays``) for a year before 2004 or more than one year
    ahead, a missing or too long 文号, or an arrangement that
    :func:`statutory.check_arrangement` refuses. Nothing is written then."""
    require(actor, Perm.MANAGE_CALENDAR)
    now = now or timezone.now()
    this_year = timezone.localtime(now).year
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= this_year + 1:
        raise ValidationFailed(_err("year", "year.invalid", _("年度须在 %(first)s 年至 %(last)s 年之间")
                                    % {"first": FIRST_YEAR, "last": this_year + 1}))
    source = " ".join((source or "").split())
    if not source:
        raise ValidationFailed(_err("source", "source.required", _("请填写通知的文号，如 国办发明电〔2025〕7号")))
    if len(source) > MAX_SOURCE:
        raise ValidationFailed(_err("source", "source.too_long", _("文号过长（最多 100 字）")))
    try:
        days = statutory.check_arrangement(year, holidays, makeup_workdays)
    except statutory.ArrangementError as exc:
        raise ValidationFailed({f: [{"code": f"{f}.invalid", "message": _(t) % p} for t, p in ms]
                                for f, ms in exc.errors.items()}) from None
    with transaction.atomic():
        row = OfficialCalendarYear.objects.select_for_update().filter(year=year).first()
        before_days = {d: (k, n) for d, k, n in OfficialCalendarDay.objects.filter(year_id=year)
                       .values_list("day", "kind", "name")}
        before = {"source": row.source if row else None, "status": row.status if row else None,
                  **(_day_lines(before_days) if row else {"holidays": None, "workdays": None})}
        if row is None:
            row = OfficialCalendarYear(year=year)
        row.source, row.status, row.entered_by, row.entered_at = (source, OfficialCalendarYear.Status.ENTERED,
                                                                  actor.user, now)
        row.save()
        OfficialCalendarDay.objects.filter(year_id=year).delete()
        OfficialCalendarDay.objects.bulk_create(
            [OfficialCalendarDay(day=d, year=row, kind=kind, name=name) for d, (kind, name) in days.items()])
        after = {"source": source, "status": row.status, **_day_lines(days)}
        record(actor, "calendar.year.enter", row,
               changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
               extra={"year": year})
        workdays.invalidate()
        recomputed = recompute_deadlines(actor, year, source)
        transaction.on_commit(workdays.invalidate)
    return EnterResult(row, recomputed)


def _local_iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def recompute_deadlines(actor: Actor, year: int, source: str = "") -> list[dict]:
    """Count again, on the current calendar, the deadlines of the open cases that touch
    ``year`` (see :func:`enter_year`); save and audit those that changed. Returns
    [{"number", "changes"}] for them. Runs inside the caller's transaction (the cases are
    locked); a case's version is not bumped (no transition happened)."""
    tz = timezone.get_current_timezone()
    start, end = datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)
    hooks = {code: import_string(path) for code, path in CASE_DATA_DEADLINES.items()}
    qs = (Case.objects.select_for_update().filter(is_open=True)
          .filter(Q(due_at__gte=start, state_entered_at__lt=end) | Q(type_code__in=list(hooks)))
          .order_by("id"))
    out, audit = [], []
    for case in qs:
        changes, fields = {}, {}
        limit = _state_limit(decl_of(case.case_type_id), case.state, case.limits) if case.due_at else None
        if limit:
            due, estimated = compute_due(case.state_entered_at, limit)
            if due.due_at != case.due_at:
                changes["due_at"] = [_local_iso(case.due_at), _local_iso(due.due_at)]
                fields.update(due_at=due.due_at, due_soon_at=due.due_soon_at)
            if estimated != case.deadline_estimated:
                changes["deadline_estimated"] = [case.deadline_estimated, estimated]
                fields["deadline_estimated"] = estimated
        hook = hooks.get(case.type_code)
        data = hook(case) if hook else None
        if data is not None:
            for key in ("process_due", "process_due_estimated"):
                if case.data.get(key) != data.get(key):
                    changes[key] = [case.data.get(key), data.get(key)]
            fields["data"] = data
        if not changes:
            continue
        Case.objects.filter(pk=case.pk).update(**fields)
        out.append({"number": case.number, "changes": changes})
        audit.append({"action": "case.deadline_recompute", "object_type": case._meta.label_lower,
                      "object_id": case.pk, "object_repr": case.number, "region_code": case.region_id,
                      "changes": changes, "extra": {"calendar_year": year, "source": source}})
    record_many(actor, audit)
    return out
