"""Pre-filling a form (一表通: the platform fills what it knows, the unit adds only what is
new): for a list of units, every element of a form resolved to a
:class:`~jiayuan.stats.yibiaotong.rules.Cell`.

Queries, whatever the number of units: one for the units' stored base values; one per
registry element; per indicator element, the rule's ``by_child`` once for all units
(:func:`jiayuan.stats.registry.descendant_values` on their lowest common ancestor, for
rules registered ``deep``), else :func:`jiayuan.stats.registry.child_values` once per
parent region of the units (the rule's ``by_child`` when it has one, else its ``value``
per unit). Reads no personal detail.
"""

from __future__ import annotations

from collections import defaultdict

from jiayuan.regions.models import Region

from .. import registry
from ..models import DataElement, UnitValue
from ..rules import Period
from . import rules
from .sources import REGISTRY_SOURCES


def platform_values(elements, units, period: Period) -> dict[str, dict[str, object]]:
    """``{element_code: {unit_code: value or None}}``: the platform's value of each
    element for each unit (``entered`` elements: None)."""
    units = list(units)
    out: dict[str, dict[str, object]] = {}
    by_parent: dict[str, list[Region]] = defaultdict(list)
    for u in units:
        by_parent[u.parent_id].append(u)
    parents = None
    ancestor = _common_ancestor(units)
    for e in elements:
        if e.source_kind == DataElement.Source.INDICATOR:
            if not registry.computable(e.source):
                out[e.code] = {u.code: None for u in units}
                continue
            if ancestor is not None:
                deep = registry.descendant_values(e.source, ancestor, period, units)
                if deep is not None:
                    out[e.code] = deep
                    continue
            if parents is None:
                parents = Region.objects.in_bulk([p for p in by_parent if p])
            got: dict[str, object] = {}
            for parent_code, children in by_parent.items():
                parent = parents.get(parent_code)
                if parent is None:
                    got.update({c.code: registry.value(e.source, c, period) for c in children})
                else:
                    got.update(registry.child_values(e.source, parent, period, children))
            out[e.code] = got
        elif e.source_kind == DataElement.Source.REGISTRY and e.source in REGISTRY_SOURCES:
            out[e.code] = REGISTRY_SOURCES[e.source][1](units, period)
        else:
            out[e.code] = {u.code: None for u in units}
    return out


def _common_ancestor(units) -> Region | None:
    """The lowest region whose code every unit's code starts with (one query), or None."""
    codes = [u.code for u in units]
    if not codes:
        return None
    prefix = codes[0]
    for c in codes[1:]:
        while not c.startswith(prefix):
            prefix = prefix[:-1]
    candidates = [prefix[:n] for n in (12, 9, 6, 4, 2) if n <= len(prefix) and n < len(min(codes, key=len))]
    if not candidates:
        return None
    found = {r.code: r for r in Region.objects.filter(code__in=candidates)}
    return next((found[c] for c in candidates if c in found), None)


def stored_values(elements, units, period: Period) -> dict[tuple[str, int], tuple]:
    """``{(unit_code, element_id): (value, provenance, platform_value, by, at)}`` of the
    units' base dataset for the period (one query)."""
    rows = (UnitValue.objects.filter(unit_id__in=[u.code for u in units], element_id__in=[e.pk for e in elements],
                                     period=period.label)
            .select_related("recorded_by"))
    return {(v.unit_id, v.element_id): (v.value, v.provenance, v.platform_value,
                                        v.recorded_by.full_name or v.recorded_by.username, v.recorded_at)
            for v in rows}


def prefill(elements, units, period: Period) -> dict[str, dict[str, rules.Cell]]:
    """``{unit_code: {element_code: Cell}}`` for every unit and element: the base
    dataset's value where the unit recorded one, else the platform's, else missing."""
    elements, units = list(elements), list(units)
    platform = platform_values(elements, units, period)
    stored = stored_values(elements, units, period)
    return {u.code: {e.code: rules.resolve(platform[e.code].get(u.code), stored.get((u.code, e.pk)))
                     for e in elements}
            for u in units}
