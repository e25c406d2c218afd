"""Pages of community service facilities (综合服务设施): the list with filters and its
export, recording and editing a facility, its rooms, and the coverage summary of a
region (urban communities and villages, area, m² per 100 households).

Reads go through :mod:`jiayuan.facilities.selectors` (scoped: out of scope is 404),
writes through :mod:`jiayuan.facilities.services`; a refusal is shown on the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.permissions import Perm
from ..audit.selectors import history_of
from ..errors import Forbidden, ServiceError
from ..regions.selectors import ancestors
from ..web.labels import action_label
from ..web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from . import exports, selectors, services
from ..regions.models import Region
from .forms import BudgetForm, EntryForm, FacilityFilterForm, FacilityForm, RoomForm, StandardForm
from .models import FacilityFunction, ServiceFacility


def _value(field: str, value, region_names: dict[str, str]) -> str:
    if value in (None, ""):
        return "—"
    if field == "region":
        return region_names.get(str(value), str(value))
    if field == "status" and value in ServiceFacility.Status.values:
        return str(ServiceFacility.Status(value).label)
    return str(value)


def _history(facility) -> list[dict]:
    """Rows for ``audit/_history.html``: each entry's action and changed fields in words."""
    rows = []
    entries = list(history_of(facility)[:50])
    codes = {str(v) for e in entries for name, pair in (e.changes or {}).items() if name == "region"
             for v in (pair if isinstance(pair, list) else [pair]) if v not in (None, "")}
    # Names only (one query for the whole history, not one per changed region).
    region_names = {r.code: r.short_name for r in Region.objects.filter(code__in=codes)} if codes else {}
    for e in entries:
        extra = e.extra or {}
        changes = []
        for name, pair in (e.changes or {}).items():
            before, after = (list(pair) + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            label = ServiceFacility._meta.get_field(name).verbose_name if name in services.FIELDS else name
            changes.append((str(label), _value(name, before, region_names), _value(name, after, region_names)))
        note = extra.get("room", "")
        if extra.get("function") in FacilityFunction.values:
            note = f"{note}（{FacilityFunction(extra['function']).label}）"
        rows.append({"entry": e, "action_label": action_label(e.action), "changes": changes, "note": note})
    return rows


@perm_required(Perm.VIEW_FACILITIES)
@require_http_methods(["GET"])
def facility_list(request):
    """Facilities in scope, 50 a page; ``?format=xlsx`` exports every match."""
    user = request.user
    form = FacilityFilterForm(user, request.GET)
    form.is_valid()
    d = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    region = selectors.get_region(user, d["region"]) if d.get("region") else None
    status = d.get("status") or "in_use"
    qs = selectors.search_facilities(user, region=region.code if region else "",
                                     status="" if status == "all" else status, function=d.get("function") or "",
                                     q=(d.get("q") or "").strip())
    if request.GET.get("format") == "xlsx":
        target = region or selectors.home_region(user)
        today = timezone.localdate()
        return exports.workbook_response(
            exports.facilities_xlsx(target.name if target else _("全部区划"), qs, selectors.functions_of, today),
            *exports.facility_file_names(target, "综合服务设施", "facilities", today))
    page_obj = paginate(request, qs)
    rows = [(f, selectors.functions_of(f)) for f in page_obj]
    query = request.GET.copy()
    query.pop("page", None)
    query["format"] = "xlsx"
    return render(request, "facilities/facility_list.html", {
        "form": form, "page_obj": page_obj, "rows": rows, "export_query": query.urlencode(),
        "can_manage": user.can(Perm.MANAGE_FACILITIES),
        "filtered": any(v for k, v in request.GET.items() if k != "page")})


def _facility_form_page(request, form, facility=None, status=200):
    return render(request, "facilities/facility_form.html", {"form": form, "facility": facility}, status=status)


@perm_required(Perm.MANAGE_FACILITIES)
@require_http_methods(["GET", "POST"])
def facility_new(request):
    user = request.user
    if request.method == "GET":
        return _facility_form_page(request, FacilityForm(user, initial={
            "region": request.GET.get("region", ""), "status": "in_use"}))
    form = FacilityForm(user, request.POST)
    form.is_valid()
    try:
        f = services.create_facility(actor(request), dict(form.cleaned_data))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _facility_form_page(request, form, status=exc.status)
    messages.success(request, _("已登记综合服务设施：%(name)s") % {"name": f.name})
    return redirect("facilities:facility_detail", pk=f.pk)


@perm_required(Perm.MANAGE_FACILITIES)
@require_http_methods(["GET", "POST"])
def facility_edit(request, pk):
    user = request.user
    facility = selectors.get_facility(user, pk)
    if request.method == "GET":
        return _facility_form_page(request, FacilityForm(user, initial={
            "name": facility.name, "region": facility.region_id, "address": facility.address,
            "floor_area": facility.floor_area, "opening_hours": facility.opening_hours,
            "opened_on": facility.opened_on, "status": facility.status, "note": facility.note,
            "version": facility.version}), facility)
    form = FacilityForm(user, request.POST)
    form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    try:
        services.update_facility(actor(request), facility, data, version=form.cleaned_data.get("version"))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _facility_form_page(request, form, facility, status=exc.status)
    messages.success(request, _("已保存"))
    return redirect("facilities:facility_detail", pk=facility.pk)


def _detail(request, facility, room_form=None, status=200):
    user = request.user
    return render(request, "facilities/facility_detail.html", {
        "facility": facility, "functions": selectors.functions_of(facility),
        "rooms_area": selectors.rooms_area(facility), "room_form": room_form or RoomForm(),
        "can_manage": user.can(Perm.MANAGE_FACILITIES), "history": _history(facility),
        "also_serves": list(selectors.also_serves_of(facility)),
        "neighbours": list(selectors.neighbours_of(user, facility))}, status=status)


@perm_required(Perm.VIEW_FACILITIES)
@require_http_methods(["GET"])
def facility_detail(request, pk):
    return _detail(request, selectors.get_facility(request.user, pk))


@perm_required(Perm.MANAGE_FACILITIES)
@require_POST
def room_add(request, pk):
    facility = selectors.get_facility(request.user, pk)
    form = RoomForm(request.POST)
    form.is_valid()
    try:
        services.add_room(actor(request), facility, dict(form.cleaned_data))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _detail(request, selectors.get_facility(request.user, pk), form, status=exc.status)
    messages.success(request, _("已添加功能室"))
    return redirect("facilities:facility_detail", pk=facility.pk)


@perm_required(Perm.MANAGE_FACILITIES)
@require_POST
def facility_also_serves(request, pk):
    """Save the other communities or villages the facility serves (a shared centre)."""
    facility = selectors.get_facility(request.user, pk)
    try:
        services.set_also_serves(actor(request), facility, request.POST.getlist("also_serves"),
                                 version=request.POST.get("version") or None)
    except ServiceError as exc:
        return error_page(request, exc)
    messages.success(request, _("已保存服务范围"))
    return redirect("facilities:facility_detail", pk=facility.pk)


@perm_required(Perm.MANAGE_FACILITIES)
@require_POST
def room_remove(request, pk, room_id):
    facility = selectors.get_facility(request.user, pk)
    services.remove_room(actor(request), facility, room_id)
    messages.success(request, _("已删除功能室"))
    return redirect("facilities:facility_detail", pk=facility.pk)


@perm_required(Perm.VIEW_FACILITIES)
@require_http_methods(["GET"])
def coverage(request):
    """Coverage of a region (``?region=``, default the user's scope) and of each child;
    ``?format=xlsx`` exports it."""
    user = request.user
    code = request.GET.get("region", "").strip()
    region = selectors.get_region(user, code) if code else selectors.home_region(user)
    report = selectors.coverage_report(user, region)
    today = timezone.localdate()
    if request.GET.get("format") == "xlsx":
        return exports.workbook_response(exports.coverage_xlsx(report, today),
                                         *exports.facility_file_names(region, "设施覆盖情况", "facility-coverage", today))
    scope = user.scope_code
    trail = [r for r in ancestors(region) if r.code.startswith(scope)]
    return render(request, "facilities/coverage.html", {"report": report, "trail": trail})


# --- community work funds ------------------------------------------------------------------------

def _year_param(request) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    try:
        year = int(str(raw).strip())
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _summary_page(request, region, year, standard_form=None, status=200):
    user = request.user
    summary = selectors.fund_summary(user, region, year)
    county = region.code[:6] if len(region.code) >= 6 else ""
    std = selectors.standard_for(county, year) if county else None
    if standard_form is None and county and user.can(Perm.PLAN_FUNDS):
        standard_form = StandardForm(initial={"county": county, "year": year,
                                              "minimum": std.minimum if std else "", "maximum": std.maximum if std else "",
                                              "basis": std.basis if std else ""})
    scope = user.scope_code
    return render(request, "facilities/fund_summary.html", {
        "summary": summary, "year": year, "years": range(timezone.localdate().year + 1, timezone.localdate().year - 6, -1),
        "standard_form": standard_form if user.can(Perm.PLAN_FUNDS) and county else None,
        "can_plan": user.can(Perm.PLAN_FUNDS),
        "trail": [r for r in ancestors(region) if r.code.startswith(scope)]}, status=status)


@perm_required(Perm.VIEW_FACILITIES)
@require_http_methods(["GET"])
def fund_summary(request):
    """Work funds of the communities of a region (``?region=``, default the scope) for a
    year (``?year=``, default this year) against the county's standard; ``?format=xlsx``."""
    user = request.user
    code = request.GET.get("region", "").strip()
    region = selectors.get_region(user, code) if code else selectors.home_region(user)
    year = _year_param(request)
    if request.GET.get("format") == "xlsx":
        today = timezone.localdate()
        summary = selectors.fund_summary(user, region, year)
        return exports.workbook_response(exports.funds_xlsx(summary, today), *exports.facility_file_names(
            region, f"社区工作经费-{year}年", f"community-funds-{year}", today))
    return _summary_page(request, region, year)


@perm_required(Perm.PLAN_FUNDS)
@require_POST
def standard_set(request):
    user = request.user
    form = StandardForm(request.POST)
    form.is_valid()
    d = form.cleaned_data
    county = d.get("county") or ""
    region = selectors.get_region(user, county)
    year = d.get("year") or timezone.localdate().year
    try:
        services.set_standard(actor(request), county, year, d.get("minimum"), d.get("maximum"), d.get("basis", ""))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _summary_page(request, region, year, standard_form=form, status=exc.status)
    messages.success(request, _("已设定 %(year)s 年度社区工作经费标准") % {"year": year})
    return redirect(f"{reverse('facilities:fund_summary')}?region={region.code}&year={year}")


@perm_required(Perm.PLAN_FUNDS)
@require_http_methods(["GET", "POST"])
def budget_set(request):
    """Set a community's budgeted amount for a year (``?community=&year=``)."""
    user = request.user
    code = request.POST.get("community") or request.GET.get("community") or ""
    community = selectors.get_region(user, code)
    year = _year_param(request)
    fund = selectors.funds_for(user).filter(community=community, year=year).first()
    county = code[:6]
    std = selectors.standard_for(county, year)
    status = 200
    if request.method == "GET":
        form = BudgetForm(initial={"community": community.code, "year": year,
                                   "amount": fund.budget_amount if fund else "", "note": fund.note if fund else ""})
    else:
        form = BudgetForm(request.POST)
        form.is_valid()
        d = form.cleaned_data
        try:
            fund = services.set_budget(actor(request), community.code, year, d.get("amount"), d.get("note", ""))
        except Forbidden as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            apply_service_error(form, exc, {"community": None, "year": None})
            status = exc.status
        else:
            messages.success(request, _("已保存预算安排"))
            return redirect("facilities:fund_detail", pk=fund.pk)
    return render(request, "facilities/budget_form.html", {
        "form": form, "community": community, "year": year, "fund": fund, "standard": std}, status=status)


def _entry_kinds(user) -> list:
    kinds = []
    if user.can(Perm.PLAN_FUNDS):
        kinds.append(("allocation", _("拨付")))
    if user.can(Perm.RECORD_FUND_SPENDING):
        kinds.append(("spending", _("支出")))
    return kinds


def _fund_page(request, fund, entry_form=None, status=200):
    user = request.user
    kinds = _entry_kinds(user)
    return render(request, "facilities/fund_detail.html", {
        "fund": fund, "row": selectors.fund_row(fund), "categories": selectors.totals_by_category(fund),
        "entries": fund.entries.select_related("created_by").order_by("on", "id"),
        "entry_form": (entry_form or EntryForm(kinds, initial={"on": timezone.localdate()})) if kinds else None,
        "can_plan": user.can(Perm.PLAN_FUNDS)}, status=status)


@perm_required(Perm.VIEW_FACILITIES)
@require_http_methods(["GET"])
def fund_detail(request, pk):
    return _fund_page(request, selectors.get_fund(request.user, pk))


@login_required
@require_POST
def entry_add(request, pk):
    user = request.user
    fund = selectors.get_fund(user, pk)
    kinds = _entry_kinds(user)
    if not kinds:
        raise PermissionDenied
    form = EntryForm(kinds, request.POST)
    form.is_valid()
    d = form.cleaned_data
    try:
        services.add_entry(actor(request), fund, request.POST.get("kind", ""), d.get("category") or "",
                           d.get("amount"), d.get("on"), d.get("note", ""))
    except Forbidden as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        apply_service_error(form, exc)
        return _fund_page(request, selectors.get_fund(user, pk), form, status=exc.status)
    messages.success(request, _("已记账"))
    return redirect("facilities:fund_detail", pk=fund.pk)
