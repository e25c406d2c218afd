"""Pages of education activities (namespace ``governance``): the list with participation
for a region and period, recording an activity, and an activity's page where
volunteers' hours are recorded against it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...accounts.permissions import Perm
from ...errors import NotFound, ServiceError
from ...facilities.selectors.facilities import facilities_for
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
    return render(request, "governance/activities/list.html", {
        "filt": filt, "form": form, "region": region, "start": start, "end": end,
        "part": selectors.participation(user, region, start, end), "page": paginate(request, qs)},
        status=422 if request.method == "POST" else 200)


@perm_required(Perm.MANAGE_ACTIVITIES)
@require_http_methods(["GET", "POST"])
def activity_detail(request, pk: int):
    """An activity, its named participants, and the volunteers' service recorded for it."""
    user = request.user
    activity = selectors.get_activity(user, pk)
    volunteers = volunteer_selectors.volunteers_for(user).filter(active=True).order_by("team_id", "person__name")[:300]
    form = ServiceForm(volunteers, request.POST or None,
                       initial={"served_on": activity.held_on, "content": activity.title, "evaluation": "good"})
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
    services_ = activity.services.select_related("volunteer__person", "confirmed_by").order_by("id")
    return render(request, "governance/activities/detail.html", {
        "activity": activity, "participants": list(activity.participants.order_by("name")[:200]),
        "services": services_, "form": form}, status=422 if request.method == "POST" else 200)
