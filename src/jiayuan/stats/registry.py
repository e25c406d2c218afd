"""The indicator registry: the definitions of :mod:`.definitions` joined with the rules the
owning modules register (DESIGN.md principle 10: every figure is declared and traceable).

A module registers the rule of an indicator whose data it owns in its own
``indicators.py`` (found at start-up by :func:`autodiscover`)::

    from jiayuan.stats.registry import Column, Rows, rule

    def facility_rows(user, region, period) -> Rows:
        qs = facilities_for(user).filter(...)           # the module's own scoped selector
        return Rows(qs, [Column(_("名称"), "name"), Column(_("面积（平方米）"), "area_m2")],
                    link=lambda f: reverse("facilities:detail", args=[f.pk]))

    @rule("facilities.area_m2", rows=facility_rows)
    def area_m2(region, period) -> Decimal:
        ...                                             # one aggregate query

Contract of a rule:

- ``value(region, period)`` → ``int`` or ``Decimal`` (unit of the definition; a
  percentage 0–100), or ``None`` when the figure has no meaning there (e.g. a coverage
  of rural villages in a region without villages). ``region`` is a
  :class:`~jiayuan.regions.models.Region` (prefecture, county, township or village
  level), ``period`` a :class:`~jiayuan.stats.rules.Period`. The value is the region's
  whole figure (the caller has checked that the region is in the user's scope); it reads
  no personal detail. Bounded queries, whatever the size of the region.
- ``rows(user, region, period)`` → :class:`Rows`: the records behind the value, read
  through the module's own scoped selector (scope and need-to-know exactly as on the
  module's pages: a user who may not read the records gets fewer rows or none, never
  more). For a count the number of rows equals the value for a user who reads them all.
- ``by_child(region, period, children)`` → ``{region_code: value}`` for every child
  region in a bounded number of queries, whatever the number of children (dashboards of
  a city, 一表通 pre-fill of 934 units); equal to ``value`` of each child. Every rule of
  the city's report registers one (:func:`grouped` and :func:`split` are the helpers:
  group the rows by the leading digits of their region code). Without it the registry
  calls ``value`` once per child (one query or more per unit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.db.models.functions import Substr

from .definitions import BY_CODE, DEFINITIONS, IndicatorDefinition
from .rules import LEVEL_OF_REGION, Period


@dataclass(frozen=True)
class Column:
    """A column of a rows list: ``label`` (lazy Chinese text) and ``value`` (an attribute
    path such as ``"region.name"`` or a callable ``row -> value``)."""

    label: Any
    value: str | Callable[[Any], Any]

    def of(self, row) -> Any:
        if callable(self.value):
            return self.value(row)
        out = row
        for part in self.value.split("."):
            out = getattr(out, part, None) if not isinstance(out, dict) else out.get(part)
            if out is None:
                return None
        return out() if callable(out) else out


@dataclass
class Rows:
    """The records behind a value: ``queryset`` (already scoped for the user),
    ``columns`` to show, ``link`` (optional ``row -> url`` of the row's own page)."""

    queryset: Any
    columns: list[Column]
    link: Callable[[Any], str] | None = None


@dataclass
class Rule:
    code: str
    value: Callable[..., int | Decimal | None]
    rows: Callable[..., Rows] | None = None
    by_child: Callable[..., dict] | None = None
    deep: bool = False
    """``by_child`` also takes descendants of one level deeper than children (e.g.
    every village of a city, :func:`descendant_values`)."""


_RULES: dict[str, Rule] = {}


class UnknownIndicator(KeyError):
    """No definition with that code."""


def rule(code: str, *, rows: Callable[..., Rows] | None = None, by_child: Callable[..., dict] | None = None,
         deep: bool = False):
    """Register the decorated ``value(region, period)`` function as the rule of the
    indicator ``code`` (which must be defined in :mod:`.definitions`). ``deep``: the
    ``by_child`` answers for any regions under ``region`` (grouping by their code
    prefix, as :func:`grouped` and :func:`split` do), not only its children. Raises
    ``UnknownIndicator`` for a code without a definition and ``ValueError`` when a rule
    is registered twice from different functions."""
    if code not in BY_CODE:
        raise UnknownIndicator(code)

    def decorate(fn):
        existing = _RULES.get(code)
        if existing is not None and existing.value.__qualname__ != fn.__qualname__:
            raise ValueError(f"indicator {code} has two rules: {existing.value.__module__} and {fn.__module__}")
        _RULES[code] = Rule(code, fn, rows, by_child, deep and by_child is not None)
        return fn

    return decorate


def grouped(qs, field: str, children, **aggregates) -> dict[str, dict]:
    """``{child_code: {name: aggregate}}``: ``qs`` grouped by the first ``len(child.code)``
    characters of ``field`` (a region code column, e.g. ``"region_id"`` or
    ``"worker__community_id"``), with the ``aggregates`` (``Count``, ``Sum``, ``Min`` …)
    of each group. One query per distinct code length among ``children`` (one for
    children of one level). Children without rows are absent (the caller supplies the
    empty value). ``qs`` should already be restricted to the parent's subtree so that an
    index range on the code serves the query."""
    out: dict[str, dict] = {}
    by_length: dict[int, set[str]] = {}
    for c in children:
        by_length.setdefault(len(c.code), set()).add(c.code)
    for length, codes in by_length.items():
        rows = (qs.annotate(_child=Substr(field, 1, length)).values("_child").annotate(**aggregates)
                .order_by())
        for row in rows:
            key = row.pop("_child")
            if key in codes:
                out[key] = row
    return out


def under(field: str, code: str) -> Q:
    """``field`` (a path to a region code, e.g. ``"region__code"``) lies under the region ``code``: the prefix test
    plus the same range as bounds (region codes are digits, at most 15), so that a
    B-tree index with the code after equality columns (e.g. the ledgers' (program,
    benefit_month, region)) takes it as an index condition — ``LIKE 'code%'`` alone is
    not one under a non-C collation."""
    return Q(**{f"{field}__startswith": code, f"{field}__gte": code, f"{field}__lte": code + "9" * (15 - len(code))})


def split(codes, children) -> dict[str, list[str]]:
    """``{child_code: [code, …]}``: each of ``codes`` (region codes of rows read in one
    query) under the child whose code it starts with (every child present, possibly
    with an empty list)."""
    out: dict[str, list[str]] = {c.code: [] for c in children}
    lengths = sorted({len(c) for c in out})
    for code in codes:
        for n in lengths:
            if code[:n] in out:
                out[code[:n]].append(code)
    return out


def autodiscover() -> None:
    """Import ``indicators`` of every installed app (each registers its rules)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("indicators")


def definitions() -> tuple[IndicatorDefinition, ...]:
    """Every defined indicator, in the order of the city's report."""
    return DEFINITIONS


def definition(code: str) -> IndicatorDefinition:
    """The definition of ``code``. Raises :class:`UnknownIndicator`."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise UnknownIndicator(code) from None


def rule_of(code: str) -> Rule | None:
    """The registered rule of ``code``, or None when no module computes it (yet)."""
    return _RULES.get(code)


def computable(code: str, region=None, period: Period | None = None) -> bool:
    """True when a rule is registered for ``code`` and, given a region and period, the
    definition applies to the region's level and the period's kind."""
    d = definition(code)
    if code not in _RULES:
        return False
    if region is not None and LEVEL_OF_REGION.get(region.level) not in d.levels:
        return False
    if period is not None and period.kind not in d.periods:
        return False
    return True


def value(code: str, region, period: Period) -> int | Decimal | None:
    """The value of ``code`` for ``region`` and ``period``, or None when not computable
    there (see :func:`computable`)."""
    if not computable(code, region, period):
        return None
    return _RULES[code].value(region, period)


def child_values(code: str, region, period: Period, children) -> dict[str, int | Decimal | None]:
    """``{child_code: value}`` for the given child regions (the caller scopes them)."""
    children = list(children)
    if not children or not computable(code):
        return {c.code: None for c in children}
    r = _RULES[code]
    if r.by_child is not None:
        got = r.by_child(region, period, children)
        return {c.code: got.get(c.code) for c in children}
    return {c.code: value(code, c, period) for c in children}


def descendant_values(code: str, region, period: Period, units) -> dict[str, int | Decimal | None] | None:
    """``{unit_code: value}`` for regions anywhere under ``region`` in one call of the
    rule's ``by_child`` (bounded queries for the 934 units of a city), or None when
    the rule is not computable or its ``by_child`` is not ``deep`` (the caller then
    asks :func:`child_values` per parent)."""
    units = list(units)
    r = _RULES.get(code)
    if r is None or not r.deep or r.by_child is None or not computable(code):
        return None
    got = r.by_child(region, period, units)
    return {u.code: got.get(u.code) for u in units}


def rows(code: str, user, region, period: Period) -> Rows | None:
    """The rows behind the value, scoped for ``user``; None when the rule gives none."""
    if not computable(code, region, period) or _RULES[code].rows is None:
        return None
    return _RULES[code].rows(user, region, period)
