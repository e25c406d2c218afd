"""Pages of home care (居家养老上门服务): the county's catalogue and entitlement standards,
the eligibility of a person with the county's approval, the entitlements with export."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...errors import NotFound, ServiceError
from ...imports.export import content_disposition
from ...people import selectors as people_selectors
from ...regions.models import Region
from ...web.shortcuts import actor, apply_service_error, error_page, perm_required, require_perm
from .. import exports, rules, selectors, services
from ..forms import ApproveForm, ItemForm, StandardForm
from ..models import Entitlement


def _county(request) -> Region:
    """The county of the page: ``?county=`` (a county in or above the user's scope), else
    the user's own county; NotFound for a user above county level without one chosen."""
    user = request.user
    code = (request.GET.get("county") or request.POST.get("county") or user.scope_code)[:6]
    region = Region.objects.filter(code=code, level=Region.Level.COUNTY).first()
    if region is None or not selectors.items_for_scope(user, region.code):
        counties = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=user.scope_code[:4]).first()
        if counties is None:
            raise NotFound("county.not_found")
        return counties
    return region


def _catalogue(request, status=200, **forms_):
    user = request.user
    county = _county(request)
    items = list(selectors.items_for(user, county.code))
    standards = list(selectors.standards_of(user, county.code))
    counties = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=user.scope_code[:4]).order_by("code") \
        if len(user.scope_code) < 6 else []
    return render(request, "eldercare/homecare.html", {
        "county": county, "counties": counties, "can_manage": user.can(Perm.MANAGE_ELDERCARE) and len(user.scope_code) <= 6,
        "items": [(i, _(rules.HOMECARE_KINDS[i.kind]), _(rules.HOMECARE_UNITS[i.unit]),
                   [_(rules.EVIDENCE[e]) for e in i.evidence]) for i in items],
        "standards": [(s, _(rules.ENTITLEMENT_CATEGORIES[s.category]),
                       _(rules.LEVEL_NAMES[s.level]) if s.level else _("不分等级")) for s in standards],
        "item_form": forms_.get("item_form") or ItemForm(),
        "standard_form": forms_.get("standard_form") or StandardForm(initial={
            "effective_from": timezone.localdate().replace(day=1)}),
    }, status=status)


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def homecare(request):
    return _catalogue(request)


@perm_required(Perm.MANAGE_ELDERCARE)
@require_POST
def homecare_item(request):
    county = _county(request)
    form = ItemForm(request.POST)
    data = {k: request.POST.get(k) for k in ("code", "kind", "name", "unit", "price", "min_minutes")}
    data["evidence"] = request.POST.getlist("evidence")
    try:
        services.save_item(actor(request), county.code, data)
    except ServiceError as exc:
        form.is_valid()
        apply_service_error(form, exc)
        return _catalogue(request, exc.status, item_form=form)
    messages.success(request, _("已增加服务项目"))
    return redirect(reverse("eldercare:homecare") + f"?county={county.code}")


@perm_required(Perm.MANAGE_ELDERCARE)
@require_POST
def homecare_standard(request):
    county = _county(request)
    form = StandardForm(request.POST)
    p = request.POST
    try:
        services.set_standard(actor(request), county.code, category=p.get("category"), level=p.get("level", ""),
                              effective_from=p.get("effective_from"), amount=p.get("amount"),
                              hours=p.get("hours") or 0, basis=p.get("basis"))
    except ServiceError as exc:
        form.is_valid()
        apply_service_error(form, exc)
        return _catalogue(request, exc.status, standard_form=form)
    messages.success(request, _("已设定服务标准"))
    return redirect(reverse("eldercare:homecare") + f"?county={county.code}")


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def entitlement_list(request):
    user = request.user
    status = request.GET.get("status", "active")
    qs = selectors.entitlements_for(user)
    if status in Entitlement.Status.values:
        qs = qs.filter(status=status)
    rows = [(e, _(rules.ENTITLEMENT_CATEGORIES[e.category]), _(rules.LEVEL_NAMES[e.level]) if e.level else "—")
            for e in qs.order_by("-start_month", "id")[:500]]
    waiting = list(selectors.eligible_without_entitlement(user, timezone.localdate())[:100])
    return render(request, "eldercare/entitlement_list.html", {
        "rows": rows, "status": status, "waiting": waiting, "can_manage": user.can(Perm.MANAGE_ELDERCARE),
        "can_export": user.can(Perm.EXPORT)})


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def entitlement_export(request):
    require_perm(request.user, Perm.EXPORT)
    try:
        data, name, fallback, n = services.export_entitlements(actor(request))
    except ServiceError as exc:
        return error_page(request, exc)
    response = HttpResponse(data, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET", "POST"])
def entitlement_new(request):
    """A person's eligibility (registry tags, latest assessment, age) with the county's
    approval: the amount and hours come from the standard, never typed."""
    user = request.user
    person = people_selectors.get_person(user, request.GET.get("person") or request.POST.get("person"))
    month = timezone.localdate().replace(day=1)
    form = ApproveForm(request.POST or None, initial={"start_month": month})
    status = 200
    if request.method == "POST":
        require_perm(user, Perm.MANAGE_ELDERCARE)
        form.is_valid()
        try:
            services.approve_entitlement(actor(request), person, request.POST.get("start_month"),
                                         family_planning=bool(form.cleaned_data.get("family_planning")))
        except ServiceError as exc:
            apply_service_error(form, exc, {"person": None})
            status = exc.status
        else:
            messages.success(request, _("已审批 %(name)s 的居家养老服务待遇") % {"name": person.name})
            return redirect("eldercare:entitlement_list")
    r = selectors.eligibility(person, month, {"family_planning": request.POST.get("family_planning") == "on"})
    return render(request, "eldercare/entitlement_form.html", {
        "person": person, "form": form, "month": month, "result": r,
        "category_names": [_(rules.ENTITLEMENT_CATEGORIES[c]) for c in r["categories"]],
        "choice_name": _(rules.ENTITLEMENT_CATEGORIES[r["choice"][0]]) if r["choice"] else "",
        "level_name": _(rules.LEVEL_NAMES[r["facts"]["capacity_level"]]) if r["facts"]["capacity_level"] else "",
        "active": selectors.active_entitlement(person), "can_manage": user.can(Perm.MANAGE_ELDERCARE)}, status=status)
