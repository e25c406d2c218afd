"""Scoped reads of service facilities and their coverage.

Scope: a facility is visible to a user with ``view_facilities`` when its region (a
community or village) lies in the user's subtree; anything else answers
``NotFound("facility.not_found")``, like a facility that does not exist.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from ...accounts.permissions import Perm
from ...errors import NotFound, get_or_not_found
from ...people.models import Household
from ...regions.models import Region
from ...regions.selectors import regions_for
from .. import rules
from ..models import FacilityFunction, ServiceFacility

Status = ServiceFacility.Status


def facilities_for(user) -> QuerySet:
    """Facilities (every status) in the user's scope; none without ``view_facilities``.
    Region joined, rooms and the units it also serves prefetched."""
    if not user.can(Perm.VIEW_FACILITIES):
        return ServiceFacility.objects.none()
    qs = ServiceFacility.objects.select_related("region", "region__parent").prefetch_related("rooms", "also_serves")
    scope = user.scope_code
    return qs.filter(region__code__startswith=scope) if scope else qs


def get_facility(user, pk) -> ServiceFacility:
    """The facility ``pk`` if the user may see it; ``NotFound("facility.not_found")`` otherwise."""
    try:
        return facilities_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, ServiceFacility.DoesNotExist):
        raise NotFound("facility.not_found") from None


def get_region(user, code) -> Region:
    """A region in the user's scope, for the summary pages; ``NotFound("region.not_found")``."""
    code = str(code or "").strip()
    if not code.isdigit():
        raise NotFound("region.not_found")
    return get_or_not_found(regions_for(user), "region.not_found", code=code)


def home_region(user) -> Region | None:
    """Where a summary starts for the user: the scope region; for a superuser the root
    of the tree (the first region without a parent; None on an empty tree)."""
    if user.is_superuser or user.scope_id is None:
        return Region.objects.filter(parent__isnull=True).order_by("code").first()
    return user.scope


def search_facilities(user, region: str = "", status: str = Status.IN_USE, function: str = "",
                      q: str = "") -> QuerySet:
    """Facilities in scope under ``region`` (a code prefix), of ``status`` (``""``: all),
    with a room of ``function``, whose name contains ``q``; by region and name."""
    qs = facilities_for(user)
    if region:
        qs = qs.filter(region__code__startswith=region)
    if status:
        qs = qs.filter(status=status)
    if function:
        qs = qs.filter(rooms__function=function).distinct()
    if q:
        qs = qs.filter(name__contains=q)
    return qs.order_by("region_id", "name", "id")


def functions_of(facility: ServiceFacility) -> list[str]:
    """Labels of the distinct functions of the facility's rooms, in the order of
    :class:`FacilityFunction` (rooms prefetched by the selectors)."""
    have = {r.function for r in facility.rooms.all()}
    return [str(label) for value, label in FacilityFunction.choices if value in have]


def rooms_area(facility: ServiceFacility) -> Decimal:
    return sum((r.floor_area for r in facility.rooms.all()), Decimal("0"))


# --- coverage ----------------------------------------------------------------------------------

@dataclass
class CoverageRow:
    """The coverage of one region (the summary's region or one of its children):
    ``urban`` (communities, against the national target) and ``rural`` (villages)."""

    region: Region
    urban: rules.KindCoverage
    rural: rules.KindCoverage


@dataclass
class CoverageReport:
    """Coverage of a region and of each of its children; ``uncovered``: the units
    without a facility in use (regions, in code order)."""

    region: Region
    total: CoverageRow
    rows: list[CoverageRow] = field(default_factory=list)
    uncovered: list[Region] = field(default_factory=list)


def unit_facts(code: str) -> tuple[list[Region], list[rules.UnitFacts]]:
    """The communities and villages under ``code`` (virtual units left out) with their
    households (registry: households whose community is the unit) and facilities in
    use (count and floor area): three queries whatever the size of the region."""
    units = list(Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=code,
                                       kind__in=(Region.Kind.COMMUNITY, Region.Kind.VILLAGE)).order_by("code"))
    households = dict(Household.objects.filter(community__code__startswith=code).values("community")
                      .annotate(n=Count("id")).values_list("community", "n").order_by())
    facilities = {r["region"]: (r["n"], r["area"]) for r in
                  ServiceFacility.objects.filter(region__code__startswith=code, status=Status.IN_USE)
                  .values("region").annotate(n=Count("id"), area=Sum("floor_area")).order_by()}
    shared = dict(ServiceFacility.also_serves.through.objects
                  .filter(region__code__startswith=code, servicefacility__status=Status.IN_USE)
                  .values("region").annotate(n=Count("servicefacility", distinct=True))
                  .values_list("region", "n").order_by())
    facts = []
    for u in units:
        n, area = facilities.get(u.code, (0, Decimal("0")))
        facts.append(rules.UnitFacts(code=u.code, kind=u.kind, households=households.get(u.code, 0),
                                     facilities=n, area=Decimal(area or 0), shared=shared.get(u.code, 0)))
    return units, facts


def covered_units(code: str, kind: str, function: str = "", on=None) -> set[str]:
    """Codes of the units of ``kind`` (``community`` or ``village``) under the region
    ``code`` served by a facility in use — located there or naming the unit in
    ``also_serves`` — and, with ``function``, having a room of that function (e.g.
    ``one_stop``); with ``on`` (a date), facilities opened after it are left out. Two queries, not scoped (callers pass a region they reached through a
    scoped read; the result is codes only). The one definition of "covered" for the
    coverage page and the indicators (issue 16: a facility shared by two communities
    covers those two and no other)."""
    facilities = ServiceFacility.objects.filter(status=Status.IN_USE)
    if function:
        facilities = facilities.filter(rooms__function=function)
    if on is not None:
        facilities = facilities.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=on))
    own = facilities.filter(region__code__startswith=code, region__kind=kind).values_list("region_id", flat=True)
    through = ServiceFacility.also_serves.through.objects.filter(
        region__code__startswith=code, region__kind=kind, region__level=Region.Level.VILLAGE,
        servicefacility__in=facilities).values_list("region_id", flat=True)
    return set(own) | set(through)


def also_serves_of(facility: ServiceFacility) -> QuerySet:
    """The other units ``facility`` (from a scoped read) serves, by code."""
    return facility.also_serves.order_by("code")


def neighbours_of(user, facility: ServiceFacility) -> QuerySet:
    """The communities and villages of the facility's township, other than its own, in
    the user's scope: the units it may be shared with (by code)."""
    return (regions_for(user).filter(level=Region.Level.VILLAGE, parent_id=facility.region.parent_id,
                                     kind__in=(Region.Kind.COMMUNITY, Region.Kind.VILLAGE))
            .exclude(code=facility.region_id).order_by("code"))


def units_of(code: str, kind: str) -> QuerySet:
    """The units of ``kind`` (``community`` or ``village``, virtual units left out)
    under the region ``code``, by code (not scoped)."""
    return Region.objects.filter(level=Region.Level.VILLAGE, kind=kind, code__startswith=code).order_by("code")


def _row(region: Region, facts: list[rules.UnitFacts], target: Decimal) -> CoverageRow:
    return CoverageRow(region=region, urban=rules.coverage(facts, "community", target),
                       rural=rules.coverage(facts, "village"))


def coverage_report(user, region: Region, target: Decimal = rules.URBAN_AREA_TARGET) -> CoverageReport:
    """Coverage of ``region`` (from :func:`get_region`) and of its children (down to
    the communities and villages themselves): units, covered units and per cent, area
    (m²), households and m² per 100 households, for urban communities (against
    ``target``, national 30) and for villages. Requires ``view_facilities`` (else the
    report is of nothing: ``NotFound``)."""
    if not user.can(Perm.VIEW_FACILITIES) or not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    units, facts = unit_facts(region.code)
    by_code = {u.code: u for u in units}
    report = CoverageReport(region=region, total=_row(region, facts, target))
    if region.level == Region.Level.VILLAGE:
        groups = {}
    else:
        child_len = {2: 4, 4: 6, 6: 9, 9: 12}.get(len(region.code), 12)
        groups = defaultdict(list)
        for f in facts:
            groups[f.code[:child_len]].append(f)
    children = {c.code: c for c in Region.objects.filter(code__in=list(groups))}
    for code in sorted(groups):
        if code in children:
            report.rows.append(_row(children[code], groups[code], target))
    report.uncovered = [by_code[f.code] for f in facts if not f.covered]
    return report
