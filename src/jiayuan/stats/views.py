"""Pages of the indicators and of the city's report (issue 16): the list of indicators,
one indicator for a region and period with its children's values, the rows behind a
value, and the report (printable; ``?format=docx`` / ``?format=xlsx``).

Reads go through :mod:`jiayuan.stats.selectors` (scoped: an out-of-scope region is 404;
an unknown period is shown as a 422 page with the rule's message). Every page here is
declared lag-tolerant (:func:`jiayuan.dbrouting.lag_tolerant`): with a replica configured
its reads, after the permission check, go to the replica.
"""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..accounts.permissions import Perm
from ..dbrouting import lag_tolerant
from ..errors import ValidationFailed
from ..web.shortcuts import error_page, paginate, perm_required
from . import exports, selectors


def _choices(today) -> list[str]:
    """Periods offered by the chooser: this and last year with their halves and
    quarters, and this year's months so far."""
    out = []
    for year in (today.year, today.year - 1):
        out += [str(year), f"{year}H1", f"{year}H2"] + [f"{year}Q{q}" for q in range(1, 5)]
    out += [f"{today.year}-{m:02d}" for m in range(1, today.month + 1)]
    return out


def _chooser(request, region) -> dict:
    """Context of the region and period chooser: the regions up the trail, the region
    itself and its children."""
    user = request.user
    up = selectors.trail(user, region)
    return {"trail": up, "region_choices": up + [region] + selectors.child_regions(user, region),
            "period_choices": _choices(timezone.localdate())}


@perm_required(Perm.VIEW_STATISTICS)
@require_GET
@lag_tolerant()
def indicator_list(request):
    """Every indicator of the city's report by section, with whether it is computed."""
    by_section = {}
    for d, ok in selectors.indicators():
        by_section.setdefault(d.section, []).append((d, ok))
    sections = [(key, title, by_section.get(key, [])) for key, title in selectors.SECTIONS.items()]
    return render(request, "stats/indicator_list.html", {"sections": sections,
                                                         "units": selectors.UNITS})


@perm_required(Perm.VIEW_STATISTICS)
@require_GET
@lag_tolerant()
def indicator_detail(request, code: str):
    """One indicator: value for ``?region=&period=``, the children's values with
    drill-down links, the link to the rows."""
    try:
        fig = selectors.figure(request.user, code, request.GET.get("region"), request.GET.get("period"))
    except ValidationFailed as exc:
        return error_page(request, exc)
    return render(request, "stats/indicator_detail.html", {"fig": fig, **_chooser(request, fig.region)})


@perm_required(Perm.VIEW_STATISTICS)
@require_GET
@lag_tolerant()
def indicator_rows(request, code: str):
    """The rows behind a value, 50 a page, scoped by the owning module's rule."""
    try:
        view = selectors.rows(request.user, code, request.GET.get("region"), request.GET.get("period"))
    except ValidationFailed as exc:
        return error_page(request, exc)
    page = paginate(request, view.rows.queryset) if view.available else None
    rows = []
    if page is not None:
        for row in page.object_list:
            rows.append({"cells": [c.of(row) for c in view.rows.columns],
                         "url": view.rows.link(row) if view.rows.link else ""})
    return render(request, "stats/indicator_rows.html", {"view": view, "fig": view.figure, "page": page,
                                                         "rows": rows, "trail": selectors.trail(request.user,
                                                                                                view.figure.region)})


@perm_required(Perm.VIEW_STATISTICS)
@require_GET
@lag_tolerant()
def city_report(request):
    """The city's report for ``?region=&period=`` (default: the scope root, this year),
    every figure live and linked to its rows; ``?format=docx`` or ``xlsx`` downloads it."""
    try:
        rep = selectors.report(request.user, request.GET.get("region"), request.GET.get("period"))
    except ValidationFailed as exc:
        return error_page(request, exc)
    fmt = request.GET.get("format")
    if fmt in ("docx", "xlsx"):
        data = exports.report_docx(rep) if fmt == "docx" else exports.report_xlsx(rep)
        name, ascii_name = exports.file_names(rep, fmt)
        return exports.download(data, fmt, name, ascii_name)
    return render(request, "stats/city_report.html", {"report": rep, **_chooser(request, rep.region)})

