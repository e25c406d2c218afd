"""Registry counts a data element may take its value from (``source_kind="registry"``):
aggregate counts per unit, no personal detail, one query for any number of units.

Each source is ``fn(units, period) -> {unit_code: int}`` where ``units`` are regions of one
level (townships or village-level units) and ``period`` a
:class:`jiayuan.stats.rules.Period`; a unit without any row answers 0.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.db.models import Count, Q
from django.db.models.functions import Substr

from jiayuan.people.models import Household, Person
from jiayuan.people.rules import N_


def _prefix(units) -> str:
    codes = [u.code for u in units]
    return os.path.commonprefix(codes) if codes else ""


def _count_by_unit(qs, column: str, units) -> dict[str, int]:
    units = list(units)
    if not units:
        return {}
    length = len(units[0].code)
    wanted = {u.code for u in units}
    rows = (qs.filter(**{f"{column[:-3]}__code__startswith": _prefix(units)})
            .annotate(unit=Substr(column, 1, length)).values("unit").annotate(n=Count("pk")).order_by())
    got = {r["unit"]: r["n"] for r in rows if r["unit"] in wanted}
    return {code: got.get(code, 0) for code in wanted}


def persons(units, period) -> dict[str, int]:
    """Persons alive in the registry, by unit (their grid's or village's code)."""
    return _count_by_unit(Person.objects.filter(life_status=Person.LifeStatus.ALIVE), "region_id", units)


def households(units, period) -> dict[str, int]:
    """Households in the registry, by their community's (village's) code."""
    return _count_by_unit(Household.objects.all(), "community_id", units)


def elderly_60(units, period) -> dict[str, int]:
    """Persons alive who are 60 or older on the period's last day."""
    end = period.end
    try:
        born_by = end.replace(year=end.year - 60)
    except ValueError:  # 29 February
        born_by = end.replace(year=end.year - 60, day=28)
    qs = Person.objects.filter(Q(life_status=Person.LifeStatus.ALIVE) & Q(birth_date__lte=born_by))
    return _count_by_unit(qs, "region_id", units)


REGISTRY_SOURCES: dict[str, tuple[str, Callable]] = {
    "people.persons": (N_("居民档案：在册居民人数"), persons),
    "people.households": (N_("居民档案：在册户数"), households),
    "people.elderly_60": (N_("居民档案：60周岁及以上人数"), elderly_60),
}
