"""Pages of the organization registry: list (with export), register, detail with
inspections, ratings, staff and activities, edit; community organizations' filings;
incubation bases. Reads through the scoped selectors (out of scope: 404), writes
through the services (a refusal shown on the page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect as _redirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.models import User
from ...accounts.permissions import Perm
from ...errors import ServiceError
from ...imports.export import content_disposition
from ...web.shortcuts import actor, apply_service_error, paginate
from .. import selectors
from ..forms import (
    ActivityForm, AdmitForm, BaseForm, FilingForm, IncubationServiceForm, InspectionForm, MemberForm,
    OrganizationForm, RatingForm, ReleaseIncubationForm, StaffOrganizationForm, StatusForm, StepForm,
)
from ..models import FilingStatus, OrganizationKind, OrganizationStatus
from ..services import registry as services


def redirect(to, *args, **kwargs):
    """``redirect`` that also takes a (url name, arg…) tuple."""
    if isinstance(to, tuple):
        return _redirect(to[0], *to[1:])
    return _redirect(to, *args, **kwargs)


def can_see_registry(user) -> bool:
    return user.can(Perm.VIEW_ORGANIZATIONS) or user.can(Perm.ACT_FOR_ORGANIZATION)


def registry_required(view):
    def wrapper(request, *args, **kwargs):
        if not can_see_registry(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    return login_required(wrapper)


def _done(request, fn, ok: str, target):
    """Run ``fn()``; a ServiceError becomes an error message; then go to ``target``."""
    try:
        fn()
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect(target)


# --- list and export ---------------------------------------------------------------------------

@registry_required
@require_http_methods(["GET"])
def organization_list(request):
    """社会组织: every organization visible to the user, filtered by name/code, kind,
    status; org staff see only their own."""
    user = request.user
    q, kind, status = request.GET.get("q", "").strip(), request.GET.get("kind", ""), request.GET.get("status", "")
    qs = selectors.search_organizations(user, q=q, kind=kind if kind in OrganizationKind.values else "",
                                        status=status if status in OrganizationStatus.values else "")
    page_obj = paginate(request, qs)
    return render(request, "organizations/organization_list.html", {
        "page_obj": page_obj, "q": q, "kind": kind, "status": status, "kinds": OrganizationKind.choices,
        "statuses": OrganizationStatus.choices, "can_manage": user.can(Perm.MANAGE_ORGANIZATIONS),
        "can_export": user.can(Perm.EXPORT) and user.can(Perm.VIEW_ORGANIZATIONS),
        "filtered": bool(q or kind or status)})


@registry_required
@require_http_methods(["GET"])
def organization_export(request):
    """The list as an Excel workbook named 社会组织名录_<scope>_<date>.xlsx (audited by
    the service)."""
    try:
        data, name, fallback = services.export_organizations(actor(request))
    except ServiceError:
        raise PermissionDenied from None
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition(name, fallback)
    return response


# --- register, detail, edit --------------------------------------------------------------------

@registry_required
@require_http_methods(["GET", "POST"])
def organization_new(request):
    """登记社会组织 (managers): the code checked per GB 32100 and against the kind."""
    if not request.user.can(Perm.MANAGE_ORGANIZATIONS):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = OrganizationForm(request.POST, user=request.user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            try:
                org = services.create_organization(actor(request), data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已登记：%(name)s") % {"name": org.name})
                return redirect("organizations:organization_detail", pk=org.pk)
        else:
            status = 422
    else:
        form = OrganizationForm(initial={"region": request.user.scope_id or ""}, user=request.user)
    return render(request, "organizations/organization_form.html", {"form": form, "org": None}, status=status)


@registry_required
@require_http_methods(["GET"])
def organization_detail(request, pk):
    user = request.user
    org = selectors.get_organization(user, pk)
    manager = user.can(Perm.MANAGE_ORGANIZATIONS) and org.region_id.startswith(user.scope_code)
    member = selectors.is_member(user, org)
    today = timezone.localdate()
    return render(request, "organizations/organization_detail.html", {
        "org": org, "rating": selectors.current_rating(org), "ratings": org.ratings.all()[:10],
        "inspections": selectors.inspections_of(org)[:10], "members": selectors.members_of(org) if manager or member else [],
        "activities": org.activities.all()[:20], "filing": getattr(org, "filing", None),
        "incubations": org.incubations.select_related("base")[:10],
        "proposals": org.proposals.select_related("call")[:20], "projects": org.projects.all()[:20],
        "affiliates": org.affiliates.all()[:50] if org.is_federation else [],
        "manager": manager, "member": member, "can_activity": manager or member,
        "inspection_form": InspectionForm(initial={"year": today.year - 1, "concluded_on": today}),
        "rating_form": RatingForm(initial={"rated_on": today}), "status_form": StatusForm(initial={"status": org.status}),
        "activity_form": ActivityForm(initial={"held_on": today}), "member_form": MemberForm()})


@registry_required
@require_http_methods(["GET", "POST"])
def organization_edit(request, pk):
    """Edit: managers change every field; the organization's own staff its contact details."""
    user = request.user
    org = selectors.get_organization(user, pk)
    manager = user.can(Perm.MANAGE_ORGANIZATIONS) and org.region_id.startswith(user.scope_code)
    if not manager and not selectors.is_member(user, org):
        raise PermissionDenied
    form_class = OrganizationForm if manager else StaffOrganizationForm
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, user=user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.update_organization(actor(request), org, data, request.POST.get("version"))
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已保存"))
                return redirect("organizations:organization_detail", pk=org.pk)
        else:
            status = 422
    else:
        initial = {f: getattr(org, f) for f in form_class.base_fields}
        if "region" in initial:
            initial["region"] = org.region_id
        form = form_class(initial=initial, user=user)
    return render(request, "organizations/organization_form.html", {"form": form, "org": org}, status=status)


@registry_required
@require_POST
def organization_action(request, pk, action):
    """POST actions of the detail page: inspection, rating, status, activity, member."""
    user = request.user
    org = selectors.get_organization(user, pk)
    a = actor(request)
    target = ("organizations:organization_detail", org.pk)
    forms_by_action = {"inspection": InspectionForm, "rating": RatingForm, "status": StatusForm,
                       "activity": ActivityForm, "member": MemberForm}
    if action not in forms_by_action:
        raise PermissionDenied
    form = forms_by_action[action](request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{' '.join(v)}" if k in form.fields else " ".join(v)
                                          for k, v in form.errors.items()))
        return redirect(*target)
    d = form.cleaned_data
    if action == "inspection":
        return _done(request, lambda: services.record_inspection(a, org, **d), _("已登记年报年检"), target)
    if action == "rating":
        return _done(request, lambda: services.record_rating(a, org, **d), _("已登记评估等级"), target)
    if action == "status":
        return _done(request, lambda: services.change_status(a, org, d["status"], d["reason"]), _("状态已变更"), target)
    if action == "activity":
        return _done(request, lambda: services.record_activity(a, org, **d), _("已登记活动"), target)
    account = User.objects.filter(username=d["username"], scope__code__startswith=user.scope_code).first() \
        if not user.is_superuser else User.objects.filter(username=d["username"]).first()
    if account is None:
        messages.error(request, _("账号不存在或不在您的管辖范围内"))
        return redirect(*target)
    return _done(request, lambda: services.add_member(a, org, account, d["position"]), _("已关联组织人员"),
                 target)


# --- filings ----------------------------------------------------------------------------------

@registry_required
@require_http_methods(["GET"])
def filing_list(request):
    """社区社会组织备案: waiting for the user first, then all in scope."""
    user = request.user
    qs = selectors.filings_for(user).order_by("-filed_on", "-id")
    status = request.GET.get("status", "")
    if status in FilingStatus.values:
        qs = qs.filter(status=status)
    return render(request, "organizations/filing_list.html", {
        "waiting": selectors.filings_waiting(user)[:50], "page_obj": paginate(request, qs),
        "statuses": FilingStatus.choices, "status": status,
        "can_file": user.can(Perm.CHECK_FILINGS) or user.can(Perm.MANAGE_ORGANIZATIONS)})


@registry_required
@require_http_methods(["GET", "POST"])
def filing_new(request):
    """Take a community organization's filing (community workers)."""
    user = request.user
    if not (user.can(Perm.CHECK_FILINGS) or user.can(Perm.MANAGE_ORGANIZATIONS)):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = FilingForm(request.POST, user=user)
        if form.is_valid():
            try:
                filing = services.submit_filing(actor(request), **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已受理备案申请"))
                return redirect("organizations:filing_detail", pk=filing.pk)
        else:
            status = 422
    else:
        form = FilingForm(initial={"community": user.scope_id if user.scope and user.scope.level == "village" else ""},
                          user=user)
    return render(request, "organizations/filing_form.html", {"form": form}, status=status)


@registry_required
@require_http_methods(["GET", "POST"])
def filing_detail(request, pk):
    """A filing with its steps; the community's check or the street's decision."""
    user = request.user
    filing = selectors.get_filing(user, pk)
    if request.method == "POST":
        form = StepForm(request.POST)
        form.is_valid()
        d = form.cleaned_data
        yes = request.POST.get("decision") == "yes"
        if filing.status == FilingStatus.SUBMITTED:
            fn = lambda: services.check_filing(actor(request), filing, yes, d.get("note", ""))  # noqa: E731
        else:
            fn = lambda: services.decide_filing(actor(request), filing, yes, d.get("note", ""),  # noqa: E731
                                                d.get("filing_number", ""))
        return _done(request, fn, _("已办理"), ("organizations:filing_detail", filing.pk))
    can_check = filing.status == FilingStatus.SUBMITTED and user.can(Perm.CHECK_FILINGS)
    can_decide = filing.status == FilingStatus.CHECKED and user.can(Perm.DECIDE_FILINGS)
    return render(request, "organizations/filing_detail.html", {
        "filing": filing, "steps": filing.steps.select_related("actor"), "can_check": can_check,
        "can_decide": can_decide, "form": StepForm()})


# --- incubation ---------------------------------------------------------------------------------

@registry_required
@require_http_methods(["GET", "POST"])
def base_list(request):
    """孵化基地 and, for managers, the form to register one."""
    user = request.user
    manager = user.can(Perm.MANAGE_ORGANIZATIONS)
    form = BaseForm(initial={"region": user.scope_id or ""}, user=user)
    status = 200
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        form = BaseForm(request.POST, user=user)
        if form.is_valid():
            try:
                base = services.create_base(actor(request), **form.cleaned_data)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                return redirect("organizations:base_detail", pk=base.pk)
        else:
            status = 422
    return render(request, "organizations/base_list.html", {
        "bases": selectors.bases_for(user).order_by("region_id", "name"), "form": form, "manager": manager},
        status=status)


@registry_required
@require_http_methods(["GET", "POST"])
def base_detail(request, pk):
    """A base: organizations incubated (entry, exit, services given); admit, give a
    service, release."""
    user = request.user
    base = selectors.get_base(user, pk)
    manager = user.can(Perm.MANAGE_ORGANIZATIONS) and base.region_id.startswith(user.scope_code)
    orgs = selectors.organizations_for(user).filter(status="active").order_by("name")
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        a, target, what = actor(request), ("organizations:base_detail", base.pk), request.POST.get("action")
        if what == "admit":
            form = AdmitForm(request.POST, organizations=orgs)
            if form.is_valid():
                return _done(request, lambda: services.admit(a, base, **form.cleaned_data), _("已入驻"), target)
        else:
            inc = selectors.get_incubation(user, request.POST.get("incubation"))
            if what == "service":
                form = IncubationServiceForm(request.POST)
                if form.is_valid():
                    return _done(request, lambda: services.record_incubation_service(a, inc, **form.cleaned_data),
                                 _("已登记孵化服务"), target)
            else:
                form = ReleaseIncubationForm(request.POST)
                if form.is_valid():
                    return _done(request, lambda: services.release(a, inc, **form.cleaned_data), _("已出壳"), target)
        messages.error(request, _("请检查填写的内容"))
        return redirect(*target)
    today = timezone.localdate()
    incubations = list(selectors.incubations_of(base))
    for inc in incubations:
        inc.service_list = list(inc.services.all()[:20])
        inc.hidden_service = [("action", "service"), ("incubation", inc.pk)]
        inc.hidden_release = [("action", "release"), ("incubation", inc.pk)]
    return render(request, "organizations/base_detail.html", {
        "base": base, "incubations": incubations, "manager": manager, "admit_hidden": [("action", "admit")],
        "admit_form": AdmitForm(organizations=orgs, initial={"entered_on": today}),
        "service_form": IncubationServiceForm(initial={"provided_on": today}),
        "release_form": ReleaseIncubationForm(initial={"exited_on": today})})


__all__ = ["organization_list", "organization_export", "organization_new", "organization_detail",
           "organization_edit", "organization_action", "filing_list", "filing_new", "filing_detail", "base_list",
           "base_detail"]
