"""Pages of volunteers (namespace ``governance``): teams and registration by real name,
a volunteer's records (every read audited), hours to confirm, and the printable record
of service (志愿服务记录证明)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...errors import Forbidden, NotFound, ServiceError
from ...regions.models import Region
from ...web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from ..activities.forms import RegisterForm, ServiceForm, TeamForm
from ..forms import RegionPeriodForm
from ..regions import region_in_scope
from . import selectors, services


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_http_methods(["GET", "POST"])
def volunteer_list(request):
    """志愿者: the teams in scope, the volunteers with their confirmed hours, forms to
    add a team and to register a volunteer by real name."""
    user = request.user
    teams = list(selectors.teams_for(user).order_by("region_id", "name")[:200])
    step = request.POST.get("step")
    team_form = TeamForm(user, request.POST if step == "team" else None)
    reg_form = RegisterForm(teams, request.POST if step == "register" else None,
                            initial={"registered_on": timezone.localdate()})
    if request.method == "POST":
        if step == "team" and team_form.is_valid():
            c = team_form.cleaned_data
            try:
                services.create_team(actor(request), Region.objects.filter(code=c["region"] or "-").first(), c["name"])
            except ServiceError as exc:
                apply_service_error(team_form, exc, TeamForm.FIELD_MAP)
            else:
                messages.success(request, _("已登记志愿服务队"))
                return redirect("governance:volunteer_list")
        elif step == "register" and reg_form.is_valid():
            c = reg_form.cleaned_data
            try:
                team = selectors.get_team(user, c["team"] or 0)
                v = services.register_volunteer(actor(request), team, c["id_number"],
                                                registered_on=c["registered_on"], skills=c["skills"])
            except ServiceError as exc:
                apply_service_error(reg_form, exc, RegisterForm.FIELD_MAP)
            else:
                messages.success(request, _("已实名注册"))
                return redirect("governance:volunteer_detail", pk=v.pk)
    qs = selectors.volunteers_for(user).order_by("team__region_id", "team__name", "person__name")
    today = timezone.localdate()
    export_form = RegionPeriodForm(user, initial={"start": today.replace(month=1, day=1), "end": today})
    return render(request, "governance/volunteers/list.html", {
        "teams": teams, "page": paginate(request, qs), "team_form": team_form, "reg_form": reg_form,
        "waiting": selectors.to_confirm(user).count(), "export_form": export_form,
        "can_export": user.can(Perm.EXPORT)}, status=422 if request.method == "POST" else 200)


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_GET
def service_export(request):
    """The service records of a region's teams in a period (default: the scope, this
    year) as an xlsx workbook (Chinese file name; ``export``; audited)."""
    from ..exports import xlsx_response

    user = request.user
    form = RegionPeriodForm(user, request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    end = d.get("end") or timezone.localdate()
    start = d.get("start") or end.replace(month=1, day=1)
    try:
        return xlsx_response(services.export_services(actor(request), region_in_scope(user, d.get("region", "")),
                                                      start, end))
    except Forbidden:
        raise PermissionDenied from None


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_http_methods(["GET", "POST"])
def volunteer_detail(request, pk: int):
    """A volunteer's records (personal information: the read is audited), a service
    outside an activity, and the record of service issued on request."""
    user = request.user
    volunteer = selectors.get_volunteer(user, pk)
    form = ServiceForm(None, request.POST if request.POST.get("step") == "service" else None,
                       initial={"served_on": timezone.localdate(), "evaluation": "good"})
    if request.method == "POST":
        if request.POST.get("step") == "certificate":
            try:
                cert = services.issue_certificate(actor(request), volunteer)
            except ServiceError as exc:
                return error_page(request, exc)
            return redirect("governance:certificate_print", pk=cert.pk)
        if form.is_valid():
            c = form.cleaned_data
            try:
                services.record_service(actor(request), volunteer, served_on=c["served_on"], content=c["content"],
                                        hours=c["hours"], evaluation=c["evaluation"])
            except ServiceError as exc:
                apply_service_error(form, exc, ServiceForm.FIELD_MAP)
            else:
                messages.success(request, _("已登记服务时长，待组织者确认"))
                return redirect("governance:volunteer_detail", pk=volunteer.pk)
    file = services.read_volunteer(actor(request), volunteer)
    return render(request, "governance/volunteers/detail.html", {"file": file, "v": volunteer, "form": form},
                  status=422 if request.method == "POST" else 200)


@perm_required(Perm.MANAGE_ACTIVITIES)
def confirm_list(request):
    """Service records waiting for confirmation by someone other than the recorder."""
    return render(request, "governance/volunteers/confirm.html",
                  {"page": paginate(request, selectors.to_confirm(request.user))})


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_POST
def confirm_service(request, pk: int):
    try:
        services.confirm_service(actor(request), selectors.get_record(request.user, pk))
    except NotFound:
        raise
    except ServiceError as exc:
        return error_page(request, exc)
    messages.success(request, _("已确认"))
    return redirect("governance:confirm_list")


@perm_required(Perm.MANAGE_ACTIVITIES)
def certificate_print(request, pk: int):
    """志愿服务记录证明, printable (audited read)."""
    cert = services.read_certificate(actor(request), selectors.get_certificate(request.user, pk))
    return render(request, "governance/volunteers/certificate.html", {"cert": cert, "v": cert.volunteer})
