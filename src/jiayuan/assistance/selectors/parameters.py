"""Which program parameters are in force for a region and a month.

A :class:`~jiayuan.assistance.models.ProgramParameter` row applies in the subtree of its
region from its ``effective_from`` month until the next row of the same program and
region. For a region code, the row in force is taken from the **most specific** region
among those whose code is a prefix of it (a county's own row over the city's, the city's
over the province's), and within that region the row with the latest ``effective_from``
not after the month. A county that has overridden the city's standard keeps its own row
even when the city raises its standard later; the county enters a new row to follow.

These reads are not scoped to a user: they serve services (enrollments, batches) that
have already checked who acts. Pages list parameters through the programs selectors.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from ..models import ProgramParameter

REGION_PREFIX_LENGTHS = (15, 12, 9, 6, 4, 2)
"""Region code lengths from the most specific (grid) to the least (province)."""


def region_prefixes(region_code: str) -> list[str]:
    """The codes of ``region_code`` and its ancestors, most specific first:
    ``"620702001001"`` → ``["620702001001", "620702001", "620702", "6207", "62"]``."""
    return [region_code[:n] for n in REGION_PREFIX_LENGTHS if n <= len(region_code)]


def _month(month: datetime.date) -> datetime.date:
    return month.replace(day=1)


def parameter_in_force(program_code: str, region_code: str, month: datetime.date) -> ProgramParameter | None:
    """The parameter row of ``program_code`` in force in ``region_code`` for ``month``
    (any day of it; first-of-month dates are the convention), or None when no row
    applies (no region on the path has one, or none is effective yet). One query."""
    prefixes = region_prefixes(region_code)
    rows = list(ProgramParameter.objects.filter(program_id=program_code, region_id__in=prefixes,
                                                effective_from__lte=_month(month))
                .order_by("-effective_from", "-id"))
    best: ProgramParameter | None = None
    for row in rows:  # the latest row per region comes first
        if best is None or len(row.region_id) > len(best.region_id):
            best = row
    return best


def parameter_resolver(program_code: str, month: datetime.date) -> Callable[[str], ProgramParameter | None]:
    """A function ``region_code -> ProgramParameter | None`` giving what
    :func:`parameter_in_force` gives, for many regions of one program and month: the
    candidate rows (the latest per region, effective by ``month``) are loaded once, and
    each region's answer is cached (a batch of 200,000 enrollments asks a few hundred
    distinct regions)."""
    latest: dict[str, ProgramParameter] = {}
    for row in (ProgramParameter.objects.filter(program_id=program_code, effective_from__lte=_month(month))
                .order_by("region_id", "-effective_from", "-id")):
        latest.setdefault(row.region_id, row)
    cache: dict[str, ProgramParameter | None] = {}

    def resolve(region_code: str) -> ProgramParameter | None:
        try:
            return cache[region_code]
        except KeyError:
            pass
        found = None
        for prefix in region_prefixes(region_code):
            found = latest.get(prefix)
            if found is not None:
                break
        cache[region_code] = found
        return found

    return resolve
