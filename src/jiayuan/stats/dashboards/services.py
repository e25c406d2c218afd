"""Writers of the dashboards: the precomputed panels
(:class:`~jiayuan.stats.models.DashboardSnapshot`) of the city and the counties.

A snapshot is derived data (aggregates recomputed from the records, no personal detail,
no decision): it is replaced, not edited, and not written to the audit log; what a
reader sees says when it was computed (``fresh``, ``precomputed``).
"""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from ...cases import declarations
from ...regions.models import Region
from ..models import DashboardSnapshot
from ..rules import HALF, MONTH, QUARTER, YEAR, Period, current_period, parse_period
from . import selectors


def all_types() -> list[str]:
    """Every registered case type: the audience of a reader who may read them all."""
    return sorted(declarations.read_permissions())


def store(name: str, region: Region, period: Period, types, today: datetime.date | None = None,
          language: str | None = None) -> dict:
    """Compute the panel now (labels in ``language``, default the active one) and store
    it as the snapshot of (region, period, panel, audience of ``types`` and language),
    replacing the previous one (one transaction). Returns the stored answer."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    t = time.perf_counter()
    with translation.override(language):
        data = selectors.compute_panel(name, region, period, types, today)
    seconds = time.perf_counter() - t
    key = selectors.audience(name, types, language)
    data = {k: v for k, v in data.items() if k not in ("fresh", "precomputed")}
    with transaction.atomic():
        DashboardSnapshot.objects.update_or_create(
            region=region, period=period.label, panel=name, audience=key,
            defaults={"data": data, "computed_at": timezone.now(), "seconds": seconds})
    return data


def refresh(regions=None, periods=None, types=None, today: datetime.date | None = None,
            language: str | None = None) -> int:
    """Recompute snapshots; returns how many were stored.

    - ``regions`` (codes): default every region of
      :data:`~jiayuan.stats.dashboards.selectors.PRECOMPUTED_LEVELS`;
    - ``periods`` (labels): default the current year, half, quarter and month, plus
      every period already stored for the region (asked for on demand);
    - ``types`` (case types of the cases panel) and ``language``: default every type in
      the site's language, plus every reader audience (types, language) already stored.
    Regions of other levels are skipped (their dashboards are computed live)."""
    today = today or timezone.localdate()
    qs = Region.objects.filter(level__in=selectors.PRECOMPUTED_LEVELS)
    if regions is not None:
        qs = qs.filter(code__in=list(regions))
    stored = selectors.snapshot_keys()
    current = [current_period(k, today).label for k in (YEAR, HALF, QUARTER, MONTH)]
    everything = tuple(all_types())
    n = 0
    for region in qs.order_by("code"):
        mine = [k for k in stored if k[0] == region.code]
        labels = list(periods) if periods is not None else sorted(set(current) | {k[1] for k in mine})
        if types is not None or language is not None:
            readers = {(language or settings.LANGUAGE_CODE, tuple(types) if types is not None else everything)}
        else:
            readers = {(settings.LANGUAGE_CODE, everything)}
            for k in mine:
                lang, _sep, kinds = k[3].partition("|")
                readers.add((lang, tuple(kinds.split(",")) if k[2] == "cases" and kinds else everything))
        for label in labels:
            period = parse_period(label)
            for name in selectors.PANELS:
                keys = set()
                for lang, kinds in sorted(readers):
                    key = selectors.audience(name, kinds, lang)
                    if key in keys:
                        continue
                    keys.add(key)
                    store(name, region, period, list(kinds), today, lang)
                    n += 1
    return n
