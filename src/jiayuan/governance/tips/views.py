"""Pages of confidential tips (namespace ``governance``, under ``/governance/tips/``).

Every page reads through :mod:`.selectors` (need-to-know: a tip outside what the user
may read is the 404 page, exactly like a tip that does not exist) and writes through
:mod:`.services`; content is decrypted only by ``services.reveal_tip``, which audits.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ...accounts.permissions import Perm
from ...cases.forms import new_request_key
from ...errors import ServiceError
from ...imports.export import content_disposition
from ...web.shortcuts import actor, apply_service_error, error_page, paginate
from . import export, rules, selectors, services
from .forms import CountsForm, DesignateForm, TipActionForm, TipForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _may_use(user) -> bool:
    return user.can(Perm.COLLECT_TIPS) or bool(selectors.handler_counties(user))


@login_required
def tip_list(request):
    """线索: a handler's tips of the county (number, category, place, state — the content
    only on the tip's page), and the tips the user collected with their state."""
    user = request.user
    if not _may_use(user):
        raise PermissionDenied
    handler = bool(selectors.handler_counties(user))
    page_obj = None
    if handler:
        state = request.GET.get("state", "")
        qs = selectors.handled_tips(user)
        if state in rules.STATE_NAMES:
            qs = qs.filter(state=state)
        page_obj = paginate(request, qs)
        services.record_list_read(actor(request), len(page_obj.object_list))
    mine = paginate(request, selectors.collected_tips(user)) if user.can(Perm.COLLECT_TIPS) else None
    return render(request, "governance/tips/list.html", {
        "handler": handler, "page_obj": page_obj, "mine": mine, "states": rules.STATE_NAMES,
        "state": request.GET.get("state", ""), "can_collect": user.can(Perm.COLLECT_TIPS),
        "can_count": selectors.may_view_counts(user), "can_designate": user.can(Perm.DESIGNATE_TIP_HANDLERS)})


@login_required
@require_http_methods(["GET", "POST"])
def tip_new(request):
    """登记线索. After saving, the collector is sent to the tip's status page."""
    user = request.user
    if not user.can(Perm.COLLECT_TIPS):
        raise PermissionDenied
    if request.method == "GET":
        form = TipForm(user, initial={"request_key": new_request_key(), "collected_on": timezone.localdate()})
        return render(request, "governance/tips/form.html", {"form": form})
    form = TipForm(user, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            tip = services.collect_tip(actor(request), region_code=d["region"], category=d["category"],
                                       content=d["content"], anonymous=d["anonymous"],
                                       informant_name=d["informant_name"], informant_contact=d["informant_contact"],
                                       collected_on=d["collected_on"], request_key=d["request_key"])
        except ServiceError as exc:
            apply_service_error(form, exc, TipForm.FIELD_MAP)
        else:
            messages.success(request, _("线索已登记，编号 %(number)s。内容已加密，仅县（区）指定承办人可以查看。") % {
                "number": tip.number})
            return redirect("governance:tip_status", pk=tip.pk)
    return render(request, "governance/tips/form.html", {"form": form}, status=422)


@login_required
def tip_status(request, pk: int):
    """The status of a tip: its collector (or a handler). Nothing of the content."""
    tip = selectors.get_tip_status(request.user, pk)
    status = services.read_status(actor(request), tip)
    return render(request, "governance/tips/status.html", {
        "tip": tip, "status": status, "state_name": _(rules.STATE_NAMES[tip.state]),
        "handler": selectors.is_handler_of(request.user, tip)})


@login_required
def tip_detail(request, pk: int):
    """The tip with its content, informant and history: its county's handlers only."""
    tip = selectors.get_tip_for_handler(request.user, pk)
    return _detail(request, tip)


def _detail(request, tip, form=None, status=200):
    content = services.reveal_tip(actor(request), tip)
    actions = [(a, _(rules.TRANSITIONS[a][2])) for a in rules.actions_from(tip.state)]
    return render(request, "governance/tips/detail.html", {
        "tip": tip, "c": content, "state_name": _(rules.STATE_NAMES[tip.state]),
        "category_name": _(rules.CATEGORIES[tip.category]),
        "recipient_name": _(rules.RECIPIENTS[tip.recipient]) if tip.recipient else "",
        "outcome_name": _(rules.OUTCOMES[tip.outcome]) if tip.outcome else "",
        "events": [{**e, "action_name": _(rules.TRANSITIONS[e["action"]][2]) if e["action"] in rules.TRANSITIONS
                    else _("登记"), "state_name": _(rules.STATE_NAMES[e["to_state"]])} for e in content.events],
        "actions": actions, "form": form or TipActionForm(initial={"on": timezone.localdate()})}, status=status)


@login_required
@require_POST
def tip_act(request, pk: int):
    tip = selectors.get_tip_for_handler(request.user, pk)
    form = TipActionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            tip = services.act_on_tip(actor(request), tip, d["action"], on=d["on"], recipient=d["recipient"],
                                      outcome=d["outcome"], note=d["note"])
        except ServiceError as exc:
            apply_service_error(form, exc, TipActionForm.FIELD_MAP)
        else:
            messages.success(request, _("已办理，线索现为“%(state)s”") % {"state": _(rules.STATE_NAMES[tip.state])})
            return redirect("governance:tip_detail", pk=tip.pk)
    return _detail(request, tip, form, status=422)


def _period(form) -> tuple[date, date]:
    d = form.cleaned_data if form.is_valid() else {}
    end = d.get("end") or timezone.localdate()
    start = d.get("start") or end.replace(month=1, day=1)
    if start > end:
        start, end = end, start
    return start, end


@login_required
def tip_counts(request):
    """线索统计: collected, transferred and concluded for a region and a period (with
    the child regions), and the same as a workbook (``?format=xlsx``)."""
    user = request.user
    if not selectors.may_view_counts(user):
        raise PermissionDenied
    form = CountsForm(user, request.GET or None)
    start, end = _period(form)
    region = selectors.count_region(user, request.GET.get("region", ""))
    counts = selectors.tip_counts(user, region, start, end)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(export.counts_xlsx(region, start, end, counts), content_type=XLSX)
        response["Content-Disposition"] = content_disposition(*export.counts_file_names(region, start, end))
        return response
    if not form.is_bound:
        form = CountsForm(user, initial={"region": region.code, "start": start, "end": end})
    return render(request, "governance/tips/counts.html", {
        "form": form, "region": region, "start": start, "end": end, "counts": counts,
        "query": request.GET.urlencode()})


@login_required
@require_http_methods(["GET", "POST"])
def tip_handlers(request):
    """线索承办人: the live designations in the scope, designating a county officer and
    ending a designation (``designate_tip_handlers``)."""
    user = request.user
    if not user.can(Perm.DESIGNATE_TIP_HANDLERS):
        raise PermissionDenied
    accounts = list(selectors.designatable_accounts(user))
    form = DesignateForm(accounts, request.POST or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("end"):
            try:
                services.end_designation(actor(request), selectors.get_designation(user, request.POST["end"]))
            except ServiceError as exc:
                return error_page(request, exc)
            messages.success(request, _("已终止指定"))
            return redirect("governance:tip_handlers")
        if form.is_valid():
            account = next((a for a in accounts if str(a.pk) == form.cleaned_data["user"]), None)
            try:
                if account is None:
                    raise PermissionDenied
                services.designate_handler(actor(request), account, account.scope_id)
            except ServiceError as exc:
                apply_service_error(form, exc, {"user": "user", "county": "user"})
            else:
                messages.success(request, _("已指定线索承办人"))
                return redirect("governance:tip_handlers")
        status = 422
    return render(request, "governance/tips/handlers.html", {
        "form": form, "designations": selectors.designations(user)}, status=status)
