"""Pure rules of community service facilities (综合服务设施) and community work funds
(社区工作经费). No Django, no I/O.

Facilities — coverage and area:

- A village-level unit is *covered* when a facility in use serves it: one of its own,
  or a shared facility of another unit that names it (``also_serves``). Coverage
  is told apart for urban communities (居委会, codes 001–199) and villages (村委会,
  200–399); virtual units (4xx/5xx) are left out (``regions.rules.village_kind``).
- Area per 100 households = facility floor area (m²) ÷ households × 100, in m² with two
  decimals (half up). National target for urban communities: at least 30 m² per 100
  households (《城乡社区服务体系建设规划（2016—2020年）》, 民发〔2016〕191号: 城市社区综合
  服务设施每百户居民拥有面积不低于30平方米). The target is a parameter.
- A facility's rooms together cannot exceed its floor area.

Funds — the county's standard (e.g. 50,000–120,000 yuan per community a year, Zhangye
2019; DOMAIN.md "Figures from the reference city") is a parameter per county and year;
a community whose budgeted amount is under the minimum is *below the standard*.
Allocations cannot exceed the budgeted amount, spending cannot exceed what was
allocated. Money is ``Decimal`` yuan with two places.

Errors are :class:`jiayuan.people.rules.RuleError` with stable codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..people.rules import N_, RuleError

__all__ = [
    "URBAN_AREA_TARGET", "UnitFacts", "KindCoverage", "coverage", "area_per_100_households", "percent",
    "check_area", "check_rooms_fit", "check_standard", "fund_standing", "check_allocation", "check_spending",
    "check_amount",
]

URBAN_AREA_TARGET = Decimal("30")
"""m² of facility floor area per 100 households in urban communities (民发〔2016〕191号)."""

CENT = Decimal("0.01")
AREA_MAX = Decimal("100000")
"""A facility larger than 100,000 m² is a typing error (the largest community centres are a few thousand)."""
AMOUNT_MAX = Decimal("100000000")


def _round(value: Decimal, places: Decimal = CENT) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def area_per_100_households(area: Decimal, households: int) -> Decimal | None:
    """m² per 100 households, two decimals half up; None without households.

    >>> area_per_100_households(Decimal("450"), 1200)
    Decimal('37.50')
    """
    if households <= 0:
        return None
    return _round(Decimal(area) * 100 / households)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent with one decimal (half up); None when ``whole`` is 0."""
    if whole <= 0:
        return None
    return _round(Decimal(part) * 100 / whole, Decimal("0.1"))


@dataclass(frozen=True)
class UnitFacts:
    """One village-level unit: ``kind`` ``community`` or ``village`` (virtual units are
    not passed), ``households`` from the registry, ``facilities`` in use and their
    ``area`` (m²); ``shared``: facilities in use of other units that name this one
    among the units they also serve (their area counts where they stand)."""

    code: str
    kind: str
    households: int
    facilities: int
    area: Decimal
    shared: int = 0   # facilities of other units that also serve this one (``also_serves``)

    @property
    def covered(self) -> bool:
        """Served by a facility in use: its own, or a shared one of another unit."""
        return self.facilities > 0 or self.shared > 0


@dataclass(frozen=True)
class KindCoverage:
    """Coverage of one kind of unit in a region: ``units``, ``covered`` (with a facility
    in use), ``coverage`` (%), ``facilities``, ``area`` (m²), ``households``,
    ``per_100`` (m² per 100 households), ``target`` (m² per 100, None where no national
    target applies) and ``meets_target`` (None without target or households)."""

    kind: str
    units: int
    covered: int
    coverage: Decimal | None
    facilities: int
    area: Decimal
    households: int
    per_100: Decimal | None
    target: Decimal | None
    meets_target: bool | None
    uncovered: tuple[str, ...]


def coverage(units: list[UnitFacts], kind: str, target: Decimal | None = None) -> KindCoverage:
    """Coverage of the units of ``kind`` (``community`` or ``village``) among ``units``.

    ``target``: m² per 100 households to compare with (``URBAN_AREA_TARGET`` for urban
    communities; None for villages, where no national per-household target is set).
    ``uncovered``: codes of the units without a facility in use, in code order.
    """
    rows = [u for u in units if u.kind == kind]
    covered = [u for u in rows if u.covered]
    area = sum((u.area for u in rows), Decimal("0"))
    households = sum(u.households for u in rows)
    per_100 = area_per_100_households(area, households)
    meets = None if target is None or per_100 is None else per_100 >= target
    return KindCoverage(
        kind=kind, units=len(rows), covered=len(covered), coverage=percent(len(covered), len(rows)),
        facilities=sum(u.facilities for u in rows), area=_round(area), households=households, per_100=per_100,
        target=target, meets_target=meets,
        uncovered=tuple(sorted(u.code for u in rows if not u.covered)),
    )


def _decimal(value, field: str, message: str) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        d = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except Exception:  # InvalidOperation and odd types alike
        d = None
    if d is None or not d.is_finite():
        raise RuleError(f"{field}.format", message, field=field)
    return d


def check_area(value, field: str = "floor_area", *, allow_zero: bool = False) -> Decimal:
    """A floor area in m²: a number > 0 (≥ 0 with ``allow_zero``), at most two decimals,
    at most 100,000 m². Returns it as ``Decimal`` with two places.

    Codes: ``<field>.format``, ``<field>.not_positive``, ``<field>.too_large``,
    ``<field>.precision``."""
    d = _decimal(value, field, N_("面积应为数字（平方米）"))
    if d < 0 or (d == 0 and not allow_zero):
        raise RuleError(f"{field}.not_positive", N_("面积应大于 0 平方米"), field=field)
    if d > AREA_MAX:
        raise RuleError(f"{field}.too_large", N_("面积不能超过 %(max)s 平方米"), {"max": "100000"}, field=field)
    if d != _round(d):
        raise RuleError(f"{field}.precision", N_("面积最多保留两位小数"), field=field)
    return _round(d)


def check_rooms_fit(facility_area: Decimal, room_areas: list[Decimal]) -> None:
    """The rooms together fit in the facility: Σ room areas ≤ floor area, else
    ``room.area_exceeds`` (with both figures)."""
    total = sum(room_areas, Decimal("0"))
    if total > facility_area:
        raise RuleError("room.area_exceeds", N_("功能室面积合计 %(rooms)s 平方米，超过设施建筑面积 %(area)s 平方米"),
                        {"rooms": str(_round(total)), "area": str(_round(facility_area))}, field="floor_area")


def check_amount(value, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """An amount of money in yuan: > 0 (≥ 0 with ``allow_zero``), at most two decimals,
    below 100 million. Codes ``<field>.format``, ``.not_positive``, ``.precision``,
    ``.too_large``."""
    d = _decimal(value, field, N_("金额应为数字（元）"))
    if d < 0 or (d == 0 and not allow_zero):
        raise RuleError(f"{field}.not_positive", N_("金额应大于 0 元"), field=field)
    if d >= AMOUNT_MAX:   # before rounding: 10**30 to the fen passes Decimal's 28 digits (a 500)
        raise RuleError(f"{field}.too_large", N_("金额过大：应小于 1 亿元"), field=field)
    if d != _round(d):
        raise RuleError(f"{field}.precision", N_("金额最多到分（两位小数）"), field=field)
    return _round(d)


def check_standard(minimum, maximum) -> tuple[Decimal, Decimal]:
    """The county's standard range of a community's annual work funds: both amounts
    valid and ``minimum ≤ maximum`` (``standard.range``)."""
    lo = check_amount(minimum, "minimum")
    hi = check_amount(maximum, "maximum")
    if lo > hi:
        raise RuleError("standard.range", N_("标准下限 %(lo)s 元高于上限 %(hi)s 元"),
                        {"lo": str(lo), "hi": str(hi)}, field="maximum")
    return lo, hi


def fund_standing(amount: Decimal | None, minimum: Decimal | None, maximum: Decimal | None) -> str:
    """Where a community's budgeted amount stands against its county's standard:
    ``no_standard`` (none set for the county and year), ``missing`` (no amount in the
    budget), ``below`` (amount < minimum), ``above`` (amount > maximum) or ``within``.

    >>> fund_standing(Decimal("40000"), Decimal("50000"), Decimal("120000"))
    'below'
    """
    if minimum is None or maximum is None:
        return "no_standard"
    if amount is None:
        return "missing"
    if amount < minimum:
        return "below"
    if amount > maximum:
        return "above"
    return "within"


def check_allocation(budget: Decimal, allocated: Decimal, new: Decimal) -> None:
    """An allocation (拨付) of ``new`` yuan keeps the allocations within the budgeted
    amount: ``allocated + new ≤ budget``, else ``allocation.exceeds_budget``."""
    if allocated + new > budget:
        raise RuleError("allocation.exceeds_budget",
                        N_("拨付合计 %(total)s 元将超过预算安排 %(budget)s 元（已拨付 %(allocated)s 元）"),
                        {"total": str(allocated + new), "budget": str(budget), "allocated": str(allocated)},
                        field="amount")


def check_spending(allocated: Decimal, spent: Decimal, new: Decimal) -> None:
    """A spending of ``new`` yuan stays within what was allocated: ``spent + new ≤
    allocated``, else ``spending.exceeds_allocated``."""
    if spent + new > allocated:
        raise RuleError("spending.exceeds_allocated",
                        N_("支出合计 %(total)s 元将超过已拨付 %(allocated)s 元（已支出 %(spent)s 元）"),
                        {"total": str(spent + new), "allocated": str(allocated), "spent": str(spent)},
                        field="amount")
