"""Pages that set home care up before any visit (thin: reads through :mod:`.selectors`,
writes through :mod:`.services`).

- ``/eldercare/contracts/``: the county's contracts with providers, and signing one
  (number, period, a price per catalogue item) — ``manage_eldercare``;
- ``/eldercare/duties/``: who dispatches and who cares for each provider under contract,
  giving or taking back a duty of an organization's member — ``manage_eldercare``;
- ``/eldercare/plans/``: the month's care plans and the elders with an entitlement still
  without one; ``/eldercare/plans/new/?person=`` makes a plan from the active
  entitlement (never above its monthly amount: the service refuses it);
  ``/eldercare/plans/<id>/`` the plan, its orders and the elder's confirmation code.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...errors import ServiceError
from ...organizations.models import SocialOrganization
from ...people import selectors as people_selectors
from ...regions.models import Region
from ...web.shortcuts import actor, apply_service_error, require_perm
from .. import selectors as care_selectors
from ..models import ContractItem
from . import rules, selectors, services
from .forms import ContractForm, DutyForm, PlanForm


def _reader(user) -> None:
    if not (user.can(Perm.VIEW_ELDERCARE) or selectors.is_dispatcher(user)):
        raise PermissionDenied


def _counties(user) -> list[Region]:
    """The counties of the user's scope (their own county for county staff and below)."""
    scope = user.scope_code
    if len(scope) >= 6:
        return list(Region.objects.filter(code=scope[:6], level=Region.Level.COUNTY))
    return list(Region.objects.filter(level=Region.Level.COUNTY, code__startswith=scope).order_by("code"))


def _month(value) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value or "").strip() + "-01")
    except ValueError:
        return timezone.localdate().replace(day=1)


# --- contracts ---------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def contract_list(request):
    user = request.user
    _reader(user)
    can_sign = user.can(Perm.MANAGE_ELDERCARE) and len(user.scope_code) <= 6
    counties = _counties(user) if can_sign else []
    code = request.GET.get("county") or (counties[0].code if counties else "")
    county = next((c for c in counties if c.code == code), counties[0] if counties else None)
    items = list(care_selectors.items_for(user, county.code).filter(active=True)) if county else []
    form = ContractForm(request.POST or None, providers=selectors.contract_candidates(user) if can_sign else (),
                        items=items)
    status = 200
    if request.method == "POST":
        if not can_sign or county is None:
            raise PermissionDenied
        if form.is_valid():
            provider = SocialOrganization.objects.get(pk=form.cleaned_data["provider"])
            d = form.cleaned_data
            try:
                c = services.sign_contract(actor(request), county.code, provider, number=d["number"], start=d["start"],
                                           end=d["end"], prices=form.prices())
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已签订服务合同 %(n)s") % {"n": c.number})
                return redirect(reverse("eldercare:contract_list") + f"?county={county.code}")
        else:
            status = 422
    rows = selectors.contracts_for(user).prefetch_related("items__item").order_by("-start", "number")
    return render(request, "eldercare/contract_list.html", {
        "rows": rows, "form": form, "can_sign": can_sign, "county": county, "counties": counties,
    }, status=status)


# --- duties ------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def duty_list(request):
    user = request.user
    if not user.can(Perm.VIEW_ELDERCARE):
        raise PermissionDenied
    members = list(selectors.staff_of(user))
    form = DutyForm(request.POST or None, members=members)
    status = 200
    if request.method == "POST":
        require_perm(user, Perm.MANAGE_ELDERCARE)
        duty = selectors.duties_for(user).filter(pk=request.POST.get("duty_id") or 0).first() if str(
            request.POST.get("duty_id") or "").isdigit() else None
        if duty is not None:  # take back or give again a duty listed below
            try:
                services.set_duty(actor(request), duty.provider, duty.user, duty.duty,
                                  active=request.POST.get("active") == "1")
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已更新 %(who)s 的职责") % {"who": duty.user.full_name or duty.user.username})
            return redirect("eldercare:duty_list")
        if form.is_valid():
            org_id, user_id = (int(x) for x in form.cleaned_data["member"].split(":"))
            member = next(m for m in members if m.organization_id == org_id and m.user_id == user_id)
            try:
                services.set_duty(actor(request), member.organization, User.objects.get(pk=user_id),
                                  form.cleaned_data["duty"])
            except ServiceError as exc:
                apply_service_error(form, exc, {"user": "member"})
                status = exc.status
            else:
                messages.success(request, _("已设定 %(who)s 为%(duty)s") % {
                    "who": member.user.full_name or member.user.username,
                    "duty": _(rules.DUTIES[form.cleaned_data["duty"]])})
                return redirect("eldercare:duty_list")
        else:
            status = 422
    rows = [(d, _(rules.DUTIES[d.duty])) for d in selectors.duties_for(user)]
    return render(request, "eldercare/duty_list.html", {
        "rows": rows, "form": form, "can_manage": user.can(Perm.MANAGE_ELDERCARE) and bool(members),
    }, status=status)


# --- care plans --------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def plan_list(request):
    user = request.user
    _reader(user)
    month = _month(request.GET.get("month"))
    plans = selectors.plans_for(user).filter(month=month).select_related("entitlement").order_by("person__name", "id")
    waiting = []
    if user.can(Perm.MANAGE_ELDERCARE):
        waiting = list(care_selectors.entitlements_for(user).filter(status="active", start_month__lte=month)
                       .exclude(person_id__in=selectors.plans_for(user).filter(month=month).values("person_id"))
                       .order_by("person__name")[:200])
    prev = (month - datetime.timedelta(days=1)).replace(day=1)
    nxt = (month + datetime.timedelta(days=32)).replace(day=1)
    return render(request, "eldercare/plan_list.html", {
        "month": month, "plans": plans, "waiting": waiting, "prev": prev, "next": nxt,
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    user = request.user
    require_perm(user, Perm.MANAGE_ELDERCARE)
    person = people_selectors.get_person(user, request.GET.get("person") or request.POST.get("person"))
    month = _month(request.GET.get("month") or request.POST.get("month"))
    entitlement = care_selectors.active_entitlement(person)
    contracts = list(selectors.contracts_for(user).filter(
        status="active", start__lte=month, end__gte=month,
        county_id=entitlement.county_id if entitlement else "").order_by("number"))
    chosen = request.POST.get("contract") or request.GET.get("contract")
    contract = next((c for c in contracts if str(c.pk) == str(chosen)), contracts[0] if contracts else None)
    items = list(ContractItem.objects.filter(contract=contract).select_related("item").order_by("item__code")) \
        if contract else []
    form = PlanForm(request.POST if request.method == "POST" else None, contract_items=items,
                    initial={"address": person.address})
    status = 200
    if request.method == "POST":
        if contract is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                lines = form.plan_lines()
            except ValueError as bad:
                form.add_error(str(bad), _("服务日期应为本月几号，用逗号分隔"))
                status = 422
            else:
                try:
                    plan = services.make_plan(actor(request), person, month, contract, lines,
                                              home_lat=d["home_lat"], home_lon=d["home_lon"], address=d["address"])
                except ServiceError as exc:
                    apply_service_error(form, exc)
                    status = exc.status
                else:
                    messages.success(request, _("已制定 %(name)s %(month)s 的服务计划，生成 %(n)s 张工单") % {
                        "name": person.name, "month": f"{month:%Y-%m}", "n": plan.orders.count()})
                    return redirect("eldercare:plan_detail", pk=plan.pk)
        else:
            status = 422
    return render(request, "eldercare/plan_form.html", {
        "person": person, "month": month, "entitlement": entitlement, "form": form, "contract": contract,
        "contracts": contracts,
        "existing": selectors.plans_for(user).filter(person=person, month=month).first(),
    }, status=status)


@login_required
@require_http_methods(["GET"])
def plan_detail(request, pk):
    user = request.user
    _reader(user)
    plan = selectors.get_plan(user, pk)
    lines = [(ln, rules.yuan(ln.price * ln.quantity) * len(ln.days)) for ln in plan.lines.select_related("item")]
    counts = selectors.plan_orders(plan)
    return render(request, "eldercare/plan_detail.html", {
        "plan": plan, "lines": lines, "states": [(_(v), counts.get(k, 0)) for k, v in rules.STATES.items()],
        "orders": plan.orders.select_related("item", "worker").order_by("scheduled_on", "id")[:200],
        "show_code": user.can(Perm.MANAGE_ELDERCARE),
    })
