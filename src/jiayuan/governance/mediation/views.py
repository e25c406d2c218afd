"""Pages of people's mediation (namespace ``governance``, under ``/governance/mediation/``):
the list, opening a case, the case's mediation page (mediators, sessions, agreement,
follow-up, police report), the printable 调解协议书, results, committees, and the
police's reports. The case's timeline and its other steps (调解不成, 终止) are on the
case page (``/cases/<number>/``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...cases.forms import new_request_key
from ...cases.selectors import decl_of
from ...errors import NotFound, ServiceError
from ...regions.models import Region
from ...web.shortcuts import actor, apply_service_error, error_page, paginate, perm_required
from ..regions import region_in_scope
from . import rules, selectors, services
from .forms import (AgreementForm, AssignForm, CommitteeForm, FollowUpForm, MemberForm, OpenForm, PoliceForm,
                    ResultsForm, SessionForm)


@perm_required(Perm.VIEW_MEDIATION)
def mediation_list(request):
    user = request.user
    qs = selectors.mediation_cases(user).select_related("region")
    state = request.GET.get("state", "")
    decl = decl_of(_type_id())
    if state in [s.code for s in decl.states]:
        qs = qs.filter(state=state)
    page_obj = paginate(request, qs)
    return render(request, "governance/mediation/list.html", {
        "page_obj": page_obj, "states": [(s.code, s.name) for s in decl.states], "state": state,
        "can_open": selectors.may_mediate(user),
        "can_manage": user.can(Perm.MANAGE_BODIES)})


def _type_id():
    from ...cases.services import current_type

    return current_type(selectors.TYPE)


@login_required
@require_http_methods(["GET", "POST"])
def mediation_new(request):
    user = request.user
    if not (user.can(Perm.VIEW_MEDIATION) and selectors.may_mediate(user)):
        raise PermissionDenied
    if request.method == "GET":
        initial = {"request_key": new_request_key(), "start_mode": "application"}
        if user.scope_id and len(user.scope_id) == 12:
            initial["region"] = user.scope_id
        return render(request, "governance/mediation/new.html", {"form": OpenForm(user, initial=initial)})
    form = OpenForm(user, request.POST)
    if form.is_valid():
        try:
            case = services.open_mediation(actor(request), form.payload(), request_key=form.cleaned_data["request_key"])
        except ServiceError as exc:
            apply_service_error(form, exc, OpenForm.FIELD_MAP)
        else:
            messages.success(request, _("已受理登记，编号 %(number)s") % {"number": case.number})
            return redirect("governance:mediation_detail", number=case.number)
    return render(request, "governance/mediation/new.html", {"form": form}, status=422)


def _context(request, view, forms=None):
    user = request.user
    case = view.case
    decl = decl_of(case.case_type_id)
    forms = forms or {}
    members = list(selectors.members_of(view.file.committee)) if view.file else []
    return {
        "v": view, "case": case, "state_name": decl.state(case.state).name,
        "category_name": rules.CATEGORIES.get(case.category, ""),
        "start_mode_name": rules.START_MODES.get(case.data.get("start_mode", ""), ""),
        "parties": [{**p, "role_name": rules.PARTY_ROLES.get(p.get("role"), ""),
                     "stance_name": rules.STANCES.get(p.get("stance"), "")} for p in case.data.get("parties", [])],
        "performance_names": rules.PERFORMANCE,
        "can_act": selectors.may_mediate(user) and case.is_open,
        "assign_form": forms.get("assign") or AssignForm(members),
        "session_form": forms.get("session") or SessionForm(initial={"held_on": timezone.localdate()}),
        "agreement_form": forms.get("agreement") or AgreementForm(initial={
            "signed_on": timezone.localdate(), "facts_and_issues": case.description}),
        "followup_form": forms.get("followup") or FollowUpForm(initial={"visited_on": timezone.localdate()}),
        "police_form": forms.get("police") or PoliceForm(list(selectors.police_departments(case))),
        "today": timezone.localdate(),
    }


@perm_required(Perm.VIEW_MEDIATION)
def mediation_detail(request, number: str):
    view = selectors.mediation_view(request.user, number)
    return render(request, "governance/mediation/detail.html", _context(request, view))


@perm_required(Perm.VIEW_MEDIATION)
@require_POST
def mediation_act(request, number: str, step: str):
    user = request.user
    view = selectors.mediation_view(user, number)
    case = view.case
    members = list(selectors.members_of(view.file.committee)) if view.file else []
    a = actor(request)
    forms = {"assign": AssignForm(members, request.POST), "session": SessionForm(request.POST),
             "agreement": AgreementForm(request.POST), "followup": FollowUpForm(request.POST),
             "police": PoliceForm(list(selectors.police_departments(case)), request.POST)}
    if step not in forms:
        raise Http404
    form = forms[step]
    if form.is_valid():
        d = form.cleaned_data
        try:
            if step == "assign":
                services.assign_mediators(a, case, [int(i) for i in d["mediators"]])
                done = _("已指派调解员")
            elif step == "session":
                services.record_session(a, case, held_on=d["held_on"], place=d["place"], attendees=d["attendees"],
                                        record_text=d["record"])
                done = _("已记录调解过程")
            elif step == "agreement":
                services.record_agreement(a, case, facts_and_issues=d["facts_and_issues"], terms=d["terms"],
                                          performance_manner=d["performance_manner"],
                                          performance_deadline=d["performance_deadline"], signed_on=d["signed_on"])
                done = _("已记录调解协议")
            elif step == "followup":
                services.record_followup(a, case, visited_on=d["visited_on"], performance=d["performance"],
                                         note=d["note"], close=d["close"])
                done = _("已记录回访")
            else:
                services.report_police(a, case, department_id=int(d["department"] or 0), risk=d["risk"])
                done = _("已报告公安机关")
        except ServiceError as exc:
            if exc.status in (403,):
                return error_page(request, exc)
            apply_service_error(form, exc, getattr(form, "FIELD_MAP", {}))
        else:
            messages.success(request, done)
            return redirect("governance:mediation_detail", number=case.number)
    view = selectors.mediation_view(user, number)
    return render(request, "governance/mediation/detail.html", _context(request, view, {step: form}), status=422)


@perm_required(Perm.VIEW_MEDIATION)
def agreement_print(request, number: str):
    """The printable 调解协议书 (人民调解法 art. 29): parties, facts and issues, terms,
    manner and deadline of performance, the signature lines of the parties and
    mediators, and the committee's seal line."""
    view = selectors.mediation_view(request.user, number)
    if view.agreement is None:
        raise NotFound("agreement.not_found")
    return render(request, "governance/mediation/agreement_print.html", {
        "v": view, "a": view.agreement, "case": view.case,
        "parties": [{**p, "role_name": rules.PARTY_ROLES.get(p.get("role"), "")} for p in view.case.data["parties"]],
        "category_name": rules.CATEGORIES.get(view.case.category, "")})


@perm_required(Perm.VIEW_MEDIATION)
def mediation_results(request):
    user = request.user
    form = ResultsForm(user, request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    end = d.get("end") or timezone.localdate()
    start = d.get("start") or end.replace(month=1, day=1)
    region = region_in_scope(user, request.GET.get("region", ""))
    if not form.is_bound:
        form = ResultsForm(user, initial={"region": region.code, "start": start, "end": end})
    res = selectors.results(user, region, start, end)
    return render(request, "governance/mediation/results.html", {
        "form": form, "region": region, "start": start, "end": end, "res": res,
        "rows": [{**r, "name": rules.CATEGORIES.get(r["code"], r["code"])} for r in res["rows"]]})


@perm_required(Perm.VIEW_MEDIATION)
@require_http_methods(["GET", "POST"])
def committees(request):
    user = request.user
    form = CommitteeForm(user, request.POST or None)
    if request.method == "POST":
        if not user.can(Perm.MANAGE_BODIES):
            raise PermissionDenied
        if form.is_valid():
            region = Region.objects.filter(code=form.cleaned_data["region"] or "-").first()
            try:
                if region is None:
                    raise NotFound("region.not_found")
                body = services.create_committee(actor(request), region, name=form.cleaned_data["name"],
                                                 established_on=form.cleaned_data["established_on"])
            except ServiceError as exc:
                apply_service_error(form, exc, CommitteeForm.FIELD_MAP)
            else:
                messages.success(request, _("已登记人民调解委员会"))
                return redirect("governance:committee_detail", pk=body.pk)
    return render(request, "governance/mediation/committees.html", {
        "committees": selectors.committees(user), "form": form, "can_manage": user.can(Perm.MANAGE_BODIES),
        "lo": rules.COMMITTEE_MIN, "hi": rules.COMMITTEE_MAX}, status=422 if request.method == "POST" else 200)


@perm_required(Perm.VIEW_MEDIATION)
@require_http_methods(["GET", "POST"])
def committee_detail(request, pk: int):
    user = request.user
    body = selectors.get_committee(user, pk)
    accounts = list(selectors.member_accounts(user, body))
    form = MemberForm(accounts, request.POST or None)
    if request.method == "POST":
        if not user.can(Perm.MANAGE_BODIES):
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            account = next((a for a in accounts if str(a.pk) == d["user"]), None)
            try:
                services.add_member(actor(request), body, name=d["name"], role=d["role"], phone=d["phone"],
                                    user=account)
            except ServiceError as exc:
                apply_service_error(form, exc, MemberForm.FIELD_MAP)
            else:
                messages.success(request, _("已添加委员"))
                return redirect("governance:committee_detail", pk=body.pk)
    members = list(selectors.members_of(body))
    return render(request, "governance/mediation/committee_detail.html", {
        "body": body, "members": members, "form": form, "can_manage": user.can(Perm.MANAGE_BODIES),
        "size_problem": bool(rules.check_committee_size(len(members))), "lo": rules.COMMITTEE_MIN,
        "hi": rules.COMMITTEE_MAX}, status=422 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def police_reports(request):
    """报告公安机关的纠纷: the reports to the user's police department (department staff)
    or of the cases the user reads; department staff sign for them."""
    user = request.user
    if not (user.role == "department_staff" or user.can(Perm.VIEW_MEDIATION)):
        raise PermissionDenied
    if request.method == "POST":
        rep = selectors.get_police_report(user, request.POST.get("report"))
        services.receive_police_report(actor(request), rep)
        messages.success(request, _("已签收"))
        return redirect("governance:police_reports")
    return render(request, "governance/mediation/police_reports.html", {
        "reports": paginate(request, selectors.police_reports_for(user)),
        "is_police": user.role == "department_staff"})
