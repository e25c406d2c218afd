"""Pages of access requests (namespace ``governance``, under ``/governance/requests/``):
a department asks a community for a task, meeting, activity, report or inspection; the
access list decides at once (on the list: accepted; negative list: refused) or the
street approves or refuses it with the reason; the burden per community by month and
its trend for any region. Writes go through the service center's services
(``assign_community_task``, ``decide_community_task``)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ...accounts.permissions import Perm
from ...errors import NotFound, ServiceError
from ...regions.models import Region
from ...servicecenter import services as sc_services
from ...servicecenter.models import CommunityTask
from ...web.shortcuts import actor, apply_service_error, paginate
from ..regions import region_in_scope
from . import selectors
from .forms import BurdenForm, DecisionForm, RequestForm


READERS = (Perm.ASSIGN_COMMUNITY_TASKS, Perm.APPROVE_COMMUNITY_TASKS, Perm.ISSUE_CERTIFICATES, Perm.SUPERVISE_CASES)


def _may_read(user) -> bool:
    """Departments (who ask), streets (who decide), communities (who are asked), counties
    and the city (who supervise) — the same roles the menu offers the page to."""
    return user.is_authenticated and any(user.can(p) for p in READERS)


@login_required
def request_list(request):
    user = request.user
    if not _may_read(user):
        raise PermissionDenied
    qs = selectors.requests_for(user)
    status = request.GET.get("status", "")
    if status in CommunityTask.Status.values:
        qs = qs.filter(status=status)
    return render(request, "governance/access/list.html", {
        "page_obj": paginate(request, qs), "statuses": CommunityTask.Status.choices, "status": status,
        "can_request": user.can(Perm.ASSIGN_COMMUNITY_TASKS), "is_dept": user.role == "department_staff",
        "waiting": selectors.waiting_for_street(user).count()})


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    user = request.user
    if not user.can(Perm.ASSIGN_COMMUNITY_TASKS):
        raise PermissionDenied
    form = RequestForm(user, request.POST or None, initial={"occurs_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        community = Region.objects.filter(code=d["community"] or "-", code__startswith=user.scope_code).first()
        try:
            if community is None:
                raise NotFound("region.not_found")
            task = sc_services.assign_community_task(actor(request), community, title=d["title"], kind=d["kind"],
                                                     occurs_on=d["occurs_on"] or timezone.localdate(),
                                                     access_item=d["access_item"], note=d["note"])
        except ServiceError as exc:
            apply_service_error(form, exc, RequestForm.FIELD_MAP)
        else:
            messages.success(request, _("已提交：%(status)s") % {"status": task.get_status_display()})
            return redirect("governance:request_detail", pk=task.pk)
    return render(request, "governance/access/new.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request, pk: int):
    user = request.user
    if not _may_read(user):
        raise PermissionDenied
    task = selectors.get_request(user, pk)
    form = DecisionForm(request.POST or None)
    may_decide = user.can(Perm.APPROVE_COMMUNITY_TASKS) and task.status == CommunityTask.Status.PENDING
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form.is_valid():
            approve = request.POST.get("decision") == "approve"
            try:
                sc_services.decide_community_task(actor(request), task, approve, form.cleaned_data["note"])
            except NotFound:
                raise
            except ServiceError as exc:
                apply_service_error(form, exc, {"note": "note"})
            else:
                messages.success(request, _("已批准") if approve else _("已不予批准"))
                return redirect("governance:request_detail", pk=task.pk)
    return render(request, "governance/access/detail.html", {"t": task, "form": form, "may_decide": may_decide},
                  status=422 if request.method == "POST" else 200)


@login_required
def burden(request):
    """社区负担：the monthly tally per community and the trend over six months."""
    user = request.user
    if not _may_read(user) or user.role == "department_staff":
        raise PermissionDenied
    form = BurdenForm(user, request.GET or None)
    region = region_in_scope(user, request.GET.get("region", ""))
    try:
        last = datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        last = timezone.localdate().replace(day=1)
    if not form.is_bound:
        form = BurdenForm(user, initial={"region": region.code, "month": last.strftime("%Y-%m")})
    data = selectors.burden(user, region, last)
    return render(request, "governance/access/burden.html", {
        "form": form, "region": region, "b": data, "kinds": CommunityTask.Kind.choices})
