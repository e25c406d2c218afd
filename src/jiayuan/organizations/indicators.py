"""The indicators whose data the organizations module owns (issue 16; definitions in
:mod:`jiayuan.stats.definitions`):

- ``projects.count`` — 三社联动项目数: contracted purchased-service projects
  (:class:`~jiayuan.organizations.models.ServiceProject`) of ``region``'s subtree signed
  on or before the period's last day and not terminated by then;
- ``projects.funds_yuan`` — 三社联动项目资金: the contract amounts of the same projects,
  Decimal yuan to the fen.

Both are stocks (cumulative as at the period's end: the city reported "10 pilot
projects with 5 million yuan, 2017–2019"). A project belongs to the region of the call
that bought it (``ServiceProject.region``, the buyer: a county's project counts for the
county and the city, not for one of its streets). A closed (结项) project still counts:
it was carried out. A terminated one (已终止) no longer counts from its ``closed_on``
(the day it ended) on; without that day it counts nowhere.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..stats.registry import Column, Rows, rule
from . import selectors
from .models import ProjectStatus, ServiceProject

CENT = Decimal("0.01")


def _standing(period) -> Q:
    """Projects signed by the period's end and not terminated by then."""
    return Q(signed_on__lte=period.end) & (
        ~Q(status=ProjectStatus.TERMINATED) | Q(status=ProjectStatus.TERMINATED, closed_on__gt=period.end))


def _projects(region, period):
    return ServiceProject.objects.filter(_standing(period), region__code__startswith=region.code)


def project_rows(user, region, period) -> Rows:
    """The projects behind both figures, as ``user`` reads them (:func:`selectors.projects_for`)."""
    qs = (selectors.projects_for(user).filter(_standing(period), region__code__startswith=region.code)
          .order_by("signed_on", "contract_number"))
    return Rows(qs, [Column(_("项目名称"), "title"), Column(_("承接组织"), "organization.name"),
                     Column(_("合同编号"), "contract_number"), Column(_("合同金额（元）"), "amount"),
                     Column(_("签订日期"), "signed_on"), Column(_("状态"), "get_status_display")],
                link=lambda p: reverse("organizations:project_detail", args=[p.pk]))


def _by_child(region, period, children, field: str) -> dict:
    """``{child code: count or amount}`` from one query over ``region``'s subtree."""
    rows = list(_projects(region, period).values_list("region_id", "amount"))
    out = {}
    for c in children:
        mine = [amount for code, amount in rows if code.startswith(c.code)]
        out[c.code] = len(mine) if field == "count" else sum(mine, Decimal(0)).quantize(CENT)
    return out


@rule("projects.count", rows=project_rows,
      by_child=lambda region, period, children: _by_child(region, period, children, "count"), deep=True)
def project_count(region, period) -> int:
    """Number of standing projects of ``region``'s subtree at the period's end."""
    return _projects(region, period).count()


@rule("projects.funds_yuan", rows=project_rows,
      by_child=lambda region, period, children: _by_child(region, period, children, "amount"), deep=True)
def project_funds(region, period) -> Decimal:
    """Contract amounts of the same projects, yuan (two decimals)."""
    return (_projects(region, period).aggregate(s=Sum("amount"))["s"] or Decimal(0)).quantize(CENT)
