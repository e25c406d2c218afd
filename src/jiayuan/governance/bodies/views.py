"""Pages of self-governance bodies and compacts (namespace ``governance``): coverage of
each kind of body for a region, registering a body, compacts with their versions and
filing, and the public page of a community (no account needed)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.permissions import Perm, acting_roles
from ...errors import NotFound, ServiceError, ValidationFailed
from ...regions.models import Region
from ...web.shortcuts import actor, apply_service_error, perm_required
from ..models import BodyKind, CompactVersion
from ..mediation import selectors as mediation_selectors
from ..mediation import services as member_services
from ..mediation.forms import MemberForm
from ..regions import region_in_scope
from . import rules, selectors, services
from .forms import BodyForm, CompactForm, ElectionForm, RegionForm, VersionForm


@perm_required(Perm.MANAGE_BODIES)
@require_http_methods(["GET", "POST"])
def bodies(request):
    """自治组织: coverage of each kind for a region, the bodies in scope, registering one."""
    user = request.user
    region = region_in_scope(user, request.GET.get("region"))
    filt = RegionForm(user, initial={"region": region.code})
    form = BodyForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = Region.objects.filter(code=d["region"] or "-").first()
        kind = BodyKind.objects.filter(code=d["kind"] or "-").first()
        try:
            if target is None or kind is None:
                raise NotFound("region.not_found")
            services.create_body(actor(request), target, kind, name=d["name"], established_on=d["established_on"])
        except ServiceError as exc:
            apply_service_error(form, exc, BodyForm.FIELD_MAP)
        else:
            messages.success(request, _("已登记"))
            return redirect("governance:bodies")
    return render(request, "governance/bodies/bodies.html", {
        "filt": filt, "form": form, "region": region, "cov": selectors.coverage(user, region),
        "bodies": selectors.bodies_for(user).filter(region__code__startswith=region.code)[:300]},
        status=422 if request.method == "POST" else 200)


@perm_required(Perm.MANAGE_BODIES)
@require_http_methods(["GET", "POST"])
def body_detail(request, pk: int):
    """A body: its members (current and past terms) and, for the residents' or
    villagers' committee, its elections and the form to record one."""
    user = request.user
    body = selectors.get_body(user, pk)
    elected = body.kind.code in rules.COMMITTEE_KINDS
    form = ElectionForm(body.kind.code, request.POST or None) if elected else None
    if request.method == "POST":
        if form is None:
            raise NotFound("body.not_found")
        if form.is_valid():
            d = form.cleaned_data
            members, errors = rules.parse_elected(d["members"])
            try:
                if errors:
                    raise ValidationFailed.from_rule_errors(errors)
                services.record_election(actor(request), body, held_on=d["held_on"], method=d["method"],
                                         eligible=d["eligible"], cast=d["cast"], elected=members)
            except ServiceError as exc:
                apply_service_error(form, exc, ElectionForm.FIELD_MAP)
            else:
                messages.success(request, _("已登记换届选举"))
                return redirect("governance:body_detail", pk=body.pk)
    elections = [(e, _(rules.ALL_ELECTION_METHODS.get(e.method, e.method))) for e in selectors.elections_of(body)]
    return _body_page(request, body, form, elections=elections, status=422 if request.method == "POST" else 200)


def _body_page(request, body, form=None, *, member_form=None, elections=(), status=200):
    """The body's page: members of every term; the election form of an elected
    committee, or the form to add a member for the other kinds (治安保卫委员会,
    红白理事会, configured kinds; the mediation committee has its own page too)."""
    elected = body.kind.code in rules.COMMITTEE_KINDS
    if not elected and member_form is None:
        member_form = MemberForm(list(mediation_selectors.member_accounts(request.user, body)))
    return render(request, "governance/bodies/body_detail.html", {
        "body": body, "members": list(selectors.members_of(body)), "elections": elections, "form": form,
        "member_form": None if elected else member_form}, status=status)


@perm_required(Perm.MANAGE_BODIES)
@require_POST
def body_member_add(request, pk: int):
    """Add a member to a body that is not elected by the residents or villagers (name,
    position, phone, term, the member's account where they have one)."""
    body = selectors.get_body(request.user, pk)
    if body.kind.code in rules.COMMITTEE_KINDS:
        raise NotFound("body.not_found")  # members of an elected committee come from its election
    accounts = list(mediation_selectors.member_accounts(request.user, body))
    form = MemberForm(accounts, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        account = next((a for a in accounts if str(a.pk) == d["user"]), None)
        try:
            member_services.add_member(actor(request), body, name=d["name"], role=d["role"], phone=d["phone"],
                                       user=account, term_start=d["term_start"], term_end=d["term_end"])
        except ServiceError as exc:
            apply_service_error(form, exc, MemberForm.FIELD_MAP)
        else:
            messages.success(request, _("已添加成员"))
            return redirect("governance:body_detail", pk=body.pk)
    return _body_page(request, body, member_form=form, status=422)


@perm_required(Perm.MANAGE_BODIES)
@require_http_methods(["GET", "POST"])
def compacts(request):
    user = request.user
    form = CompactForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = Region.objects.filter(code=d["region"] or "-").first()
        try:
            if target is None:
                raise NotFound("region.not_found")
            c = services.create_compact(actor(request), target, d["kind"], d["title"])
        except ServiceError as exc:
            apply_service_error(form, exc, CompactForm.FIELD_MAP)
        else:
            return redirect("governance:compact_detail", pk=c.pk)
    rows = selectors.compacts_with_current(user)
    return render(request, "governance/bodies/compacts.html", {"rows": rows, "form": form},
                  status=422 if request.method == "POST" else 200)


@perm_required(Perm.MANAGE_BODIES)
@require_http_methods(["GET", "POST"])
def compact_detail(request, pk: int):
    user = request.user
    compact = selectors.get_compact(user, pk)
    form = VersionForm(compact.kind, request.POST if request.POST.get("step") == "version" else None,
                       initial={"adopted_on": timezone.localdate()})
    may_file = user.is_superuser or "township_officer" in acting_roles(user.role)
    if request.method == "POST":
        if request.POST.get("step") == "file":
            if not may_file:
                raise PermissionDenied
            version = CompactVersion.objects.filter(compact=compact, pk=request.POST.get("version") or 0).first()
            if version is None:
                raise NotFound("compact.not_found")
            try:
                services.file_version(actor(request), version)
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("已备案"))
            return redirect("governance:compact_detail", pk=compact.pk)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.add_version(actor(request), compact, text=d["text"], adopted_by=d["adopted_by"],
                                     adopted_on=d["adopted_on"])
            except ServiceError as exc:
                apply_service_error(form, exc, VersionForm.FIELD_MAP)
            else:
                messages.success(request, _("已登记新版本"))
                return redirect("governance:compact_detail", pk=compact.pk)
    return render(request, "governance/bodies/compact_detail.html", {
        "compact": compact, "versions": list(selectors.versions_of(compact)), "form": form, "may_file": may_file,
        "meetings": rules.ALL_MEETINGS}, status=422 if request.method == "POST" else 200)


def public_community(request, code: str):
    """The community's public page: its self-governance bodies and the current text of
    its compacts (no account needed)."""
    data = selectors.public_community(code)
    return render(request, "governance/bodies/public.html", {**data, "meetings": rules.ALL_MEETINGS})
