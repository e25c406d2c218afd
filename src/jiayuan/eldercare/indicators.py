"""The eldercare indicators of the city's report (stats/definitions.py, section 养老服务),
each computed from recorded facts of this module (and, for the living subsidy, from the
assistance module's payment lines of the 养老服务补贴 program).

- ``eldercare.home_care_persons`` (flow): distinct elders with at least one *verified*
  home-care order scheduled in the period in the region — an order is verified when it
  is 已完成 (checked in on site, checked out, confirmed by the elder or family).
- ``eldercare.living_subsidy_yuan`` (flow): Σ paid lines (``status`` paid) of the
  ``elderly_care_allowance`` program whose batch month falls in the period, of persons
  of the region.
- ``eldercare.day_care_centers`` (stock): day-care centers and rural mutual-aid homes
  standing in the region and operating at the end of the period (or today, when the
  period has not ended).
- ``eldercare.day_care_coverage_urban`` / ``_rural`` (stock, %, one decimal): urban
  communities (villages) of the region assigned an operating facility ÷ all of them
  × 100 (a facility counts for the communities it is assigned to, wherever it stands);
  None when the region has none.
- ``eldercare.construction_subsidy_yuan`` / ``operating_subsidy_yuan`` (flow): Σ
  subsidies of that kind approved in the period for facilities standing in the region.
- ``eldercare.person_visits`` (flow): day-care person-visits (named check-ins plus
  daily counts) of facilities in the region on days of the period, plus verified
  home-care orders scheduled in the period.

Each rule has a ``by_child`` (:mod:`jiayuan.stats.registry`): the values of every child
region (or any regions under the parent: ``deep``) from one grouped query per source —
rows grouped by the leading digits of their region code (:func:`~jiayuan.stats.registry.grouped`)
or codes split by child (:func:`~jiayuan.stats.registry.split`) — equal to ``value`` of
each child.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..regions.models import Region
from ..stats.registry import Column, Rows, grouped, rule, split
from . import selectors
from .models import CheckIn, DailyAttendance, DayCareCenter, FacilitySubsidy, WorkOrder
from .orders import selectors as order_selectors

CENTER_KINDS = ("day_care", "mutual_aid")
CENT = Decimal("0.01")


def _yuan(total) -> Decimal:
    """A sum of money as Decimal yuan with two places (0.00 when nothing): SQLite's SUM of
    a decimal column comes back without its places (``Decimal('98000')``)."""
    return Decimal(str(total or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def _end(period) -> datetime.date:
    return min(period.end, timezone.localdate())


def _verified(region, period):
    return WorkOrder.objects.filter(status="done", region__code__startswith=region.code,
                                    scheduled_on__gte=period.start, scheduled_on__lte=period.end)


def _order_rows(user, region, period) -> Rows:
    qs = (order_selectors.orders_for(user).filter(status="done", region__code__startswith=region.code,
                                                  scheduled_on__gte=period.start, scheduled_on__lte=period.end)
          .order_by("scheduled_on", "id"))
    return Rows(qs, [Column(_("姓名"), "person.name"), Column(_("服务项目"), "item.name"),
                     Column(_("服务日期"), "scheduled_on"), Column(_("服务机构"), "provider.name")])


def _count(got: dict, code: str, name: str = "n") -> int:
    return got.get(code, {}).get(name) or 0


def home_care_persons_by_child(region, period, children) -> dict:
    """One query: distinct elders of the verified orders, grouped by child."""
    got = grouped(_verified(region, period), "region_id", children, n=Count("person_id", distinct=True))
    return {c.code: _count(got, c.code) for c in children}


@rule("eldercare.home_care_persons", rows=_order_rows, by_child=home_care_persons_by_child, deep=True)
def home_care_persons(region, period) -> int:
    return _verified(region, period).values("person_id").distinct().count()


def _paid_subsidy(region, period):
    from ..assistance.models import PaymentLine
    return PaymentLine.objects.filter(program_id="elderly_care_allowance", status="paid",
                                      region__code__startswith=region.code, batch__month__gte=period.start,
                                      batch__month__lte=period.end)


def living_subsidy_by_child(region, period, children) -> dict:
    """One query: the paid lines' amounts, grouped by child."""
    got = grouped(_paid_subsidy(region, period), "region_id", children, t=Sum("amount"))
    return {c.code: _yuan(got.get(c.code, {}).get("t")) for c in children}


@rule("eldercare.living_subsidy_yuan", by_child=living_subsidy_by_child, deep=True)
def living_subsidy_yuan(region, period) -> Decimal:
    return _yuan(_paid_subsidy(region, period).aggregate(t=Sum("amount"))["t"])


def _centers(region, day):
    return DayCareCenter.objects.filter(selectors.operating_on(day), kind__in=CENTER_KINDS,
                                        region__code__startswith=region.code)


def _center_rows(user, region, period) -> Rows:
    qs = selectors.facilities_for(user).filter(selectors.operating_on(_end(period)), kind__in=CENTER_KINDS,
                                               region__code__startswith=region.code).order_by("region_id", "name")
    return Rows(qs, [Column(_("名称"), "name"), Column(_("类型"), "get_kind_display"),
                     Column(_("所在社区（村）"), "region.name"), Column(_("座位数（日间）"), "seats")],
                link=lambda f: reverse("eldercare:facility_detail", args=[f.pk]))


def day_care_centers_by_child(region, period, children) -> dict:
    """One query: the operating centers, counted by child."""
    got = grouped(_centers(region, _end(period)), "region_id", children, n=Count("id"))
    return {c.code: _count(got, c.code) for c in children}


@rule("eldercare.day_care_centers", rows=_center_rows, by_child=day_care_centers_by_child, deep=True)
def day_care_centers(region, period) -> int:
    return _centers(region, _end(period)).count()


def _units(region, kind):
    return Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=region.code, kind=kind)


def _percent(served: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(served * 100) / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _coverage(region, period, kind) -> Decimal | None:
    total = _units(region, kind).count()
    if not total:
        return None
    served = _units(region, kind).filter(code__in=selectors.served_regions(region.code, _end(period))).count()
    return _percent(served, total)


def _coverage_by_child(kind):
    def by_child(region, period, children) -> dict:
        """Two queries: the units of ``kind`` under the parent and those of them served,
        split by child."""
        units = _units(region, kind)
        total = split(units.values_list("code", flat=True), children)
        served = split(units.filter(code__in=selectors.served_regions(region.code, _end(period)))
                       .values_list("code", flat=True), children)
        return {c.code: _percent(len(served[c.code]), len(total[c.code])) for c in children}
    return by_child


@rule("eldercare.day_care_coverage_urban", by_child=_coverage_by_child(Region.Kind.COMMUNITY), deep=True)
def day_care_coverage_urban(region, period) -> Decimal | None:
    return _coverage(region, period, Region.Kind.COMMUNITY)


@rule("eldercare.day_care_coverage_rural", by_child=_coverage_by_child(Region.Kind.VILLAGE), deep=True)
def day_care_coverage_rural(region, period) -> Decimal | None:
    return _coverage(region, period, Region.Kind.VILLAGE)


def _subsidies(region, period, kind):
    return FacilitySubsidy.objects.filter(kind=kind, facility__region__code__startswith=region.code,
                                          approved_on__gte=period.start, approved_on__lte=period.end)


def _subsidy(region, period, kind) -> Decimal:
    return _yuan(_subsidies(region, period, kind).aggregate(t=Sum("amount"))["t"])


def _subsidy_by_child(kind):
    def by_child(region, period, children) -> dict:
        """One query: the subsidies' amounts, grouped by the child where the facility stands."""
        got = grouped(_subsidies(region, period, kind), "facility__region_id", children, t=Sum("amount"))
        return {c.code: _yuan(got.get(c.code, {}).get("t")) for c in children}
    return by_child


def _subsidy_rows(kind):
    def rows(user, region, period) -> Rows:
        qs = (FacilitySubsidy.objects.filter(facility__in=selectors.facilities_for(user), kind=kind,
                                             facility__region__code__startswith=region.code,
                                             approved_on__gte=period.start, approved_on__lte=period.end)
              .select_related("facility").order_by("approved_on", "id"))
        return Rows(qs, [Column(_("设施"), "facility.name"), Column(_("金额（元）"), "amount"),
                         Column(_("资金来源"), "source"), Column(_("批准文号"), "approval"),
                         Column(_("批准日期"), "approved_on")],
                    link=lambda s: reverse("eldercare:facility_detail", args=[s.facility_id]))
    return rows


@rule("eldercare.construction_subsidy_yuan", rows=_subsidy_rows("construction"),
      by_child=_subsidy_by_child("construction"), deep=True)
def construction_subsidy_yuan(region, period) -> Decimal:
    return _subsidy(region, period, "construction")


@rule("eldercare.operating_subsidy_yuan", rows=_subsidy_rows("operating"),
      by_child=_subsidy_by_child("operating"), deep=True)
def operating_subsidy_yuan(region, period) -> Decimal:
    return _subsidy(region, period, "operating")


def _attendance(model, region, period):
    return model.objects.filter(facility__region__code__startswith=region.code, day__gte=period.start,
                                day__lte=period.end)


def person_visits_by_child(region, period, children) -> dict:
    """Three queries: named check-ins, daily counts (by the child where the facility
    stands) and verified orders (by the order's region), grouped by child."""
    named = grouped(_attendance(CheckIn, region, period), "facility__region_id", children, n=Count("id"))
    counted = grouped(_attendance(DailyAttendance, region, period), "facility__region_id", children,
                      n=Sum("count"))
    orders = grouped(_verified(region, period), "region_id", children, n=Count("id"))
    return {c.code: _count(named, c.code) + _count(counted, c.code) + _count(orders, c.code) for c in children}


@rule("eldercare.person_visits", by_child=person_visits_by_child, deep=True)
def person_visits(region, period) -> int:
    named = _attendance(CheckIn, region, period).aggregate(n=Count("id"))["n"] or 0
    counted = _attendance(DailyAttendance, region, period).aggregate(n=Sum("count"))["n"] or 0
    return named + counted + _verified(region, period).count()


__all__ = ["home_care_persons", "living_subsidy_yuan", "day_care_centers", "day_care_coverage_urban",
           "day_care_coverage_rural", "construction_subsidy_yuan", "operating_subsidy_yuan", "person_visits"]
