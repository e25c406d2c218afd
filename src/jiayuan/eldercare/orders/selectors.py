"""Scoped reads of home-care orders.

Who reads what (need-to-know):

- the county's and communities' civil-affairs staff (``view_eldercare``) read the
  contracts, plans, orders, call-backs, complaints and settlements whose region lies in
  their scope;
- a provider's dispatcher (:class:`~jiayuan.eldercare.models.CareDuty` ``dispatcher``,
  active, and an active member of the organization) reads the provider's contracts,
  plans, orders and settlements — never an assessment;
- a care worker (``care_worker`` duty) reads only the orders dispatched to them: the
  elder's name, the service address and the item (:func:`worker_day`); everything else
  answers as not found.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum

from ...accounts.permissions import Perm
from ...errors import NotFound
from ...organizations.models import OrganizationMember, SocialOrganization
from ..models import (CallBack, CareDuty, CarePlan, Complaint, ContractItem, ProviderContract, Settlement,
                      SettlementLine, WorkOrder)
from . import rules

__all__ = ["duty_providers", "is_dispatcher", "is_worker", "contracts_for", "get_contract", "contract_price",
           "plans_for", "orders_for", "get_order", "worker_day", "worker_order", "settlements_for",
           "get_settlement", "live_lines", "settlement_facts", "radius_m", "deduction_rates", "callbacks_due",
           "complaints_open", "workers_of", "providers_for", "complaints_for", "sql_totals", "confirm_days",
           "overdue_q", "overdue_code", "deadline_of", "get_plan", "contract_candidates", "duties_for", "staff_of",
           "plan_orders", "overdue_for_dispatcher"]


def radius_m() -> int:
    """The check-in radius in metres (setting ``ELDERCARE_CHECKIN_RADIUS_M``, default 300)."""
    return int(getattr(settings, "ELDERCARE_CHECKIN_RADIUS_M", rules.DEFAULT_RADIUS_M))


def deduction_rates() -> dict:
    """The deduction rates in force (setting ``ELDERCARE_DEDUCTION_RATES`` over the defaults)."""
    return {k: Decimal(str(v)) for k, v in {**rules.DEFAULT_DEDUCTION_RATES,
                                            **getattr(settings, "ELDERCARE_DEDUCTION_RATES", {})}.items()}


def _duty_provider_ids(user, duty: str) -> QuerySet | None:
    """The providers for which ``user`` holds ``duty`` (active, and still an active member
    of the organization) as a subquery of ``provider_id`` (not run), or None when the
    account's role acts for no organization."""
    if not getattr(user, "is_authenticated", False) or not user.can(Perm.ACT_FOR_ORGANIZATION):
        return None
    member_of = OrganizationMember.objects.filter(user=user, active=True).values("organization_id")
    return CareDuty.objects.filter(user=user, duty=duty, active=True, provider_id__in=member_of).values("provider_id")


def confirm_days() -> int:
    """Days the elder or family has to confirm a checked-out order (setting
    ``ELDERCARE_CONFIRM_DAYS``, default 3; :func:`rules.deadline`)."""
    return int(getattr(settings, "ELDERCARE_CONFIRM_DAYS", rules.DEFAULT_CONFIRM_DAYS))


def overdue_q(today: datetime.date) -> Q:
    """The orders past a time limit on ``today`` (:func:`rules.overdue` as a filter):
    待派, 已派 and 服务中 ones whose service day is over, 待确认 ones checked out before
    ``today`` − the confirmation days."""
    from django.utils import timezone
    since = today - datetime.timedelta(days=confirm_days())
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    return (Q(status__in=["pending", "dispatched", "in_service"], scheduled_on__lt=today)
            | Q(status="to_confirm", checkout_at__lt=start))


def _checkout_day(order) -> datetime.date | None:
    from django.utils import timezone
    return timezone.localdate(order.checkout_at) if order.checkout_at else None


def deadline_of(order) -> tuple[str, datetime.date] | None:
    """The time limit of ``order``'s next step, ``(code, last day)`` (:func:`rules.deadline`)."""
    return rules.deadline(order.status, order.scheduled_on, _checkout_day(order), confirm_days())


def overdue_code(order, today: datetime.date) -> str | None:
    """The time limit ``order`` has run past on ``today``, or None (:func:`rules.overdue`)."""
    return rules.overdue(order.status, order.scheduled_on, _checkout_day(order), confirm_days(), today)


def overdue_for_dispatcher(user, today: datetime.date) -> QuerySet:
    """Dispatched, started or checked-out orders of the user's providers past their time
    limit (pending ones wait in the orders to dispatch), oldest first."""
    providers = duty_providers(user, "dispatcher")
    return (WorkOrder.objects.select_related("person", "item", "worker")
            .filter(provider_id__in=providers, status__in=["dispatched", "in_service", "to_confirm"])
            .filter(overdue_q(today)).order_by("scheduled_on", "id"))


def duty_providers(user, duty: str) -> list[int]:
    """Ids of the providers for which ``user`` holds ``duty`` (active, and still an active
    member of the organization)."""
    ids = _duty_provider_ids(user, duty)
    return [] if ids is None else [row["provider_id"] for row in ids]


def duties_held(user) -> set[str]:
    """The duties (``dispatcher``, ``care_worker``) ``user`` holds for any provider
    (active, and still an active member of the organization), in one query; empty for a
    role that acts for no organization. For the menu, which needs both on every page."""
    if not getattr(user, "is_authenticated", False) or not user.can(Perm.ACT_FOR_ORGANIZATION):
        return set()
    member_of = OrganizationMember.objects.filter(user=user, active=True).values("organization_id")
    return set(CareDuty.objects.filter(user=user, active=True, provider_id__in=member_of)
               .values_list("duty", flat=True).distinct())


def is_dispatcher(user) -> bool:
    return bool(duty_providers(user, "dispatcher"))


def is_worker(user) -> bool:
    return bool(duty_providers(user, "care_worker"))


def _staff(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.can(Perm.VIEW_ELDERCARE)


def contracts_for(user) -> QuerySet:
    qs = ProviderContract.objects.select_related("provider", "county")
    if _staff(user):
        return qs.filter(Q(county__code__startswith=user.scope_code) | Q(county_id=user.scope_code[:6]))
    return qs.filter(provider_id__in=duty_providers(user, "dispatcher"))


def contract_counties(user) -> list:
    """The counties (Region) with a contract in the user's view, by code: the settlements
    page asks which one to settle when there is more than one."""
    from ...regions.models import Region

    return list(Region.objects.filter(pk__in=contracts_for(user).values("county_id")).order_by("code"))


def get_contract(user, pk) -> ProviderContract:
    c = contracts_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if c is None:
        raise NotFound("contract.not_found")
    return c


def contract_price(contract: ProviderContract, item_id: int) -> ContractItem | None:
    return ContractItem.objects.filter(contract=contract, item_id=item_id).first()


def contract_candidates(user) -> QuerySet:
    """Organizations in normal standing that a county in the user's scope may contract
    with: registered in the user's scope, or above it (a city-wide provider)."""
    code = user.scope_code
    ancestors = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    return SocialOrganization.objects.filter(Q(region__code__startswith=code) | Q(region_id__in=ancestors),
                                             status="active").order_by("name")


def duties_for(user) -> QuerySet:
    """The duties of the staff of providers under contract in the user's scope."""
    if not _staff(user):
        return CareDuty.objects.none()
    return (CareDuty.objects.select_related("provider", "user")
            .filter(provider_id__in=contracts_for(user).values("provider_id"))
            .order_by("provider__name", "user__username", "duty"))


def staff_of(user) -> QuerySet:
    """Active ``org_staff`` members of the providers under contract in the user's scope
    (whom a duty may be given)."""
    if not _staff(user):
        return OrganizationMember.objects.none()
    return (OrganizationMember.objects.select_related("organization", "user")
            .filter(organization_id__in=contracts_for(user).values("provider_id"), active=True, user__role="org_staff")
            .order_by("organization__name", "user__username"))


def providers_for(user) -> QuerySet:
    """Organizations under an active contract in the user's county (for choosing)."""
    return SocialOrganization.objects.filter(
        pk__in=contracts_for(user).filter(status="active").values("provider_id")).order_by("name")


def workers_of(provider_id: int) -> QuerySet:
    """Active care workers of a provider (accounts), by name."""
    from ...accounts.models import User
    member_of = OrganizationMember.objects.filter(organization_id=provider_id, active=True).values("user_id")
    return User.objects.filter(pk__in=CareDuty.objects.filter(provider_id=provider_id, duty="care_worker",
                                                              active=True, user_id__in=member_of)
                               .values("user_id")).order_by("username")


def plans_for(user) -> QuerySet:
    qs = CarePlan.objects.select_related("person", "provider", "contract")
    if _staff(user):
        return qs.filter(person__region__code__startswith=user.scope_code)
    return qs.filter(provider_id__in=duty_providers(user, "dispatcher"))


def get_plan(user, pk) -> CarePlan:
    p = plans_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if p is None:
        raise NotFound("plan.not_found")
    return p


def plan_orders(plan: CarePlan) -> dict:
    """``{status: count}`` of a plan's orders."""
    return dict(WorkOrder.objects.filter(plan=plan).values_list("status").annotate(n=Count("id"))
                .values_list("status", "n"))


def orders_for(user) -> QuerySet:
    """Orders the user may read: staff by region scope, a dispatcher the provider's, a
    care worker their own."""
    qs = WorkOrder.objects.select_related("person", "item", "worker", "provider")
    if _staff(user):
        return qs.filter(region__code__startswith=user.scope_code)
    dispatching = duty_providers(user, "dispatcher")
    working = duty_providers(user, "care_worker")
    if not dispatching and not working:
        return qs.none()
    return qs.filter(Q(provider_id__in=dispatching) | Q(provider_id__in=working, worker=user))


def get_order(user, pk) -> WorkOrder:
    o = orders_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if o is None:
        raise NotFound("order.not_found")
    return o


def worker_day(user, day: datetime.date) -> list[dict]:
    """A care worker's orders of ``day``, each only what the visit needs: id, state, the
    elder's name, the service address (the plan's), the item and its unit, the quantity,
    the times. One query: the index (worker, scheduled_on), the worker's duties as a
    subquery (a round trip fewer on the phone's busiest page)."""
    providers = _duty_provider_ids(user, "care_worker")
    if providers is None:
        return []
    return list(WorkOrder.objects.filter(worker=user, scheduled_on=day, provider_id__in=providers)
                .exclude(status="void").order_by("status", "id")
                .values("id", "status", "person__name", "plan__address", "item__name", "item__unit", "quantity",
                        "checkin_at", "checkout_at", "item__min_minutes"))


def worker_order(user, pk) -> WorkOrder:
    """One of the worker's own orders (NotFound otherwise, as for any other order)."""
    providers = duty_providers(user, "care_worker")
    o = (WorkOrder.objects.select_related("item", "plan", "person").filter(pk=pk, worker=user,
                                                                          provider_id__in=providers).first()
         if str(pk).isdigit() and providers else None)
    if o is None:
        raise NotFound("order.not_found")
    return o


def callbacks_due(user, month: datetime.date | None = None) -> QuerySet:
    """Completed orders of the user's scope not yet called back (for community staff)."""
    if not _staff(user) or not user.can(Perm.SUPERVISE_HOMECARE):
        return WorkOrder.objects.none()
    qs = orders_for(user).filter(status="done").exclude(callbacks__isnull=False)
    if month is not None:
        qs = qs.filter(month=month)
    return qs.order_by("-done_at")


def complaints_for(user) -> QuerySet:
    if not _staff(user):
        return Complaint.objects.none()
    return Complaint.objects.select_related("order", "order__person", "order__item").filter(
        order__region__code__startswith=user.scope_code)


def complaints_open(user) -> QuerySet:
    if not user.can(Perm.MANAGE_ELDERCARE):
        return Complaint.objects.none()
    return complaints_for(user).filter(status="open").order_by("received_at")


def settlements_for(user) -> QuerySet:
    """Settlements the user may read: staff whose scope covers the county; staff below the
    county only when they act on settlements (``manage_eldercare`` or ``approve_payments``,
    as :mod:`.settlement_services` lets them), since a statement lists the elders of the
    whole county; a dispatcher their provider's."""
    qs = Settlement.objects.select_related("provider", "county", "generated_by", "approved_by")
    if _staff(user):
        q = Q(county__code__startswith=user.scope_code)
        if user.can(Perm.MANAGE_ELDERCARE) or user.can(Perm.APPROVE_PAYMENTS):
            q |= Q(county_id=user.scope_code[:6])
        return qs.filter(q)
    return qs.filter(provider_id__in=duty_providers(user, "dispatcher"))


def get_settlement(user, pk) -> Settlement:
    s = settlements_for(user).filter(pk=pk).first() if str(pk).isdigit() else None
    if s is None:
        raise NotFound("settlement.not_found")
    return s


def live_lines(settlement: Settlement) -> QuerySet:
    return (SettlementLine.objects.filter(settlement=settlement, live=True)
            .select_related("order", "order__person", "item").order_by("order_id"))


def settlement_facts(provider_id: int, county: str, month: datetime.date) -> list[dict]:
    """The confirmed orders of a provider, county and month, each with the facts of
    :func:`rules.line_amount`: three queries whatever the number of orders."""
    orders = list(WorkOrder.objects.filter(provider_id=provider_id, county_id=county, month=month, status="done")
                  .values("id", "item_id", "price", "quantity", "location_ok", "duration", "checkin_distance_m",
                          "item__min_minutes").order_by("id"))
    ids = [o["id"] for o in orders]
    upheld: dict[int, int] = {}
    not_served: set[int] = set()
    if ids:
        for row in (Complaint.objects.filter(order__provider_id=provider_id, order__county_id=county,
                                             order__month=month, status="upheld")
                    .values("order_id").annotate(n=Count("id"))):
            upheld[row["order_id"]] = row["n"]
        not_served = set(CallBack.objects.filter(order__provider_id=provider_id, order__county_id=county,
                                                 order__month=month, result="not_served")
                         .values_list("order_id", flat=True))
    for o in orders:
        o["facts"] = {"location_ok": o["location_ok"], "distance_m": o["checkin_distance_m"],
                      "duration": o["duration"], "min_minutes": o["item__min_minutes"],
                      "complaints_upheld": upheld.get(o["id"], 0), "callback_not_served": o["id"] in not_served}
    return orders


def sql_totals(provider_id: int, county: str, month: datetime.date) -> dict:
    """Gross of the confirmed orders by one SQL aggregate (the benchmark's yardstick)."""
    from django.db.models import DecimalField, ExpressionWrapper, F
    got = WorkOrder.objects.filter(provider_id=provider_id, county_id=county, month=month, status="done").aggregate(
        n=Count("id"), gross=Sum(ExpressionWrapper(F("price") * F("quantity"),
                                                   output_field=DecimalField(max_digits=14, decimal_places=2))))
    return {"n": got["n"], "gross": got["gross"] or Decimal("0")}
