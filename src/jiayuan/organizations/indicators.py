"""The indicators whose data the organizations module owns (issue 16; definitions in
:mod:`jiayuan.stats.definitions`):

- ``projects.count`` — 三社联动项目数: contracted purchased-service projects
  (:class:`~jiayuan.organizations.models.ServiceProject`) of ``region``'s subtree signed
  on or before the period's last day and not terminated by then;
- ``projects.funds_yuan`` — 三社联动项目资金: the contract amounts of the same projects,
  Decimal yuan to the fen.

- ``projects.signed_count`` / ``projects.signed_funds_yuan`` — the projects signed within
  the period (``signed_on`` from its first to its last day), count and contract
  amounts: a flow, whatever became of the project later;
- ``incubation.bases`` — 孵化基地数: bases of ``region``'s subtree opened by the period's
  end (an undated base counts as open);
- ``incubation.organizations`` — 在孵社会组织数: distinct organizations incubated at a
  base of ``region``'s subtree at the period's end (entered by then, not exited by
  then; a base's region decides).

``projects.count`` and ``projects.funds_yuan`` are stocks (cumulative as at the period's end: the city reported "10 pilot
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
from .models import Incubation, IncubationBase, ProjectStatus, ServiceProject

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


def _by_child(region, period, children, field: str, projects=_projects) -> dict:
    """``{child code: count or amount}`` from one query over ``region``'s subtree
    (``projects``: the standing ones, or :func:`_signed`)."""
    rows = list(projects(region, period).values_list("region_id", "amount"))
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


# --- signed in the period, incubation -------------------------------------------------------------

def _signed(region, period):
    return ServiceProject.objects.filter(signed_on__gte=period.start, signed_on__lte=period.end,
                                         region__code__startswith=region.code)


def signed_rows(user, region, period) -> Rows:
    """The projects signed in the period, as ``user`` reads them."""
    qs = (selectors.projects_for(user).filter(signed_on__gte=period.start, signed_on__lte=period.end,
                                              region__code__startswith=region.code)
          .order_by("signed_on", "contract_number"))
    return Rows(qs, project_rows(user, region, period).columns,
                link=lambda p: reverse("organizations:project_detail", args=[p.pk]))


def _signed_by_child(region, period, children, field: str) -> dict:
    return _by_child(region, period, children, field, projects=_signed)


@rule("projects.signed_count", rows=signed_rows,
      by_child=lambda region, period, children: _signed_by_child(region, period, children, "count"), deep=True)
def signed_count(region, period) -> int:
    """Number of projects of ``region``'s subtree signed within the period."""
    return _signed(region, period).count()


@rule("projects.signed_funds_yuan", rows=signed_rows,
      by_child=lambda region, period, children: _signed_by_child(region, period, children, "amount"), deep=True)
def signed_funds(region, period) -> Decimal:
    """Contract amounts of the projects signed within the period, yuan."""
    return (_signed(region, period).aggregate(s=Sum("amount"))["s"] or Decimal(0)).quantize(CENT)


def _bases(region, period):
    return IncubationBase.objects.filter(Q(opened_on__lte=period.end) | Q(opened_on__isnull=True),
                                         region__code__startswith=region.code)


def base_rows(user, region, period) -> Rows:
    qs = selectors.bases_for(user).filter(Q(opened_on__lte=period.end) | Q(opened_on__isnull=True),
                                          region__code__startswith=region.code).order_by("region_id", "name")
    return Rows(qs, [Column(_("名称"), "name"), Column(_("区划"), "region.name"),
                     Column(_("启用日期"), "opened_on")],
                link=lambda b: reverse("organizations:base_detail", args=[b.pk]))


@rule("incubation.bases", rows=base_rows, by_child=lambda region, period, children: _codes_count(
    _bases(region, period).values_list("region_id", flat=True), children), deep=True)
def base_count(region, period) -> int:
    """Incubation bases of ``region``'s subtree opened by the period's end."""
    return _bases(region, period).count()


def _incubated(region, period):
    return Incubation.objects.filter(Q(exited_on__isnull=True) | Q(exited_on__gt=period.end),
                                     entered_on__lte=period.end, base__region__code__startswith=region.code)


def incubated_rows(user, region, period) -> Rows:
    qs = (Incubation.objects.filter(Q(exited_on__isnull=True) | Q(exited_on__gt=period.end),
                                    entered_on__lte=period.end, base__region__code__startswith=region.code,
                                    base_id__in=selectors.bases_for(user).values("pk"))
          .select_related("base", "organization").order_by("base__name", "entered_on"))
    return Rows(qs, [Column(_("组织名称"), "organization.name"), Column(_("孵化基地"), "base.name"),
                     Column(_("入驻日期"), "entered_on")],
                link=lambda i: reverse("organizations:base_detail", args=[i.base_id]))


def _incubated_by_child(region, period, children) -> dict:
    pairs = set(_incubated(region, period).values_list("base__region_id", "organization_id"))
    return {c.code: len({org for code, org in pairs if code.startswith(c.code)}) for c in children}


@rule("incubation.organizations", rows=incubated_rows, by_child=_incubated_by_child, deep=True)
def incubated_count(region, period) -> int:
    """Distinct organizations incubated at a base of ``region``'s subtree at the period's end."""
    return _incubated(region, period).values("organization_id").distinct().count()


def _codes_count(codes, children) -> dict:
    """``{child code: number of codes under it}``."""
    codes = list(codes)
    return {c.code: sum(1 for code in codes if code.startswith(c.code)) for c in children}
