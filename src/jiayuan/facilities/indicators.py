"""Rules of the indicators whose data the facilities module owns (issue 16; definitions
in :mod:`jiayuan.stats.definitions`): facility coverage of urban communities and of
villages, facility floor area and area per 100 households, and the lowest and highest
community work funds.

- Coverage (stock, at the end of the period): units of the kind (``community`` = 居委会,
  ``village`` = 村委会; virtual units left out) served by a facility in use — located
  there or naming the unit in ``also_serves`` — over all units of the kind, in per cent
  with one decimal (:func:`jiayuan.facilities.rules.percent`); None where the region
  has no unit of the kind. A facility shared by two communities covers those two only.
- Area: floor area (m²) of the facilities in use located in the region, each counted
  once; per 100 households: that area ÷ the registry's households of the region × 100,
  two decimals (:func:`jiayuan.facilities.rules.area_per_100_households`); the area of
  units with no household in the registry is left out of it (it stays in the area).
- Funds: the lowest / highest budgeted annual work funds (``CommunityFund.budget_amount``,
  yuan) of the urban communities of the region for the period's year; None without any.

The records kept today are the current state (a facility's status, not its history):
a stock figure of a past period reads the facilities as they stand, with those opened
after the period's end (``opened_on``) left out.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import BooleanField, Case, Count, Max, Min, Q, Sum, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..accounts.permissions import Perm
from ..people.models import Household
from ..regions.models import Region
from ..regions.selectors import regions_for
from ..stats.registry import Column, Rows, grouped, rule, split
from . import rules, selectors
from .models import ServiceFacility

IN_USE = ServiceFacility.Status.IN_USE


def _in_use(code: str, period):
    """Facilities in use located under ``code`` and opened by the period's end."""
    return ServiceFacility.objects.filter(region__code__startswith=code, status=IN_USE).filter(
        Q(opened_on__isnull=True) | Q(opened_on__lte=period.end))


def _coverage(region, period, kind: str) -> Decimal | None:
    units = selectors.units_of(region.code, kind).count()
    return rules.percent(len(selectors.covered_units(region.code, kind, on=period.end)), units)


def _coverage_by_child(kind: str):
    def by_child(region, period, children) -> dict:
        """Three queries: the covered units and the units of ``kind`` under ``region``,
        split by child."""
        covered = split(selectors.covered_units(region.code, kind, on=period.end), children)
        units = split(selectors.units_of(region.code, kind).values_list("code", flat=True), children)
        return {c.code: rules.percent(len(covered[c.code]), len(units[c.code])) for c in children}
    return by_child


def _unit_rows(kind: str):
    def rows(user, region, period) -> Rows | None:
        if not user.can(Perm.VIEW_FACILITIES):
            return None
        covered = selectors.covered_units(region.code, kind, on=period.end)
        qs = (regions_for(user).filter(level=Region.Level.VILLAGE, kind=kind, code__startswith=region.code)
              .select_related("parent")
              .annotate(covered=Case(When(code__in=covered, then=Value(True)), default=Value(False),
                                     output_field=BooleanField()))
              .order_by("covered", "code"))
        return Rows(qs, [Column(_("区划代码"), "code"), Column(_("名称"), "name"),
                         Column(_("有在用设施服务"), lambda r: _("是") if r.covered else _("否"))],
                    link=lambda r: reverse("facilities:facility_list") + f"?region={r.code}&status=all")
    return rows


@rule("facilities.coverage_urban", rows=_unit_rows(Region.Kind.COMMUNITY),
      by_child=_coverage_by_child(Region.Kind.COMMUNITY), deep=True)
def coverage_urban(region, period) -> Decimal | None:
    return _coverage(region, period, Region.Kind.COMMUNITY)


@rule("facilities.coverage_rural", rows=_unit_rows(Region.Kind.VILLAGE),
      by_child=_coverage_by_child(Region.Kind.VILLAGE), deep=True)
def coverage_rural(region, period) -> Decimal | None:
    return _coverage(region, period, Region.Kind.VILLAGE)


def facility_rows(user, region, period) -> Rows | None:
    """The facilities in use of the region (opened by the period's end), largest first."""
    if not user.can(Perm.VIEW_FACILITIES):
        return None
    qs = (selectors.facilities_for(user).filter(region__code__startswith=region.code, status=IN_USE)
          .filter(Q(opened_on__isnull=True) | Q(opened_on__lte=period.end)).order_by("-floor_area", "id"))
    return Rows(qs, [Column(_("名称"), "name"), Column(_("所属社区（村）"), "region.name"),
                     Column(_("建筑面积（平方米）"), "floor_area")],
                link=lambda f: reverse("facilities:facility_detail", args=[f.pk]))


def area(code: str, period) -> Decimal:
    """m² of the facilities in use under ``code``, two decimals."""
    total = _in_use(code, period).aggregate(t=Sum("floor_area"))["t"]
    return Decimal(total or 0).quantize(Decimal("0.01"))


def areas(region, period, children) -> dict[str, Decimal]:
    """``{child_code: m²}`` (one query)."""
    got = grouped(_in_use(region.code, period), "region_id", children, t=Sum("floor_area"))
    return {c.code: Decimal(got.get(c.code, {}).get("t") or 0).quantize(Decimal("0.01")) for c in children}


def _with_households(code: str):
    """Subquery of the village-level units under ``code`` with a household in the
    registry: per 100 households counts the area of those only
    (:func:`jiayuan.facilities.rules.coverage`)."""
    return Household.objects.filter(community__code__startswith=code).values("community_id")


def area_per_100_by_child(region, period, children) -> dict:
    """Two queries: the areas (of units with households) and the households, grouped by child."""
    got = grouped(_in_use(region.code, period).filter(region_id__in=_with_households(region.code)), "region_id",
                  children, t=Sum("floor_area"))
    area_of = {c.code: Decimal(got.get(c.code, {}).get("t") or 0) for c in children}
    households = grouped(Household.objects.filter(community__code__startswith=region.code), "community_id",
                         children, n=Count("id"))
    return {c.code: rules.area_per_100_households(area_of[c.code], households.get(c.code, {}).get("n", 0))
            for c in children}


@rule("facilities.area_m2", rows=facility_rows, by_child=areas, deep=True)
def area_m2(region, period) -> Decimal:
    return area(region.code, period)


@rule("facilities.area_per_100_households", rows=facility_rows, by_child=area_per_100_by_child, deep=True)
def area_per_100_households(region, period) -> Decimal | None:
    households = Household.objects.filter(community__code__startswith=region.code).aggregate(n=Count("id"))["n"]
    counted = _in_use(region.code, period).filter(region_id__in=_with_households(region.code))
    return rules.area_per_100_households(Decimal(counted.aggregate(t=Sum("floor_area"))["t"] or 0), households)


def _yuan(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def _funds(region, period):
    return selectors.funds_for_region(region.code, period.year)


def fund_rows(user, region, period) -> Rows | None:
    """The urban communities' work funds of the period's year, by amount."""
    if not user.can(Perm.VIEW_FACILITIES):
        return None
    qs = (selectors.funds_for(user).filter(community__code__startswith=region.code, year=period.year,
                                           community__kind=Region.Kind.COMMUNITY)
          .order_by("budget_amount", "community_id"))
    return Rows(qs, [Column(_("社区"), "community.name"), Column(_("年度"), "year"),
                     Column(_("预算安排（元）"), "budget_amount")],
                link=lambda f: reverse("facilities:fund_detail", args=[f.pk]))


def _funds_by_child(aggregate):
    def by_child(region, period, children) -> dict:
        """One query: the lowest or highest budget of each child's urban communities."""
        got = grouped(_funds(region, period), "community_id", children, v=aggregate("budget_amount"))
        return {c.code: _yuan(got.get(c.code, {}).get("v")) for c in children}
    return by_child


@rule("funds.per_community_min", rows=fund_rows, by_child=_funds_by_child(Min), deep=True)
def per_community_min(region, period) -> Decimal | None:
    return _yuan(_funds(region, period).aggregate(v=Min("budget_amount"))["v"])


@rule("funds.per_community_max", rows=fund_rows, by_child=_funds_by_child(Max), deep=True)
def per_community_max(region, period) -> Decimal | None:
    return _yuan(_funds(region, period).aggregate(v=Max("budget_amount"))["v"])
