"""Scoped reads of the indicators (issue 16): a figure of one indicator for a region and
period with its children's values, the rows behind it, and the city's report (every
figure of :data:`jiayuan.stats.definitions.DEFINITIONS` by section).

Scope and errors, the same for the API and the pages:

- the user needs ``view_statistics`` (else :class:`~jiayuan.errors.Forbidden`, 403);
- an unknown indicator code answers ``NotFound("indicator.not_found")``;
- a region outside the user's scope, or unknown, ``NotFound("region.not_found")`` —
  the two are not told apart;
- a period not written as 2019 / 2019H1 / 2019Q2 / 2019-06 is a
  :class:`~jiayuan.errors.ValidationFailed` on ``period`` (422, Chinese message of
  :func:`jiayuan.stats.rules.parse_period`);
- without a region, the user's scope root (for a superuser, the first city of the
  tree); without a period, the current calendar year in the city's time zone.

A value is an ``int`` (counts, persons) or a ``Decimal`` (yuan, m², per cent), or None
when the indicator is not computable there (no rule registered by its module yet, a
level or period kind the definition does not apply to) or has no meaning there (a rural
coverage in a region without villages). The rows behind a value are read through the
owning module's rule, which scopes them with the module's own selector; None means the
user may not read them (the figure is still shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from ..accounts.permissions import Perm
from ..errors import Forbidden, NotFound, ValidationFailed
from ..regions.models import Region
from ..regions.selectors import ancestors, regions_for
from . import registry
from .definitions import SECTIONS, UNITS, IndicatorDefinition
from .rules import LEVEL_OF_REGION, YEAR, Period, PeriodError, current_period, parse_period

REPORT_LEVELS = tuple(LEVEL_OF_REGION)
"""Region levels a figure can be asked for (prefecture, county, township, village)."""


def require_statistics(user) -> None:
    """``Forbidden`` unless the user holds ``view_statistics``."""
    if not user.can(Perm.VIEW_STATISTICS):
        raise Forbidden("permission_denied", _("您的角色无权执行此操作"))


def definition(code: str) -> IndicatorDefinition:
    """The definition of ``code``; ``NotFound("indicator.not_found")``."""
    try:
        return registry.definition(code)
    except registry.UnknownIndicator:
        raise NotFound("indicator.not_found") from None


def default_region(user) -> Region | None:
    """Where figures start for the user: the scope root; for a superuser (or a user
    without scope) the first city (prefecture) of the tree."""
    if not user.is_superuser and user.scope_id is not None:
        return user.scope
    return Region.objects.filter(level=Region.Level.PREFECTURE).order_by("code").first()


def region_for(user, code: str | None) -> Region:
    """The region ``code`` in the user's scope, or :func:`default_region` when empty;
    ``NotFound("region.not_found")`` otherwise."""
    code = (code or "").strip()
    if not code:
        region = default_region(user)
        if region is None:
            raise NotFound("region.not_found")
        return region
    if not code.isdigit():
        raise NotFound("region.not_found")
    region = regions_for(user).filter(code=code).select_related("parent").first()
    if region is None:
        raise NotFound("region.not_found")
    return region


def period_for(text: str | None) -> Period:
    """``text`` parsed (:func:`parse_period`), or the current year when empty;
    ``ValidationFailed`` on ``period`` (422) for anything else."""
    if text is None or not str(text).strip():
        return current_period(YEAR, timezone.localdate())
    try:
        return parse_period(str(text))
    except PeriodError as err:
        raise ValidationFailed.from_rule_errors([err]) from None


def child_regions(user, region: Region) -> list[Region]:
    """The regions directly under ``region`` a figure drills down to (grids left out),
    in the user's scope, by code."""
    return list(regions_for(user).filter(parent=region, level__in=REPORT_LEVELS).order_by("code"))


def rows_url(code: str, region: Region, period: Period) -> str:
    return reverse("stats:indicator_rows", args=[code]) + "?" + urlencode({"region": region.code,
                                                                          "period": period.label})


def page_url(code: str, region: Region, period: Period) -> str:
    return reverse("stats:indicator_detail", args=[code]) + "?" + urlencode({"region": region.code,
                                                                            "period": period.label})


@dataclass
class ChildValue:
    region: Region
    value: int | Decimal | None
    url: str = ""


@dataclass
class Figure:
    """One indicator's value for ``region`` and ``period``: ``computable`` (a rule is
    registered and the definition applies to the region's level and period kind),
    ``value`` (None when not computable or without meaning there), ``children``
    (:class:`ChildValue` for each child region, each with the URL of its own figure)
    and ``rows_url`` (the list of the rows behind the value)."""

    definition: IndicatorDefinition
    region: Region
    period: Period
    computable: bool
    value: int | Decimal | None
    children: list[ChildValue] = field(default_factory=list)
    rows_url: str = ""
    url: str = ""

    @property
    def unit_label(self) -> str:
        return UNITS[self.definition.unit]


def _figure(user, d: IndicatorDefinition, region: Region, period: Period, with_children: bool) -> Figure:
    ok = registry.computable(d.code, region, period)
    value = registry.value(d.code, region, period) if ok else None
    fig = Figure(definition=d, region=region, period=period, computable=ok, value=value,
                 rows_url=rows_url(d.code, region, period), url=page_url(d.code, region, period))
    if with_children:
        children = child_regions(user, region)
        values = registry.child_values(d.code, region, period, children) if ok else {}
        fig.children = [ChildValue(c, values.get(c.code), page_url(d.code, c, period)) for c in children]
    return fig


def figure(user, code: str, region: str | None = None, period: str | None = None, *,
           with_children: bool = True) -> Figure:
    """The figure of indicator ``code`` (see the module docstring for the errors)."""
    require_statistics(user)
    d = definition(code)
    return _figure(user, d, region_for(user, region), period_for(period), with_children)


def indicators() -> list[tuple[IndicatorDefinition, bool]]:
    """Every definition in the order of the city's report, with whether a module
    computes it (a rule is registered)."""
    return [(d, registry.rule_of(d.code) is not None) for d in registry.definitions()]


@dataclass
class RowsView:
    """The rows behind a figure: ``rows`` (:class:`jiayuan.stats.registry.Rows`), or
    None when the rule gives none or the user may not read them (``available`` False)."""

    figure: Figure
    rows: registry.Rows | None

    @property
    def available(self) -> bool:
        return self.rows is not None


def rows(user, code: str, region: str | None = None, period: str | None = None) -> RowsView:
    """The figure of ``code`` (without children) and the rows behind it, scoped for the
    user by the owning module's rule."""
    fig = figure(user, code, region, period, with_children=False)
    got = registry.rows(code, user, fig.region, fig.period) if fig.computable else None
    return RowsView(fig, got)


@dataclass
class ReportSection:
    key: str
    title: str
    figures: list[Figure]


@dataclass
class Report:
    """The city's report on community governance and services for ``region`` and
    ``period``: one section per :data:`SECTIONS` entry, in its order, each with the
    figures of its indicators (computed live, without children)."""

    region: Region
    period: Period
    sections: list[ReportSection]
    trail: list[Region] = field(default_factory=list)

    @property
    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]


def report(user, region: str | None = None, period: str | None = None) -> Report:
    """The report (see :class:`Report`); errors as :func:`figure`."""
    require_statistics(user)
    reg, per = region_for(user, region), period_for(period)
    sections = []
    for key, title in SECTIONS.items():
        figs = [_figure(user, d, reg, per, False) for d in registry.definitions() if d.section == key]
        sections.append(ReportSection(key, title, figs))
    return Report(reg, per, sections, trail(user, reg))


def trail(user, region: Region) -> list[Region]:
    """The ancestors of ``region`` inside the user's scope (for breadcrumbs)."""
    scope = user.scope_code
    return [a for a in ancestors(region) if a.code.startswith(scope) and a.level in REPORT_LEVELS]
