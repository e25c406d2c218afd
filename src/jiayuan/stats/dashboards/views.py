"""The dashboard page of a region (``/stats/dashboards/?region=&period=``) and the JSON
its charts load (``/stats/dashboards/data/<panel>/?region=&period=``).

The page is a shell: a period picker, the way up (the region's ancestors in scope) and
one card per panel; ``stats/dashboard.js`` fetches each panel's figures and draws them
with ECharts, without reloading the page. The JSON is the very answer of
``GET /api/v1/dashboards/{panel}`` (same selector); it is served here too because the
API authenticates bearer tokens only, while a page's fetch carries the session, behind
the page gates (second factor, password change) the API does not pass through."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ...accounts.permissions import Perm
from ...errors import ServiceError, ValidationFailed
from ...regions.selectors import ancestors, regions_for
from ...web.shortcuts import perm_required
from ..rules import HALF, MONTH, QUARTER, YEAR, current_period
from . import selectors, tasks


@perm_required(Perm.VIEW_STATISTICS)
def dashboard(request):
    """The page: NotFound (404 page) for a region out of scope; a period it cannot read
    is said in the period picker, and the current year is shown instead."""
    today = timezone.localdate()
    period_error = ""
    try:
        period = selectors.parse_dashboard_period(request.GET.get("period"), today)
    except ValidationFailed as exc:
        period_error = exc.message
        period = selectors.parse_dashboard_period("", today)
    region = selectors.dashboard_region(request.user, request.GET.get("region", "").strip())
    in_scope = set(regions_for(request.user).filter(code__in=[a.code for a in ancestors(region)])
                   .values_list("code", flat=True))
    up = [a for a in ancestors(region) if a.code in in_scope and a.level in selectors.DASHBOARD_LEVELS]
    shortcuts = [current_period(k, today).label for k in (YEAR, HALF, QUARTER, MONTH)]
    return render(request, "stats/dashboards/dashboard.html", {
        "region": region, "period": period, "up": up, "panels": [(p, selectors.TITLES[p]) for p in selectors.PANELS],
        "shortcuts": shortcuts, "period_error": period_error, "has_children": bool(selectors.child_regions(request.user, region)),
        "precomputed_level": region.level in selectors.PRECOMPUTED_LEVELS,
    })


@perm_required(Perm.VIEW_STATISTICS)
def panel_data(request, panel: str):
    """One panel's figures as JSON (the API's shape); errors as the API writes them."""
    try:
        today = timezone.localdate()
        period = selectors.parse_dashboard_period(request.GET.get("period"), today)
        region = selectors.dashboard_region(request.user, request.GET.get("region", "").strip())
        data = selectors.panel(request.user, panel, region, period, today)
    except ServiceError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_POST
@perm_required(Perm.VIEW_STATISTICS)
def refresh(request):
    """立即更新: queue the recomputation of the region's precomputed panels for the
    period (:func:`.tasks.request_refresh`) and go back to the dashboard."""
    today = timezone.localdate()
    period = selectors.parse_dashboard_period(request.POST.get("period"), today)
    region = selectors.dashboard_region(request.user, request.POST.get("region", "").strip())
    if region.level in selectors.PRECOMPUTED_LEVELS and tasks.request_refresh(
            region.code, period.label, selectors.readable_types(request.user)):
        messages.success(request, _("已提交更新，后台计算完成后看板显示新的汇总时间。"))
    else:
        messages.error(request, _("未能提交更新，请稍后重试。"))
    return redirect(reverse("stats:dashboard") + f"?region={region.code}&period={period.label}")
