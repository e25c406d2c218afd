"""The administration page of the official calendar (法定节假日安排, ``/cases/calendar/``):
the years (official, or estimated from the statutory holidays), the form to enter a
year from the State Council General Office's notice, and the open cases whose
deadlines are estimated. City administrators and superusers (``manage_calendar``)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..errors import ServiceError
from ..web.shortcuts import actor, apply_service_error, perm_required
from . import calendar_selectors, calendar_services, statutory
from .forms import CalendarYearForm
from .views import case_row


def _initial(year: int, row) -> dict:
    """The form for ``year``: an official year's entries (to correct them), else its
    statutory holidays (to be corrected from the notice, which joins them to weekends and
    adds make-up working days)."""
    if row is None or not row.official:
        lines = [f"{name} {days[0].isoformat()} {days[-1].isoformat()}"
                 for name, days in statutory.statutory_blocks(year)]
        return {"year": year, "holidays": "\n".join(lines)}
    runs, makeup = [], []
    for day, kind, name in calendar_selectors.year_days(year):
        if kind == statutory.WORKDAY:
            makeup.append(day.isoformat())
        elif runs and runs[-1][0] == name and (day - runs[-1][2]).days == 1:
            runs[-1][2] = day
        else:
            runs.append([name, day, day])
    return {"year": year, "source": row.source, "workdays": " ".join(makeup),
            "holidays": "\n".join(f"{n} {a.isoformat()} {b.isoformat()}" for n, a, b in runs)}


@perm_required(Perm.MANAGE_CALENDAR)
def calendar_admin(request):
    years = calendar_selectors.calendar_years()
    if request.method == "POST":
        form = CalendarYearForm(request.POST)
        if form.is_valid():
            c = form.cleaned_data
            try:
                result = calendar_services.enter_year(actor(request), c["year"], c["source"], c["holidays"],
                                                      c["workdays"])
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已保存 %(year)s 年节假日安排，重新计算了 %(n)s 件未办结案件的期限")
                                 % {"year": result.year.year, "n": len(result.recomputed)})
                return redirect(reverse("cases:calendar") + f"?year={result.year.year}")
    else:
        missing = [r.year for r in years if not r.official]
        default = missing[-1] if missing else timezone.localdate().year + 1
        try:
            year = int(request.GET.get("year") or default)
        except ValueError:
            year = default
        if not calendar_services.FIRST_YEAR <= year <= timezone.localdate().year + 1:
            year = default
        form = CalendarYearForm(initial=_initial(year, next((r for r in years if r.year == year), None)))
    chosen = form["year"].value()
    try:
        chosen = int(chosen)
    except (TypeError, ValueError):
        chosen = None
    now = timezone.now()
    estimated = calendar_selectors.estimated_cases(request.user)
    rows = [case_row(c, now) for c in estimated[:calendar_selectors.ESTIMATED_LIST_LIMIT]]
    return render(request, "cases/calendar.html", {
        "years": years, "form": form, "chosen": chosen,
        "chosen_days": calendar_selectors.year_days(chosen) if chosen else [],
        "estimated_rows": rows, "estimated_count": estimated.count(),
        "limit": calendar_selectors.ESTIMATED_LIST_LIMIT,
    })
