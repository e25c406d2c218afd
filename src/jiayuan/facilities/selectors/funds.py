"""Scoped reads of community work funds (社区工作经费).

A community's funds are visible to a user with ``view_facilities`` whose scope contains
the community; a county's standard to users whose scope contains the county or lies in
it (a street reads its county's standard). Only urban communities (居委会, kind
``community``) have work funds here: villages' running costs are another budget line.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from ...accounts.permissions import Perm
from ...errors import NotFound
from ...regions.models import Region
from ...regions.selectors import regions_for
from .. import rules
from ..models import CommunityFund, FundCategory, FundEntry, FundStandard

ZERO = Decimal("0.00")


def _yuan(value) -> Decimal:
    """A sum from the database as yuan with two places (SQLite's SUM drops trailing zeros)."""
    return Decimal(value or 0).quantize(ZERO)


def funds_for(user) -> QuerySet:
    """Community funds (every year) in the user's scope; none without ``view_facilities``."""
    if not user.can(Perm.VIEW_FACILITIES):
        return CommunityFund.objects.none()
    qs = CommunityFund.objects.select_related("community", "community__parent")
    scope = user.scope_code
    return qs.filter(community__code__startswith=scope) if scope else qs


def funds_for_region(code: str, year: int) -> QuerySet:
    """The work funds of ``year`` of the urban communities under the region ``code``
    (not scoped: callers pass a region they reached through a scoped read)."""
    return CommunityFund.objects.filter(community__code__startswith=code, year=year,
                                        community__kind=Region.Kind.COMMUNITY)


def get_fund(user, pk) -> CommunityFund:
    """The fund ``pk`` if visible; ``NotFound("fund.not_found")`` otherwise."""
    try:
        return funds_for(user).get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, CommunityFund.DoesNotExist):
        raise NotFound("fund.not_found") from None


def standards_for(user, year: int | None = None) -> QuerySet:
    """Standards of the counties the user's scope contains or lies in, optionally of one year."""
    if not user.can(Perm.VIEW_FACILITIES):
        return FundStandard.objects.none()
    qs = FundStandard.objects.select_related("county")
    scope = user.scope_code
    if scope:
        qs = qs.filter(Q(county__code__startswith=scope) | Q(county__code=scope[:6]))
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "county_id")


def standard_for(county_code: str, year: int) -> FundStandard | None:
    """The standard of ``county_code`` (6 digits) for ``year``, or None (not scoped:
    callers pass a county they reached through a scoped read)."""
    return FundStandard.objects.filter(county_id=county_code[:6], year=year).first()


def totals_by_category(fund: CommunityFund) -> list[dict]:
    """Allocated and spent per category of one fund: ``[{"category", "label",
    "allocated", "spent"}]`` in the order of :class:`FundCategory`, categories with
    entries only."""
    sums = defaultdict(lambda: {"allocation": ZERO, "spending": ZERO})
    for row in fund.entries.values("category", "kind").annotate(total=Sum("amount")).order_by():
        sums[row["category"]][row["kind"]] = _yuan(row["total"])
    return [{"category": c, "label": str(label), "allocated": sums[c]["allocation"], "spent": sums[c]["spending"]}
            for c, label in FundCategory.choices if c in sums]


STANDING_LABELS = {"within": _("符合标准"), "below": _("低于标准"), "above": _("高于标准"), "missing": _("未列预算"),
                   "no_standard": _("未定标准")}


@dataclass
class FundRow:
    """One community in a summary: its fund (None: nothing in the budget), the budgeted
    amount, its county's standard range, the ``standing`` (:func:`rules.fund_standing`),
    allocated, spent and balance (allocated − spent), in yuan."""

    community: Region
    fund: CommunityFund | None
    amount: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    standing: str
    allocated: Decimal
    spent: Decimal

    @property
    def balance(self) -> Decimal:
        return self.allocated - self.spent

    @property
    def standing_label(self) -> str:
        return str(STANDING_LABELS[self.standing])


@dataclass
class FundSummary:
    """The funds of the communities of ``region`` for ``year``: ``rows`` in code order,
    the totals, the rows below the standard (``below``: under the minimum or with
    nothing in the budget where a standard is set) and the standards that apply."""

    region: Region
    year: int
    rows: list[FundRow] = field(default_factory=list)
    standards: list[FundStandard] = field(default_factory=list)

    @property
    def below(self) -> list[FundRow]:
        return [r for r in self.rows if r.standing in ("below", "missing")]

    @property
    def budget_total(self) -> Decimal:
        return sum((r.amount or ZERO for r in self.rows), ZERO)

    @property
    def allocated_total(self) -> Decimal:
        return sum((r.allocated for r in self.rows), ZERO)

    @property
    def spent_total(self) -> Decimal:
        return sum((r.spent for r in self.rows), ZERO)


def fund_summary(user, region: Region, year: int) -> FundSummary:
    """Every urban community under ``region`` (from a scoped read) with its work funds of
    ``year`` against its county's standard; four queries whatever the region's size."""
    if not user.can(Perm.VIEW_FACILITIES) or not region.code.startswith(user.scope_code):
        raise NotFound("region.not_found")
    communities = list(Region.objects.filter(level=Region.Level.VILLAGE, kind=Region.Kind.COMMUNITY,
                                             code__startswith=region.code).select_related("parent").order_by("code"))
    funds = {f.community_id: f for f in CommunityFund.objects.filter(community__code__startswith=region.code,
                                                                       year=year)}
    sums = defaultdict(lambda: {"allocation": ZERO, "spending": ZERO})
    for row in (FundEntry.objects.filter(fund__community__code__startswith=region.code, fund__year=year)
                .values("fund_id", "kind").annotate(total=Sum("amount")).order_by()):
        sums[row["fund_id"]][row["kind"]] = _yuan(row["total"])
    counties = {c.code[:6] for c in communities} | ({region.code[:6]} if len(region.code) >= 6 else set())
    standards = {s.county_id: s for s in FundStandard.objects.filter(county_id__in=counties, year=year)
                 .select_related("county")}
    out = FundSummary(region=region, year=year, standards=[standards[k] for k in sorted(standards)])
    for c in communities:
        fund = funds.get(c.code)
        std = standards.get(c.code[:6])
        amount = fund.budget_amount if fund else None
        lo, hi = (std.minimum, std.maximum) if std else (None, None)
        s = sums[fund.pk] if fund else {"allocation": ZERO, "spending": ZERO}
        out.rows.append(FundRow(community=c, fund=fund, amount=amount, minimum=lo, maximum=hi,
                                standing=rules.fund_standing(amount, lo, hi), allocated=s["allocation"],
                                spent=s["spending"]))
    return out


def fund_row(fund: CommunityFund) -> FundRow:
    """One fund (from :func:`get_fund`) with its county's standard, standing, allocated
    and spent totals (two queries)."""
    std = standard_for(fund.community_id, fund.year)
    sums = {"allocation": ZERO, "spending": ZERO}
    for row in fund.entries.values("kind").annotate(total=Sum("amount")).order_by():
        sums[row["kind"]] = _yuan(row["total"])
    lo, hi = (std.minimum, std.maximum) if std else (None, None)
    return FundRow(community=fund.community, fund=fund, amount=fund.budget_amount, minimum=lo, maximum=hi,
                   standing=rules.fund_standing(fund.budget_amount, lo, hi), allocated=sums["allocation"],
                   spent=sums["spending"])


def below_standard(user, year: int) -> QuerySet:
    """Urban communities in the user's scope whose budgeted work funds of ``year`` are
    under their county's minimum, or missing, where the county set a standard for the
    year: one query (the to-do source of ``plan_funds``). Annotated ``amount`` (None
    when missing) and ``minimum``; in code order."""
    if not user.can(Perm.PLAN_FUNDS):
        return Region.objects.none()
    qs = regions_for(user).filter(level=Region.Level.VILLAGE, kind=Region.Kind.COMMUNITY)
    standard = FundStandard.objects.filter(county_id=OuterRef("county"), year=year)
    return (qs.annotate(county=Substr("code", 1, 6))
            .filter(Exists(standard))
            .annotate(amount=Subquery(CommunityFund.objects.filter(community=OuterRef("code"), year=year)
                                      .values("budget_amount")[:1]),
                      minimum=Subquery(standard.values("minimum")[:1]))
            .filter(Q(amount__isnull=True) | Q(amount__lt=F("minimum")))
            .select_related("parent").order_by("code"))
