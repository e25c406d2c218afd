"""``/api/v1/dashboards/{panel}?region=&period=``: the figures of one dashboard panel
(:mod:`.selectors`, the same function the page's charts read), for a region in the
caller's scope (out of scope or not a dashboard level: 404, exactly like unknown) and a
period written as in ``/api/v1/indicators`` (2019, 2019H1, 2019Q2, 2019-06; anything
else: 422). Needs ``view_statistics``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status

from ...accounts.permissions import Perm
from ...errors import Forbidden
from . import selectors, tasks

router = Router(tags=["统计看板"])


class DashboardRegionOut(Schema):
    code: str
    name: str
    level: str


class DashboardKpiOut(Schema):
    key: str
    label: str
    value: float | int | None
    unit: str
    indicator: str | None
    computable: bool


class DashboardSeriesOut(Schema):
    name: str
    data: list[float | int | None]
    stack: str | None = None


class DashboardChartOut(Schema):
    key: str
    title: str
    kind: str
    categories: list[str]
    series: list[DashboardSeriesOut]
    drill: list[str] | None


class DashboardPanelOut(Schema):
    panel: str
    title: str
    region: DashboardRegionOut
    period: str
    as_of: str
    fresh: str
    precomputed: bool
    kpis: list[DashboardKpiOut]
    charts: list[DashboardChartOut]


class DashboardListOut(Schema):
    panels: list[str]


@router.get("/dashboards", response=DashboardListOut, summary="看板面板列表")
def list_panels(request):
    """The panels, in the order of the page."""
    if not request.auth.can(Perm.VIEW_STATISTICS):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    return {"panels": list(selectors.PANELS)}


class DashboardRefreshOut(Schema):
    region: str
    period: str
    queued: bool


@router.post("/dashboards/refresh", response={202: DashboardRefreshOut}, summary="更新看板预汇总数据")
def refresh(request, region: str = "", period: str = ""):
    """Queue the recomputation of the region's precomputed panels for the period (city
    and counties; for other levels nothing is precomputed and ``queued`` is false).
    The panels answer ``precomputed: true`` and ``fresh`` = the new computation time
    once the background worker has run it."""
    if not request.auth.can(Perm.VIEW_STATISTICS):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    today = timezone.localdate()
    the_period = selectors.parse_dashboard_period(period, today)
    the_region = selectors.dashboard_region(request.auth, region)
    queued = the_region.level in selectors.PRECOMPUTED_LEVELS and tasks.request_refresh(
        the_region.code, the_period.label, selectors.readable_types(request.auth))
    return Status(202, {"region": the_region.code, "period": the_period.label, "queued": queued})


# after /dashboards/refresh: a fixed path is matched before the parameter
@router.get("/dashboards/{panel}", response=DashboardPanelOut, summary="看板面板数据")
def panel(request, panel: str, region: str = "", period: str = ""):
    """One panel: KPIs and charts (see :mod:`jiayuan.stats.dashboards.selectors` for the
    shape). ``region`` defaults to the caller's scope, ``period`` to the current year."""
    if not request.auth.can(Perm.VIEW_STATISTICS):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))
    today = timezone.localdate()
    the_period = selectors.parse_dashboard_period(period, today)
    the_region = selectors.dashboard_region(request.auth, region)
    return selectors.panel(request.auth, panel, the_region, the_period, today)

