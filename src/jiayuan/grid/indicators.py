"""Rules of the grid staffing indicators (issue 16; definitions in
:mod:`jiayuan.stats.definitions`): the fewest and the most grid members (网格员) in post
per grid of the region — every grid under it (``Region.Level.GRID``) counts, a grid
without anyone in post as 0, so that an unstaffed grid shows in the minimum. The
reference city reports 2–5 per grid (DOMAIN.md; the staffing warning of
:func:`jiayuan.regions.rules.grid_staffing_warning` uses the same bounds).

Members are recorded with ``active`` (在岗) and the day they were entered, not with a
history of posts: a stock figure of a period counts the members in post now who were
entered by the period's end (a member who left during the period is not counted).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..accounts.permissions import Perm
from ..regions.models import Region
from ..regions.selectors import regions_for
from ..stats.registry import Column, Rows, rule, split


def _until(period) -> datetime.datetime:
    """The first instant after the period's last day, in the city's time zone."""
    day = period.end + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _grids(qs, period):
    """``qs`` (grids) annotated ``members``: in post and entered by the period's end."""
    return qs.annotate(members=Count("grid_members", filter=Q(grid_members__active=True,
                                                             grid_members__created_at__lt=_until(period))))


def counts(code: str, period) -> list[int]:
    """Members per grid under ``code`` (one query)."""
    grids = Region.objects.filter(level=Region.Level.GRID, code__startswith=code)
    return list(_grids(grids, period).values_list("members", flat=True))


def grid_rows(user, region, period) -> Rows | None:
    """Every grid of the region with its members in post, fewest first (the region
    tree's readers: ``view_registry``)."""
    if not user.can(Perm.VIEW_REGISTRY):
        return None
    qs = _grids(regions_for(user).filter(level=Region.Level.GRID, code__startswith=region.code)
                .select_related("parent"), period).order_by("members", "code")
    return Rows(qs, [Column(_("网格"), "name"), Column(_("所属社区（村）"), "parent.name"),
                     Column(_("在岗网格员"), "members")],
                link=lambda g: reverse("web:region_detail", args=[g.code]))


def _by_child(pick):
    def by_child(region, period, children) -> dict:
        """One query: every grid under ``region`` with its members, split by child."""
        grids = Region.objects.filter(level=Region.Level.GRID, code__startswith=region.code)
        members = dict(_grids(grids, period).values_list("code", "members"))
        under = split(members, children)
        return {c.code: pick(members[g] for g in under[c.code]) if under[c.code] else None for c in children}
    return by_child


@rule("grid.members_min", rows=grid_rows, by_child=_by_child(min), deep=True)
def members_min(region, period) -> int | None:
    got = counts(region.code, period)
    return min(got) if got else None


@rule("grid.members_max", rows=grid_rows, by_child=_by_child(max), deep=True)
def members_max(region, period) -> int | None:
    got = counts(region.code, period)
    return max(got) if got else None
