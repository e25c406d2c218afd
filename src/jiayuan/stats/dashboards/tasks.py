"""Background task of the dashboards (django-tasks, database backend; run by ``jiayuan
worker``): recompute the city's and the counties' precomputed panels
(:func:`.services.refresh`).

The task queues its own next run ``STATS_DASHBOARD_REFRESH_SECONDS`` later (default
3600; 0 = no periodic run) when the backend can defer tasks, so once started (by
``jiayuan refresh_dashboards``, or by ``jiayuan demo-setup``: :func:`ensure_periodic`) the
snapshots stay at most that old. On demand: :func:`request_refresh` (the page's 立即更新
button, ``POST /api/v1/dashboards/refresh``).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import default_task_backend, task

logger = logging.getLogger(__name__)


def interval() -> int:
    """Seconds between two periodic refreshes (0: none)."""
    return int(getattr(settings, "STATS_DASHBOARD_REFRESH_SECONDS", 3600))


@task()
def refresh_dashboards(regions: list[str] | None = None, periods: list[str] | None = None,
                       types: list[str] | None = None, periodic: bool = False, language: str | None = None) -> dict:
    """Recompute snapshots (arguments as :func:`.services.refresh`); a periodic run
    queues the next one. Returns ``{"stored": n}``."""
    from . import services

    try:
        n = services.refresh(regions, periods, types, language=language)
    finally:
        if periodic:
            schedule_next()
    return {"stored": n}


def schedule_next() -> None:
    """Queue the next periodic refresh (when the backend defers tasks and the interval
    is not 0)."""
    seconds = interval()
    if seconds <= 0 or not default_task_backend.supports_defer:
        return
    refresh_dashboards.using(run_after=timezone.now() + datetime.timedelta(seconds=seconds)).enqueue(periodic=True)


TASK_PATH = "jiayuan.stats.dashboards.tasks.refresh_dashboards"


def periodic_pending() -> bool:
    """Whether a periodic run is already queued or running (the database backend's
    queue; another backend's queue cannot be read here: False)."""
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=TASK_PATH, args_kwargs__kwargs__periodic=True,
                                       status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists()


def ensure_periodic() -> bool:
    """Start the periodic refresh unless a periodic run is already queued or running:
    its first run ``STATS_DASHBOARD_REFRESH_SECONDS`` from now. True when queued now;
    False when one was pending, the interval is 0 or the backend cannot defer."""
    if interval() <= 0 or not default_task_backend.supports_defer or periodic_pending():
        return False
    schedule_next()
    return True


def request_refresh(region_code: str, period_label: str, types: list[str]) -> bool:
    """Queue a refresh of one region's panels for one period, for one reader's case
    types and the active language (on demand). False when the task could not be queued
    (logged)."""
    from django.utils import translation

    try:
        refresh_dashboards.enqueue(regions=[region_code], periods=[period_label], types=list(types),
                                   language=translation.get_language())
    except Exception:  # noqa: BLE001 - the page says it was not queued; the log has the traceback
        logger.exception("could not queue the dashboard refresh of %s %s", region_code, period_label)
        return False
    return True
