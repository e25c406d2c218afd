"""Rules of the 两项补贴 indicators (issue 16; definitions in
:mod:`jiayuan.stats.definitions`; 国发〔2015〕52号): from the payment lines of the
living allowance for people with disabilities in hardship and the care allowance for
people with severe disabilities (programs ``disability_living_allowance`` and
``disability_care_allowance``, :data:`jiayuan.assistance.selectors.ledgers.TWO_SUBSIDIES`).

Counted as the assistance ledger's 两项补贴 figure counts
(:func:`jiayuan.assistance.selectors.ledgers.two_subsidies_figure`): **paid** lines
(the bank confirmed) whose benefit month (待遇所属月份) lies in the period, on the
region of the line.

- ``disability.two_subsidies_persons``: distinct persons paid either allowance; a person
  paid both, or paid for several months, counts once.
- ``disability.two_subsidies_yuan``: the amounts paid, yuan with two decimals.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Max, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..accounts.permissions import Perm
from ..assistance.models import PaymentLine
from ..assistance.selectors.ledgers import TWO_SUBSIDIES, lines_for
from ..stats.registry import Column, Rows, grouped, rule, under


def _months(period) -> tuple[datetime.date, datetime.date]:
    return period.start.replace(day=1), period.end.replace(day=1)


def _paid(qs, code: str, period):
    first, last = _months(period)
    return qs.filter(under("region__code", code), program_id__in=TWO_SUBSIDIES, status=PaymentLine.Status.PAID,
                     benefit_month__gte=first, benefit_month__lte=last)


def person_rows(user, region, period) -> Rows | None:
    """One row per person paid (months and yuan over both allowances), through the
    assistance ledgers' scoped lines (``view_assistance``)."""
    if not user.can(Perm.VIEW_ASSISTANCE):
        return None
    qs = (_paid(lines_for(user), region.code, period).values("person_id", "person__name")
          .annotate(months=Count("benefit_month", distinct=True), programs=Count("program_id", distinct=True),
                    amount=Sum("amount"), region_code=Max("region_id"))
          .order_by("region_code", "person__name", "person_id"))
    return Rows(qs, [Column(_("姓名"), "person__name"), Column(_("区划代码"), "region_code"),
                     Column(_("享受补贴项数"), "programs"), Column(_("发放月数"), "months"),
                     Column(_("发放金额（元）"), lambda r: Decimal(r["amount"] or 0).quantize(Decimal("0.01")))],
                link=lambda r: reverse("web:person_detail", args=[r["person_id"]]))


def persons_by_child(region, period, children) -> dict:
    """One query: distinct persons paid per child (a person paid in two children's
    regions counts in each, as ``value`` of each child counts them)."""
    got = grouped(_paid(PaymentLine.objects.all(), region.code, period), "region_id", children,
                  n=Count("person_id", distinct=True))
    return {c.code: got.get(c.code, {}).get("n", 0) for c in children}


def yuan_by_child(region, period, children) -> dict:
    """One query: the amounts paid per child."""
    got = grouped(_paid(PaymentLine.objects.all(), region.code, period), "region_id", children, t=Sum("amount"))
    return {c.code: Decimal(got.get(c.code, {}).get("t") or 0).quantize(Decimal("0.01")) for c in children}


@rule("disability.two_subsidies_persons", rows=person_rows, by_child=persons_by_child, deep=True)
def two_subsidies_persons(region, period) -> int:
    return _paid(PaymentLine.objects.all(), region.code, period).values("person_id").distinct().count()


@rule("disability.two_subsidies_yuan", rows=person_rows, by_child=yuan_by_child, deep=True)
def two_subsidies_yuan(region, period) -> Decimal:
    total = _paid(PaymentLine.objects.all(), region.code, period).aggregate(t=Sum("amount"))["t"]
    return Decimal(total or 0).quantize(Decimal("0.01"))
