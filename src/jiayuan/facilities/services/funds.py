"""Writes to community work funds (社区工作经费): the county's standard range per year, a
community's budgeted amount for a year, allocations (拨付) and spending (支出) by category.

Each function is one transaction with its audit entry (``fund.standard_set``,
``fund.budget_set``, ``fund.allocation``, ``fund.spending``). The fund's row is locked
while an entry is added, so two entries written at once cannot together pass the
budget or the allocations.

Permissions: ``plan_funds`` (county) for the standard, the budget and allocations;
``record_fund_spending`` (county, street, community director) for spending. The county
or community must lie in the acting user's scope.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ...accounts.permissions import Perm
from ...audit.services import Actor, model_changes, record
from ...errors import NotFound, ValidationFailed
from ...people.rules import RuleError
from ...people.services import require
from ...regions.models import Region
from .. import rules
from ..models import CommunityFund, FundCategory, FundEntry, FundStandard
from .facilities import _text, as_date

YEAR_MIN, YEAR_MAX = 2000, 2100


def _err(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [{"code": code, "message": message}]})


def _year(value) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise _err("year", "year.format", _("年度应为四位数字，例如 2026")) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise _err("year", "year.range", _("年度应在 2000 至 2100 之间"))
    return year


def checked_year(value) -> int:
    """A budget year (2000–2100) from a query parameter; ``year.*`` field errors."""
    return _year(value)


def _rule(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except RuleError as err:
        raise ValidationFailed.from_rule_errors([err]) from None


def _scope(actor: Actor) -> str:
    return actor.user.scope_code if actor.user is not None else ""


@transaction.atomic
def set_standard(actor: Actor, county_code, year, minimum, maximum, basis: str = "") -> FundStandard:
    """Set the standard range (yuan) of a community's annual work funds for the county
    ``county_code`` (6 digits, in scope) and ``year`` — e.g. 50,000–120,000 (Zhangye
    2019). ``basis``: the document that sets it (文号). Creates or replaces the year's
    standard. Raises Forbidden, ValidationFailed (``county.not_found``,
    ``year.*``, ``minimum.*``, ``maximum.*``, ``standard.range``)."""
    require(actor, Perm.PLAN_FUNDS)
    code = str(county_code or "").strip()
    county = Region.objects.filter(code=code, level=Region.Level.COUNTY).first() if code.isdigit() else None
    if county is None or not code.startswith(_scope(actor)):
        raise _err("county", "county.not_found", _("县（区）不存在或不在您的管辖范围内"))
    year = _year(year)
    lo, hi = _rule(rules.check_standard, minimum, maximum)
    basis = _text(basis, "note")
    std = FundStandard.objects.select_for_update().filter(county=county, year=year).first()
    before = {"minimum": std.minimum, "maximum": std.maximum, "basis": std.basis} if std else {}
    if std is None:
        std = FundStandard.objects.create(county=county, year=year, minimum=lo, maximum=hi, basis=basis)
    else:
        std.minimum, std.maximum, std.basis = lo, hi, basis
        std.version += 1
        std.save()
    record(actor, "fund.standard_set", std, region_code=county.code, object_repr=f"{county.name} {year}",
           changes=model_changes(before, {"minimum": lo, "maximum": hi, "basis": basis}))
    return std


@transaction.atomic
def set_budget(actor: Actor, community_code, year, amount, note: str = "") -> CommunityFund:
    """Set the amount in the budget (预算安排, yuan, ≥ 0) of the urban community
    ``community_code`` (in scope) for ``year``; creates the year's fund when missing.
    The amount cannot fall under what was already allocated
    (``budget.below_allocated``). Raises Forbidden, ValidationFailed
    (``community.not_found``, ``community.kind``, ``year.*``, ``amount.*``)."""
    require(actor, Perm.PLAN_FUNDS)
    code = str(community_code or "").strip()
    community = Region.objects.filter(code=code).first() if code.isdigit() and code.startswith(_scope(actor)) else None
    if community is None:
        raise _err("community", "community.not_found", _("社区不存在或不在您的管辖范围内"))
    if community.level != Region.Level.VILLAGE or community.kind != Region.Kind.COMMUNITY:
        raise _err("community", "community.kind", _("社区工作经费只为城市社区（居委会）安排"))
    year = _year(year)
    amount = _rule(rules.check_amount, amount, allow_zero=True)
    note = _text(note, "note")
    fund = CommunityFund.objects.select_for_update().filter(community=community, year=year).first()
    before = {"budget_amount": fund.budget_amount, "note": fund.note} if fund else {}
    if fund is None:
        fund = CommunityFund.objects.create(community=community, year=year, budget_amount=amount, note=note)
    else:
        allocated = _sum(fund, FundEntry.Kind.ALLOCATION)
        if amount < allocated:
            raise _err("amount", "budget.below_allocated", _("预算安排不能少于已拨付的 %(allocated)s 元")
                       % {"allocated": allocated})
        fund.budget_amount, fund.note = amount, note
        fund.version += 1
        fund.save()
    record(actor, "fund.budget_set", fund, region_code=community.code, object_repr=f"{community.short_name} {year}",
           changes=model_changes(before, {"budget_amount": amount, "note": note}))
    return fund


def _sum(fund: CommunityFund, kind: str) -> Decimal:
    return Decimal(fund.entries.filter(kind=kind).aggregate(s=Sum("amount"))["s"] or 0).quantize(Decimal("0.01"))


@transaction.atomic
def add_entry(actor: Actor, fund: CommunityFund, kind: str, category: str, amount, on=None,
              note: str = "") -> FundEntry:
    """Record an allocation (``kind="allocation"``, ``plan_funds``) or a spending
    (``"spending"``, ``record_fund_spending``) of ``amount`` yuan in ``category`` (a
    :class:`FundCategory` value) on ``on`` (a date of the fund's year, default today).
    Allocations stay within the budgeted amount (``allocation.exceeds_budget``),
    spending within the allocations (``spending.exceeds_allocated``); the fund's row is
    locked meanwhile. ``fund`` comes from a scoped selector."""
    if kind not in FundEntry.Kind.values:
        raise _err("kind", "kind.unknown", _("类型应为拨付或支出"))
    require(actor, Perm.PLAN_FUNDS if kind == FundEntry.Kind.ALLOCATION else Perm.RECORD_FUND_SPENDING)
    fund = (CommunityFund.objects.select_for_update().select_related("community")
            .filter(pk=fund.pk, community__code__startswith=_scope(actor)).first())
    if fund is None:
        raise NotFound("fund.not_found")
    errors = {}
    if category not in FundCategory.values:
        errors.update(_err("category", "category.unknown", _("请选择类别")).fields)
    try:
        amount = rules.check_amount(amount)
    except RuleError as err:
        errors.update(ValidationFailed.from_rule_errors([err]).fields)
    try:
        day = as_date(on, "on") or timezone.localdate()
        if day.year != fund.year:
            errors.update(_err("on", "on.outside_year", _("日期应在 %(year)s 年内") % {"year": fund.year}).fields)
    except ValidationFailed as exc:
        errors.update(exc.fields)
        day = None
    try:
        note = _text(note, "note")
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    allocated = _sum(fund, FundEntry.Kind.ALLOCATION)
    if kind == FundEntry.Kind.ALLOCATION:
        _rule(rules.check_allocation, fund.budget_amount, allocated, amount)
    else:
        _rule(rules.check_spending, allocated, _sum(fund, FundEntry.Kind.SPENDING), amount)
    entry = FundEntry.objects.create(fund=fund, kind=kind, category=category, amount=amount, on=day, note=note,
                                     created_by=actor.user)
    fund.version += 1
    fund.save(update_fields=["version", "updated_at"])
    record(actor, f"fund.{kind}", fund, region_code=fund.community_id,
           object_repr=f"{fund.community.short_name} {fund.year}",
           extra={"category": category, "amount": str(amount), "on": day.isoformat(), "note": note})
    return entry
