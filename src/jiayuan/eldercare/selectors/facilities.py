"""Scoped reads of day-care facilities (日间照料中心, 互助幸福院, 养老服务站), their
assignments, subsidies, attendance, and the coverage figure.

Scope: a facility is visible to a user with ``view_eldercare`` when the community or
village it stands in lies in the user's subtree; otherwise it answers 404 like one that
does not exist. Facilities are not personal data; check-ins name persons and are shown
only to users who see the facility.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from ...accounts.permissions import Perm
from ...errors import NotFound
from ...regions.models import Region
from .. import rules
from ..models import CheckIn, DailyAttendance, DayCareCenter, FacilityAssignment, FacilitySubsidy


def facilities_for(user) -> QuerySet:
    """Facilities standing in the user's scope; none without ``view_eldercare``."""
    if not user.can(Perm.VIEW_ELDERCARE):
        return DayCareCenter.objects.none()
    qs = DayCareCenter.objects.select_related("region", "operator")
    scope = user.scope_code
    return qs.filter(region__code__startswith=scope) if scope else qs


def get_facility(user, pk) -> DayCareCenter:
    """The facility ``pk`` if visible to the user; NotFound (``facility.not_found``)."""
    try:
        return facilities_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, DayCareCenter.DoesNotExist):
        raise NotFound("facility.not_found") from None


def operating_on(day: datetime.date) -> Q:
    """Facilities operating on ``day``: opened on or before it, not closed by it."""
    return Q(opened_on__isnull=False, opened_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gt=day))


@dataclass
class FacilityFilters:
    """Filters of the list page, the export and ``GET /api/v1/eldercare/facilities``:
    ``kind``, ``region`` (code prefix of where it stands), ``status`` (``operating``,
    ``planned``, ``closed`` on ``on``; empty: all), ``q`` (name fragment)."""

    kind: str = ""
    region: str = ""
    status: str = ""
    q: str = ""
    on: datetime.date | None = None


def search_facilities(user, f: FacilityFilters) -> QuerySet:
    """Facilities visible to ``user`` matching ``f``, by region code then name."""
    qs = facilities_for(user)
    on = f.on or datetime.date.today()
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.region:
        qs = qs.filter(region__code__startswith=f.region)
    if f.q:
        qs = qs.filter(name__contains=f.q)
    if f.status == "operating":
        qs = qs.filter(operating_on(on))
    elif f.status == "planned":
        qs = qs.filter(Q(opened_on__isnull=True) | Q(opened_on__gt=on))
    elif f.status == "closed":
        qs = qs.filter(closed_on__isnull=False, closed_on__lte=on)
    return qs.annotate(assigned=Count("assignments", filter=Q(assignments__end__isnull=True))).order_by(
        "region_id", "name", "id")


def assignments_of(facility: DayCareCenter) -> QuerySet:
    """Every assignment of ``facility``: open-ended ones first, then by end, start."""
    return facility.assignments.select_related("region").order_by(F("end").desc(nulls_first=True), "-start",
                                                                  "region_id")


def subsidies_of(facility: DayCareCenter) -> QuerySet:
    return facility.subsidies.order_by("-year", "kind", "approved_on", "id")


def assignable_regions(user) -> QuerySet:
    """Urban communities and villages in the user's scope (what a facility may serve)."""
    qs = Region.objects.filter(level=Region.Level.VILLAGE, kind__in=[Region.Kind.COMMUNITY, Region.Kind.VILLAGE])
    scope = user.scope_code
    return (qs.filter(code__startswith=scope) if scope else qs).order_by("code")


# --- attendance -------------------------------------------------------------------------------

def person_visits(facilities: QuerySet | list, start: datetime.date, end: datetime.date) -> dict[int, int]:
    """Person-visits per facility id from ``start`` to ``end`` (both included): named
    check-ins (one per person and day) plus the daily counts of days where names are
    not taken. Two queries."""
    ids = [f.pk if hasattr(f, "pk") else f for f in facilities]
    out = dict.fromkeys(ids, 0)
    for fid, n in (CheckIn.objects.filter(facility_id__in=ids, day__gte=start, day__lte=end)
                   .values_list("facility_id").annotate(n=Count("id")).values_list("facility_id", "n")):
        out[fid] += n
    for fid, n in (DailyAttendance.objects.filter(facility_id__in=ids, day__gte=start, day__lte=end)
                   .values_list("facility_id").annotate(n=Sum("count")).values_list("facility_id", "n")):
        out[fid] += n or 0
    return out


def monthly_visits(facility: DayCareCenter, year: int) -> list[tuple[int, int]]:
    """[(month 1–12, person-visits)] of ``facility`` in ``year`` from the records."""
    months = dict.fromkeys(range(1, 13), 0)
    for day, in CheckIn.objects.filter(facility=facility, day__year=year).values_list("day"):
        months[day.month] += 1
    for day, n in DailyAttendance.objects.filter(facility=facility, day__year=year).values_list("day", "count"):
        months[day.month] += n
    return sorted(months.items())


def recent_attendance(facility: DayCareCenter, limit: int = 30) -> list[dict]:
    """The last ``limit`` days with attendance: ``{"day", "named", "count", "total"}``."""
    days: dict[datetime.date, dict] = {}
    for day, n in (CheckIn.objects.filter(facility=facility).values_list("day").annotate(n=Count("id"))
                   .values_list("day", "n").order_by("-day")[:limit]):
        days.setdefault(day, {"day": day, "named": 0, "count": 0})["named"] = n
    for day, n in DailyAttendance.objects.filter(facility=facility).order_by("-day").values_list("day", "count")[:limit]:
        days.setdefault(day, {"day": day, "named": 0, "count": 0})["count"] = n
    rows = sorted(days.values(), key=lambda r: r["day"], reverse=True)[:limit]
    for r in rows:
        r["total"] = r["named"] + r["count"]
    return rows


def facility_attended(person, on: datetime.date | None = None, days: int = 90) -> CheckIn | None:
    """The person's latest named check-in at a day-care facility within ``days`` before
    ``on`` (today), with the facility: the facility the elder attends; None otherwise.
    ``person`` comes from a scoped selector."""
    on = on or datetime.date.today()
    return (CheckIn.objects.filter(person=person, day__gt=on - datetime.timedelta(days=days), day__lte=on)
            .select_related("facility").order_by("-day", "-id").first())


# --- figures ----------------------------------------------------------------------------------

@dataclass
class Coverage:
    """Day-care coverage of a region on a date (DOMAIN.md "Home care and day care"):
    ``urban`` = urban communities assigned an operating facility ÷ all urban communities;
    ``rural`` = villages assigned one ÷ all villages (fractions, None when there are
    none). ``*_served`` / ``*_total`` are the counts; ``uncovered`` lists the
    communities and villages with none (the rows behind the figure)."""

    region: Region | None
    on: datetime.date
    urban_served: int
    urban_total: int
    rural_served: int
    rural_total: int
    uncovered: list = field(default_factory=list)

    @property
    def urban(self) -> float | None:
        return rules.coverage(self.urban_served, self.urban_total)

    @property
    def rural(self) -> float | None:
        return rules.coverage(self.rural_served, self.rural_total)


def served_regions(prefix: str, on: datetime.date) -> QuerySet:
    """Codes of the communities and villages under ``prefix`` assigned, on ``on``, to a
    facility operating on ``on`` (assignment started, not ended; facility open)."""
    return (FacilityAssignment.objects.filter(region__code__startswith=prefix, start__lte=on)
            .filter(Q(end__isnull=True) | Q(end__gt=on))
            .filter(Q(facility__opened_on__isnull=False, facility__opened_on__lte=on)
                    & (Q(facility__closed_on__isnull=True) | Q(facility__closed_on__gt=on)))
            .values_list("region_id", flat=True).distinct())


def coverage(user, region: Region | None, on: datetime.date, *, list_uncovered: bool = True) -> Coverage:
    """Coverage of ``region`` (from a scoped selector; None: the user's whole scope) on
    ``on``. A facility counts for the communities and villages it is assigned to, wherever
    it stands; one serving two communities counts for both; two serving one count once.
    Virtual units (虚拟单位) are not counted. Raises NotFound without ``view_eldercare``."""
    if not user.can(Perm.VIEW_ELDERCARE):
        raise NotFound()
    prefix = region.code if region is not None else user.scope_code
    units = Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=prefix,
                                  kind__in=[Region.Kind.COMMUNITY, Region.Kind.VILLAGE])
    served = set(served_regions(prefix, on))
    totals = {k: 0 for k in (Region.Kind.COMMUNITY, Region.Kind.VILLAGE)}
    covered = {k: 0 for k in totals}
    uncovered = []
    for code, kind, name in units.order_by("code").values_list("code", "kind", "name"):
        totals[kind] += 1
        if code in served:
            covered[kind] += 1
        elif list_uncovered:
            uncovered.append((code, kind, name))
    return Coverage(region, on, covered[Region.Kind.COMMUNITY], totals[Region.Kind.COMMUNITY],
                    covered[Region.Kind.VILLAGE], totals[Region.Kind.VILLAGE], uncovered)


def coverage_by_child(user, region: Region, on: datetime.date) -> list[tuple[Region, Coverage]]:
    """The coverage of each child region of ``region`` (streets of a county, counties of
    a city …) that has communities or villages, computed from one read of the units
    and one of the assignments (not one query per child)."""
    if not user.can(Perm.VIEW_ELDERCARE) or region.level == Region.Level.VILLAGE:
        return []
    children = list(Region.objects.filter(parent=region).exclude(level=Region.Level.GRID).order_by("code"))
    served = set(served_regions(region.code, on))
    units = (Region.objects.filter(level=Region.Level.VILLAGE, code__startswith=region.code,
                                   kind__in=[Region.Kind.COMMUNITY, Region.Kind.VILLAGE])
             .values_list("code", "kind"))
    counts: dict[str, list[int]] = {c.code: [0, 0, 0, 0] for c in children}
    lengths = sorted({len(c.code) for c in children})
    for code, kind in units:
        row = next((counts[code[:n]] for n in lengths if code[:n] in counts), None)
        if row is None:
            continue
        i = 0 if kind == Region.Kind.COMMUNITY else 2
        row[i + 1] += 1
        row[i] += code in served
    return [(c, Coverage(c, on, *counts[c.code])) for c in children if counts[c.code][1] or counts[c.code][3]]


def subsidy_totals(user, year: int, region: Region | None = None) -> dict[str, Decimal]:
    """Construction and operating subsidies of ``year`` for the facilities visible to
    ``user`` (under ``region`` when given), in yuan: ``{"construction", "operating"}``."""
    qs = FacilitySubsidy.objects.filter(facility__in=facilities_for(user), year=year)
    if region is not None:
        qs = qs.filter(facility__region__code__startswith=region.code)
    out = {"construction": Decimal("0.00"), "operating": Decimal("0.00")}
    for kind, total in qs.values_list("kind").annotate(t=Sum("amount")).values_list("kind", "t"):
        out[kind] = total
    return out


def elders_near(facility, on: datetime.date, limit: int = 500) -> list:
    """Living persons aged 60 or more on ``on`` in the facility's region, by name, at most
    ``limit``: whom its attendance form offers. The cut-off day is capped at the 28th (no
    29 February to build), so who turns 60 on the 29th–31st is offered from the next month. ``facility`` comes from a scoped selector, so they are in the reader's scope."""
    from ...people.models import Person

    born_by = datetime.date(on.year - 60, on.month, min(on.day, 28))
    return list(Person.objects.filter(region__code__startswith=facility.region_id, birth_date__lte=born_by,
                                      life_status=Person.LifeStatus.ALIVE).order_by("name")[:limit])
