"""Rules of the tip indicators (issue 16; definitions in :mod:`jiayuan.stats.definitions`):
``governance.tips_collected``, ``governance.tips_transferred``, ``governance.tips_concluded``
— the tips of the region (its whole subtree, by the region the matter lies in) whose
stage date falls in the period: collected on, transferred on, concluded on. A tip
collected in March and transferred in April counts once in each month, as on the tip
counts page (:func:`.tips.selectors.tip_counts`, DOMAIN.md "Confidential tips").

The value is a count and carries nothing of a tip. The rows behind it are tips, so they
are read through :func:`.tips.selectors.handled_tips`: only the county's designated
handlers get rows (number, region, stage, date; never the content, the category or the
informant); everyone else — the collector included — gets an empty list.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..stats.registry import Column, Rows, grouped, rule
from .models import Tip
from .tips import selectors as tip_selectors

STAGE_DATE = {"collected": "collected_on", "transferred": "transferred_on", "concluded": "concluded_on"}


def _in_period(stage: str, period) -> Q:
    return Q(**{f"{STAGE_DATE[stage]}__range": (period.start, period.end)})


def count(stage: str, region, period) -> int:
    """Tips under ``region`` whose ``stage`` date is in ``period`` (one query)."""
    return Tip.objects.filter(_in_period(stage, period), region__code__startswith=region.code).count()


def by_child(stage: str, region, period, children) -> dict[str, int]:
    """``{child_code: count}`` for the given regions under ``region`` (children, or any
    descendants: ``deep``), equal to :func:`count` of each: the tips of the subtree
    grouped by the leading digits of their region code (:func:`stats.registry.grouped`,
    one query per code length among ``children``); a region without tips counts 0."""
    got = grouped(Tip.objects.filter(_in_period(stage, period), region__code__startswith=region.code), "region_id",
                  children, n=Count("id"))
    return {c.code: got.get(c.code, {}).get("n", 0) for c in children}


def _rows(stage: str):
    def rows(user, region, period) -> Rows:
        qs = (tip_selectors.handled_tips(user).filter(_in_period(stage, period), region__code__startswith=region.code)
              .order_by(STAGE_DATE[stage], "id"))
        return Rows(qs, [Column(_("编号"), "number"), Column(_("所涉区域"), "region.name"),
                         Column(_("状态"), "get_state_display"), Column(_("日期"), STAGE_DATE[stage])],
                    link=lambda t: reverse("governance:tip_detail", args=[t.pk]))

    return rows


@rule("governance.tips_collected", rows=_rows("collected"),
      by_child=lambda region, period, children: by_child("collected", region, period, children), deep=True)
def tips_collected(region, period) -> int:
    return count("collected", region, period)


@rule("governance.tips_transferred", rows=_rows("transferred"),
      by_child=lambda region, period, children: by_child("transferred", region, period, children), deep=True)
def tips_transferred(region, period) -> int:
    return count("transferred", region, period)


@rule("governance.tips_concluded", rows=_rows("concluded"),
      by_child=lambda region, period, children: by_child("concluded", region, period, children), deep=True)
def tips_concluded(region, period) -> int:
    return count("concluded", region, period)
