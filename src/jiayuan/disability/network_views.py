"""Pages of the disability service network (``/disability/network/``): organizations per
level with coverage of villages and communities for a region, members and roles; and
recording a service delivered to a person (``/disability/services/new/``). Roles with
``manage_disability``; scope through :mod:`.selectors`."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ..accounts.permissions import Perm
from ..errors import NotFound, ServiceError
from ..people import selectors as people_selectors
from ..web.shortcuts import actor, apply_service_error, perm_required
from . import selectors, services
from .models import NetworkLevel, NetworkRole, ServiceKind

TEXT = {"class": "form-control"}
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class NetworkForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("层级"), choices=NetworkLevel.choices,
                              widget=forms.Select(attrs={"class": "form-select"}))
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    region = forms.CharField(label=gettext_lazy("区划代码"), max_length=12, widget=forms.TextInput(attrs=TEXT))
    founded_on = forms.DateField(label=gettext_lazy("成立日期"), widget=DATE)


class MemberForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50, widget=forms.TextInput(attrs=TEXT))
    role = forms.ChoiceField(label=gettext_lazy("职务"), choices=NetworkRole.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    phone = forms.CharField(label=gettext_lazy("联系电话"), required=False, max_length=30,
                            widget=forms.TextInput(attrs=TEXT))
    since = forms.DateField(label=gettext_lazy("任职日期"), widget=DATE)


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("服务类别"), choices=ServiceKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    provided_on = forms.DateField(label=gettext_lazy("服务日期"), widget=DATE)
    provider = forms.ChoiceField(label=gettext_lazy("服务提供方"), required=False,
                                 widget=forms.Select(attrs={"class": "form-select"}))
    description = forms.CharField(label=gettext_lazy("服务内容"), max_length=500,
                                  widget=forms.Textarea(attrs={**TEXT, "rows": 3}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "—")] + [(o.pk, o.name) for o in selectors.network_for(user)[:500]]


@perm_required(Perm.MANAGE_DISABILITY)
@require_http_methods(["GET", "POST"])
def network_list(request):
    """Organizations of the network in scope (or under ``?region=``) by level, the
    coverage of villages and communities with a 残协 and a 助残小组, and registering one."""
    user = request.user
    region = request.GET.get("region", "").strip() or user.scope_code
    if not region.startswith(user.scope_code):
        raise NotFound("region.not_found")
    status = 200
    form = NetworkForm(request.POST or None, initial={"founded_on": timezone.localdate(), "region": region})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                org = services.register_network_organization(actor(request), level=d["level"], name=d["name"],
                                                             region_code=d["region"], founded_on=d["founded_on"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已登记"))
                return redirect("disability:network_detail", pk=org.pk)
        else:
            status = 422
    orgs = selectors.network_for(user).filter(region__code__startswith=region)
    by_level = [{"level": label, "orgs": [o for o in orgs if o.level == code]} for code, label in NetworkLevel.choices]
    return render(request, "disability/network_list.html", {
        "coverage": selectors.coverage(region), "region": region, "by_level": by_level, "form": form}, status=status)


@perm_required(Perm.MANAGE_DISABILITY)
@require_http_methods(["GET", "POST"])
def network_detail(request, pk):
    org = selectors.get_network_organization(request.user, pk)
    status = 200
    form = MemberForm(request.POST or None, initial={"since": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.add_network_member(actor(request), org, name=d["name"], role=d["role"], since=d["since"],
                                            phone=d["phone"])
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已添加成员"))
                return redirect("disability:network_detail", pk=org.pk)
        else:
            status = 422
    return render(request, "disability/network_detail.html", {
        "org": org, "members": selectors.network_members(org), "form": form,
        "services": selectors.services_by(request.user, org)}, status=status)


@perm_required(Perm.MANAGE_DISABILITY)
@require_http_methods(["GET", "POST"])
def service_new(request):
    """Record a service delivered to ``?person=`` (a certificate holder in scope)."""
    user = request.user
    person = people_selectors.get_person(user, request.POST.get("person") or request.GET.get("person"))
    status = 200
    form = ServiceForm(user, request.POST or None, initial={"provided_on": timezone.localdate()})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.record_service(actor(request), person, kind=d["kind"], provided_on=d["provided_on"],
                                        description=d["description"], provider_id=d["provider"] or None)
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已记录助残服务"))
                return redirect("web:person_detail", pk=person.pk)
        else:
            status = 422
    return render(request, "disability/service_form.html", {"form": form, "person": person}, status=status)
