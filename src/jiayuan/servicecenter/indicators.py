"""Rules of the indicators of one-stop service (一站式服务) in urban communities (issue 16;
definitions in :mod:`jiayuan.stats.definitions`).

A community *has a one-stop service center* at the end of the period when a
comprehensive service facility in use serves it (its own, or a shared one naming it in
``also_serves``) and has a room whose function is the one-stop service hall
(``FacilityFunction.ONE_STOP``, 一站式服务大厅), opened by the period's end. The facts
are recorded by the facilities module (:func:`jiayuan.facilities.selectors.covered_units`);
this module owns the figure (《关于加强和完善城乡社区治理的意见》, 中发〔2017〕13号).

- ``servicecenter.one_stop_centers``: the number of such urban communities (居委会).
- ``servicecenter.one_stop_coverage``: that number ÷ the urban communities of the
  region × 100, one decimal; None in a region without urban communities.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import BooleanField, Case, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..facilities import rules as facility_rules
from ..facilities import selectors as facility_selectors
from ..facilities.models import FacilityFunction
from ..regions.models import Region
from ..regions.selectors import regions_for
from ..stats.registry import Column, Rows, rule, split

URBAN = Region.Kind.COMMUNITY


def with_center(code: str, period) -> set[str]:
    """Codes of the urban communities under ``code`` with a one-stop service center in
    use at the end of ``period``."""
    return facility_selectors.covered_units(code, URBAN, function=FacilityFunction.ONE_STOP, on=period.end)


def _communities(user, region, period, only_with: bool) -> Rows:
    have = with_center(region.code, period)
    qs = regions_for(user).filter(level=Region.Level.VILLAGE, kind=URBAN, code__startswith=region.code)
    if only_with:
        qs = qs.filter(code__in=have)
    qs = qs.annotate(has_center=Case(When(code__in=have, then=Value(True)), default=Value(False),
                                     output_field=BooleanField())).order_by("has_center", "code")
    return Rows(qs, [Column(_("区划代码"), "code"), Column(_("社区"), "name"),
                     Column(_("建有一站式服务中心"), lambda r: _("是") if r.has_center else _("否"))],
                link=lambda r: reverse("facilities:facility_list") + f"?region={r.code}&function=one_stop")


def center_rows(user, region, period) -> Rows:
    """The urban communities with a one-stop center (as many rows as the value)."""
    return _communities(user, region, period, only_with=True)


def coverage_rows(user, region, period) -> Rows:
    """Every urban community of the region, those without a center first."""
    return _communities(user, region, period, only_with=False)


def _split(region, period, children) -> tuple[dict, dict]:
    """Two or three queries: ``({child: [communities with a center]}, {child: [urban
    communities]})``."""
    have = split(with_center(region.code, period), children)
    units = split(facility_selectors.units_of(region.code, URBAN).values_list("code", flat=True), children)
    return have, units


def centers_by_child(region, period, children) -> dict:
    have, _units = _split(region, period, children)
    return {c.code: len(have[c.code]) for c in children}


def coverage_by_child(region, period, children) -> dict:
    have, units = _split(region, period, children)
    return {c.code: facility_rules.percent(len(have[c.code]), len(units[c.code])) for c in children}


@rule("servicecenter.one_stop_centers", rows=center_rows, by_child=centers_by_child, deep=True)
def one_stop_centers(region, period) -> int:
    return len(with_center(region.code, period))


@rule("servicecenter.one_stop_coverage", rows=coverage_rows, by_child=coverage_by_child, deep=True)
def one_stop_coverage(region, period) -> Decimal | None:
    units = facility_selectors.units_of(region.code, URBAN).count()
    return facility_rules.percent(len(with_center(region.code, period)), units)
