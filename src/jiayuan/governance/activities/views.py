"""Pages of education activities (namespace ``governance``): the list with participation
for a region and period, recording an activity, and an activity's page where
volunteers' hours are recorded against it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...errors import Forbidden, NotFound, ServiceError
from ...facilities.selectors.facilities import facilities_for
from ...people.selectors import persons_for
from ...regions.models import Region
from ...web.shortcuts import actor, apply_service_error, paginate, perm_required
from ..forms import RegionPeriodForm
from ..regions import region_in_scope
from ..volunteers import selectors as volunteer_selectors
from ..volunteers import services as volunteer_services
from . import selectors, services
from .forms import ActivityForm, ServiceForm


def _activity_form(user, data=None):
    facilities = facilities_for(user).select_related("region").order_by("region_id", "name")[:200]
    return ActivityForm(user, selectors.kinds(), facilities, data)


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_http_methods(["GET", "POST"])
def activity_list(request):
    """教育活动: participation per kind for a region and period, the activities, and
    the form to record one."""
    user = request.user
    filt = RegionPeriodForm(user, request.GET or None)
    d = filt.cleaned_data if filt.is_valid() else {}
    end = d.get("end") or timezone.localdate()
    start = d.get("start") or end.replace(month=1, day=1)
    region = region_in_scope(user, request.GET.get("region", ""))
    if not filt.is_bound:
        filt = RegionPeriodForm(user, initial={"region": region.code, "start": start, "end": end})
    form = _activity_form(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        target = Region.objects.filter(code=c["region"] or "-").first()
        kind = selectors.kinds().filter(code=c["kind"] or "-").first()
        facility = facilities_for(user).filter(pk=c["facility"]).first() if (c["facility"] or "").isdigit() else None
        try:
            if kind is None:
                raise NotFound("activity.kind")
            a = services.create_activity(actor(request), target, kind, title=c["title"], held_on=c["held_on"],
                                         organizer_name=c["organizer_name"], organizer_kind=c["organizer_kind"],
                                         facility=facility, place=c["place"], speakers=c["speakers"],
                                         participant_count=c["participant_count"])
        except ServiceError as exc:
            apply_service_error(form, exc, ActivityForm.FIELD_MAP)
        else:
            messages.success(request, _("已登记活动"))
            return redirect("governance:activity_detail", pk=a.pk)
    qs = selectors.activities_for(user).filter(region__code__startswith=region.code, held_on__range=(start, end))
    if request.GET.get("format") == "xlsx":
        from ..exports import xlsx_response

        try:
            return xlsx_response(services.export_activities(actor(request), region, start, end))
        except Forbidden:
            raise PermissionDenied from None
    return render(request, "governance/activities/list.html", {
        "filt": filt, "form": form, "region": region, "start": start, "end": end,
        "can_export": user.can(Perm.EXPORT), "query": request.GET.urlencode(),
        "part": selectors.participation(user, region, start, end), "page": paginate(request, qs)},
        status=422 if request.method == "POST" else 200)


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_http_methods(["GET", "POST"])
def activity_detail(request, pk: int):
    """An activity, its named participants, and the volunteers' service recorded for it."""
    user = request.user
    activity = selectors.get_activity(user, pk)
    form = _service_form(user, activity, request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            v = volunteer_selectors.get_volunteer(user, c["volunteer"] or 0)
            volunteer_services.record_service(actor(request), v, served_on=c["served_on"], content=c["content"],
                                              hours=c["hours"], evaluation=c["evaluation"], activity=activity)
        except ServiceError as exc:
            apply_service_error(form, exc, ServiceForm.FIELD_MAP)
        else:
            messages.success(request, _("已登记服务时长，待组织者确认"))
            return redirect("governance:activity_detail", pk=activity.pk)
    return _detail(request, activity, form, status=422 if request.method == "POST" else 200)


def _service_form(user, activity, data=None) -> ServiceForm:
    volunteers = volunteer_selectors.volunteers_for(user).filter(active=True).order_by("team_id", "person__name")[:300]
    return ServiceForm(volunteers, data,
                       initial={"served_on": activity.held_on, "content": activity.title, "evaluation": "good"})


def _detail(request, activity, form=None, *, status=200, participant_errors=(), photo_errors=(), chosen=()):
    form = form or _service_form(request.user, activity)
    services_ = activity.services.select_related("volunteer__person", "confirmed_by").order_by("id")
    return render(request, "governance/activities/detail.html", {
        "activity": activity, "participants": list(activity.participants.order_by("name")[:200]),
        "services": services_, "form": form, "photos": list(selectors.photos_of(activity)),
        "participant_errors": participant_errors, "photo_errors": photo_errors, "chosen": chosen,
        "max_photos": services.MAX_PHOTOS_AT_ONCE}, status=status)


def _errors(exc: ServiceError, field: str) -> list[str]:
    fields = getattr(exc, "fields", None) or {}
    return [e["message"] for e in fields.get(field, [])] or [exc.message]


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_POST
def activity_participants(request, pk: int):
    """Name participants from the registry (the shared person picker) or remove one."""
    activity = selectors.get_activity(request.user, pk)
    add = [int(x) for x in request.POST.getlist("persons") if x.isdigit() and len(x) < 19]
    remove = [int(x) for x in request.POST.getlist("remove") if x.isdigit() and len(x) < 19]
    try:
        services.name_participants(actor(request), activity, add=add, remove=remove)
    except ServiceError as exc:
        chosen = list(persons_for(request.user).filter(pk__in=add))
        return _detail(request, activity, status=422, participant_errors=_errors(exc, "participants"), chosen=chosen)
    messages.success(request, _("已更新参加居民"))
    return redirect("governance:activity_detail", pk=activity.pk)


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_POST
def activity_photos(request, pk: int):
    """Upload photos of the activity (checked images, all or none)."""
    activity = selectors.get_activity(request.user, pk)
    try:
        stored = services.add_photos(actor(request), activity, request.FILES.getlist("photos"))
    except ServiceError as exc:
        return _detail(request, activity, status=422, photo_errors=_errors(exc, "photos"))
    messages.success(request, ngettext("已上传 %(n)s 张照片", "已上传 %(n)s 张照片", len(stored)) % {"n": len(stored)})
    return redirect("governance:activity_detail", pk=activity.pk)


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_GET
def activity_photo(request, pk: int, photo_pk: int):
    """A photo of an activity, for who reads the activity (404 otherwise)."""
    p = selectors.get_photo(request.user, pk, photo_pk)
    resp = FileResponse(p.file.open("rb"), content_type=p.content_type)
    resp["Cache-Control"] = "private, max-age=86400"
    return resp
