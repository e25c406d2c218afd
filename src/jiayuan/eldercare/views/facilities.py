"""Pages of day-care facilities (日间照料中心, 农村互助幸福院, 社区养老服务站): the
registry with filters and export, a facility's page (assignments, subsidies,
attendance with the year's person-visits by month), the coverage page with export.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...errors import ServiceError
from ...imports.export import content_disposition
from ...regions import selectors as region_selectors
from ...organizations.selectors import operators_for
from ...web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required, require_perm
from .. import exports, selectors, services
from ..forms import AssignmentForm, AttendanceForm, CoverageForm, FacilityForm, SubsidyForm
from ..models import FacilityKind

ELDERS_LISTED = 500


def _facility_filters(request) -> selectors.FacilityFilters:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    return selectors.FacilityFilters(
        kind=kind if kind in FacilityKind.values else "", region=request.GET.get("region", "").strip(),
        status=status if status in ("operating", "planned", "closed") else "", q=request.GET.get("q", "").strip()[:40])


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def facility_list(request):
    user = request.user
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else None  # out of scope → 404
    f = _facility_filters(request)
    page_obj = paginate(request, selectors.search_facilities(user, f))
    today = timezone.localdate()
    year = today.year
    visits = selectors.person_visits(list(page_obj), datetime.date(year, 1, 1), today)
    rows = [(fac, fac.status_on(today), visits.get(fac.pk, 0)) for fac in page_obj]
    return render(request, "eldercare/facility_list.html", {
        "page_obj": page_obj, "rows": rows, "region": region, "f": f, "kinds": FacilityKind.choices, "year": year,
        "can_manage": user.can(Perm.MANAGE_ELDERCARE), "can_export": user.can(Perm.EXPORT),
        "query": request.GET.urlencode(), "subsidies": selectors.subsidy_totals(user, year, region)})


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def facility_export(request):
    """The filtered registry as xlsx: one row per facility with this year's
    person-visits and subsidies (file name ``甘州区-日间照料设施-2026-12-07.xlsx``)."""
    user = request.user
    require_perm(user, Perm.EXPORT)
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else (user.scope if user.scope_id else None)
    data, name, fallback, n = services.export_facilities(actor(request), _facility_filters(request), region)
    response = HttpResponse(data, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    response["X-Export-Rows"] = str(n)
    return response


def _form_context(request, form, facility=None) -> dict:
    return {"form": form, "facility": facility}


@perm_required(Perm.MANAGE_ELDERCARE)
@require_http_methods(["GET", "POST"])
def facility_new(request):
    return _facility_form(request, None)


@perm_required(Perm.MANAGE_ELDERCARE)
@require_http_methods(["GET", "POST"])
def facility_edit(request, pk):
    return _facility_form(request, selectors.get_facility(request.user, pk))


def _facility_form(request, facility):
    user = request.user
    kw = {"regions": list(selectors.assignable_regions(user)), "operators": list(operators_for(user)[:500])}
    status = 200
    if request.method == "POST":
        form = FacilityForm(request.POST, **kw)
        form.is_valid()
        try:
            saved = services.save_facility(actor(request), form.service_data(), facility,
                                           version=form.cleaned_data.get("version"))
        except ServiceError as exc:
            for name in list(form.errors):
                del form.errors[name]
            apply_service_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("已保存：%(name)s") % {"name": saved.name})
            return redirect("eldercare:facility_detail", pk=saved.pk)
    elif facility is not None:
        form = FacilityForm(initial={
            "kind": facility.kind, "name": facility.name, "region": facility.region_id, "address": facility.address,
            "floor_area": facility.floor_area, "seats": facility.seats, "beds": facility.beds,
            "operator": facility.operator_id or "", "opened_on": facility.opened_on, "closed_on": facility.closed_on,
            "services": facility.services, "note": facility.note, "version": facility.version}, **kw)
    else:
        form = FacilityForm(initial={"region": request.GET.get("region", "")}, **kw)
    return render(request, "eldercare/facility_form.html", {"form": form, "facility": facility}, status=status)


def _detail(request, facility, status=200, **forms_):
    user = request.user
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    regions = list(selectors.assignable_regions(user)) if user.can(Perm.MANAGE_ELDERCARE) else []
    elders = []
    if user.can(Perm.RECORD_ATTENDANCE):
        elders = selectors.elders_near(facility, today, ELDERS_LISTED)
    months = selectors.monthly_visits(facility, year)
    return render(request, "eldercare/facility_detail.html", {
        "facility": facility, "status": facility.status_on(today), "year": year, "months": months,
        "year_total": sum(n for _m, n in months), "assignments": list(selectors.assignments_of(facility)),
        "subsidies": list(selectors.subsidies_of(facility)), "recent": selectors.recent_attendance(facility, 14),
        "can_manage": user.can(Perm.MANAGE_ELDERCARE), "can_record": user.can(Perm.RECORD_ATTENDANCE),
        "assign_form": forms_.get("assign_form") or AssignmentForm(regions=regions, initial={"start": today}),
        "subsidy_form": forms_.get("subsidy_form") or SubsidyForm(initial={"year": today.year}),
        "attendance_form": forms_.get("attendance_form") or AttendanceForm(elders=elders, initial={"day": today}),
        "service_names": [n for c, n in FacilityForm().fields["services"].choices if c in facility.services],
    }, status=status)


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def facility_detail(request, pk):
    return _detail(request, selectors.get_facility(request.user, pk))


@perm_required(Perm.MANAGE_ELDERCARE)
@require_POST
def facility_assign(request, pk):
    facility = selectors.get_facility(request.user, pk)
    form = AssignmentForm(request.POST, regions=list(selectors.assignable_regions(request.user)))
    try:
        services.assign(actor(request), facility, request.POST.get("region"), request.POST.get("start"),
                        request.POST.get("end") or None)
    except ServiceError as exc:
        form.is_valid()
        apply_service_error(form, exc)
        return _detail(request, facility, exc.status, assign_form=form)
    messages.success(request, _("已增加服务范围"))
    return redirect("eldercare:facility_detail", pk=facility.pk)


@perm_required(Perm.MANAGE_ELDERCARE)
@require_POST
def facility_subsidy(request, pk):
    facility = selectors.get_facility(request.user, pk)
    form = SubsidyForm(request.POST)
    p = request.POST
    try:
        services.record_subsidy(actor(request), facility, year=p.get("year"), kind=p.get("kind"),
                                amount=p.get("amount"), source=p.get("source"), approval=p.get("approval"),
                                approved_on=p.get("approved_on"))
    except ServiceError as exc:
        form.is_valid()
        apply_service_error(form, exc)
        return _detail(request, facility, exc.status, subsidy_form=form)
    messages.success(request, _("已登记补贴"))
    return redirect("eldercare:facility_detail", pk=facility.pk)


@perm_required(Perm.RECORD_ATTENDANCE)
@require_POST
def facility_attendance(request, pk):
    """A named check-in (``person``) or the day's count (``count``)."""
    from ...people import selectors as people_selectors

    facility = selectors.get_facility(request.user, pk)
    form = AttendanceForm(request.POST)
    p = request.POST
    try:
        if p.get("person"):
            person = people_selectors.get_person(request.user, p["person"])
            services.check_in(actor(request), facility, person, p.get("day"))
            messages.success(request, _("%(name)s 已签到") % {"name": person.name})
        elif p.get("count", "").strip():
            services.record_daily_count(actor(request), facility, p.get("day"), p.get("count"))
            messages.success(request, _("已登记当日人次"))
        else:
            form.add_error("person", _("请选择签到的老人，或填写当日人次"))
            return _detail(request, facility, 422, attendance_form=form)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _detail(request, facility, exc.status, attendance_form=form)
    return redirect("eldercare:facility_detail", pk=facility.pk)


def _coverage_args(request):
    user = request.user
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else (user.scope if user.scope_id else None)
    form = CoverageForm(request.GET)
    on = (form.cleaned_data.get("on") if form.is_valid() else None) or timezone.localdate()
    return region, on, form


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def coverage(request):
    """Coverage of a region (default: the user's scope) on a date, with the children
    regions' figures and the communities and villages not covered."""
    user = request.user
    region, on, form = _coverage_args(request)
    cov = selectors.coverage(user, region, on)
    children = selectors.coverage_by_child(user, region, on) if region is not None else []
    return render(request, "eldercare/coverage.html", {
        "cov": cov, "region": region, "on": on, "form": form, "children": children,
        "can_export": user.can(Perm.EXPORT), "query": request.GET.urlencode()})


@perm_required(Perm.VIEW_ELDERCARE)
@require_http_methods(["GET"])
def coverage_export(request):
    user = request.user
    require_perm(user, Perm.EXPORT)
    region, on, _form = _coverage_args(request)
    try:
        data, name, fallback = services.export_coverage(actor(request), region, on)
    except ServiceError as exc:
        return error_page(request, exc)
    response = HttpResponse(data, content_type=exports.XLSX)
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response
