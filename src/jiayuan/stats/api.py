"""``/api/v1/indicators…``: the indicators of the city's report (issue 16).

- ``GET /indicators`` — every definition: ``code``, ``name``, ``unit``, ``definition``,
  ``source``, ``levels``, ``periods``, ``computable`` (a module registers its rule).
- ``GET /indicators/{code}?region=&period=`` — ``{"code", "name", "unit", "region",
  "period", "value", "computable", "children": [{"region", "value"}…], "rows_url"}``.
  ``region`` defaults to the user's scope root, ``period`` (2019, 2019H1, 2019Q2,
  2019-06) to the current year. A count is a JSON number, an amount, area or percentage
  a decimal string (as every Decimal of this API, e.g. ``"1250.00"``), null when not
  computable. Unknown code or region, or a region out of scope → 404; unknown period →
  422 (``stats.period``); without ``view_statistics`` → 403.
"""

from __future__ import annotations

from decimal import Decimal

from ninja import Router, Schema

from . import selectors

router = Router(tags=["统计指标"])


class StatsIndicatorOut(Schema):
    code: str
    name: str
    unit: str
    unit_name: str
    nature: str
    definition: str
    source: str
    section: str
    levels: list[str]
    periods: list[str]
    computable: bool


class StatsChildValue(Schema):
    region: str
    region_name: str
    value: int | Decimal | None


class StatsFigureOut(Schema):
    code: str
    name: str
    unit: str
    region: str
    region_name: str
    period: str
    value: int | Decimal | None
    computable: bool
    children: list[StatsChildValue]
    rows_url: str


@router.get("/indicators", response=list[StatsIndicatorOut], summary="指标目录")
def list_indicators(request):
    from django.utils.translation import gettext as _

    selectors.require_statistics(request.auth)
    return [{"code": d.code, "name": _(d.name), "unit": d.unit, "unit_name": _(selectors.UNITS[d.unit]),
             "nature": d.nature, "definition": _(d.definition), "source": _(d.source) if d.source else "",
             "section": d.section, "levels": list(d.levels), "periods": list(d.periods), "computable": ok}
            for d, ok in selectors.indicators()]


@router.get("/indicators/{code}", response=StatsFigureOut, summary="指标值（含下级区划）")
def get_indicator(request, code: str, region: str = "", period: str = ""):
    from django.utils.translation import gettext as _

    f = selectors.figure(request.auth, code, region, period)
    return {"code": f.definition.code, "name": _(f.definition.name), "unit": f.definition.unit,
            "region": f.region.code, "region_name": f.region.name, "period": f.period.label, "value": f.value,
            "computable": f.computable,
            "children": [{"region": c.region.code, "region_name": c.region.name, "value": c.value}
                         for c in f.children],
            "rows_url": request.build_absolute_uri(f.rows_url)}
