"""Demo of the dashboards (called by ``stats/demo.py`` in ``jiayuan demo-setup``, after
every module's demo data): the precomputed panels of the city and the counties computed
once, and the periodic refresh queued for ``jiayuan worker`` (which ``make demo`` runs
beside the web server), so that the city's and the counties' dashboards open from
snapshots, say how fresh they are, and stay at most ``STATS_DASHBOARD_REFRESH_SECONDS``
old."""

from __future__ import annotations

from ..models import DashboardSnapshot
from . import services, tasks


def seed_demo(ctx=None) -> str | None:
    """Compute the snapshots if there are none; queue the periodic refresh if no periodic
    run is pending. Idempotent: a second run finds both and returns None."""
    parts = []
    if not DashboardSnapshot.objects.exists():
        n = services.refresh()
        parts.append(f"看板预先汇总数据已计算：{n} 个面板（市、县区，本年、本半年、本季度、本月）")
    if tasks.ensure_periodic():
        parts.append(f"看板定时更新已排队（每 {tasks.interval()} 秒，由 jiayuan worker 执行）")
    return "；".join(parts) or None
