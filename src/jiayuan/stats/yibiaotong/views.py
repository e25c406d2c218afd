"""Pages of 一表通 under ``/stats/yibiaotong/`` (namespace ``stats``): data elements, the
form catalogue with its approval, report tasks with their completion and aggregate, and a
unit's form to confirm, correct, enter and submit. Exports: ``?format=xlsx`` (printed
layout) and ``?format=json`` / ``?format=csv`` (data).

Reads go through :mod:`.selectors` (out of scope is 404), writes through
:mod:`.services`; a refusal is shown on the page.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiayuan.accounts.permissions import Perm
from jiayuan.audit.selectors import history_of
from jiayuan.errors import ServiceError
from jiayuan.web.labels import action_label
from jiayuan.web.shortcuts import actor, apply_service_error, paginate, perm_required

from .. import registry
from ..definitions import UNITS
from ..models import DataElement, ReportForm
from . import exports, rules, selectors, services
from .forms import ElementForm, ReportFormForm, TaskForm, ValueForm
from .sources import REGISTRY_SOURCES


def _catalogue_reader(view):
    """Pages of the catalogue: ``manage_report_forms`` or ``issue_report_tasks``."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.reads_catalogue(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _source_label(e: DataElement) -> str:
    if e.source_kind == DataElement.Source.INDICATOR:
        try:
            d = registry.definition(e.source)
        except registry.UnknownIndicator:
            return _("未知指标")
        state = _("可计算") if registry.computable(e.source) else _("尚无计算规则")
        return f"{_(d.name)}（{state}）"
    if e.source_kind == DataElement.Source.REGISTRY:
        return _(REGISTRY_SOURCES[e.source][0]) if e.source in REGISTRY_SOURCES else _("未知台账")
    return ""


@_catalogue_reader
@require_http_methods(["GET", "POST"])
def element_list(request):
    """Data elements by source; POST ``seed`` creates those of the catalogue missing."""
    can_manage = request.user.can(Perm.MANAGE_REPORT_FORMS)
    if request.method == "POST" and can_manage:
        try:
            n = services.seed_elements(actor(request))
            messages.success(request, _("已生成 %(n)s 个数据元") % {"n": n})
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("stats:data_element_list")
    page = paginate(request, selectors.elements_for(request.user), 50)
    rows = [(e, _source_label(e), _(UNITS.get(e.unit, e.unit))) for e in page.object_list]
    return render(request, "stats/yibiaotong/element_list.html",
                  {"page_obj": page, "rows": rows, "can_manage": can_manage})


@perm_required(Perm.MANAGE_REPORT_FORMS)
@require_http_methods(["GET", "POST"])
def element_new(request):
    form = ElementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_element(actor(request), form.cleaned_data)
            messages.success(request, _("数据元已登记"))
            return redirect("stats:data_element_list")
        except ServiceError as exc:
            apply_service_error(form, exc)
    return render(request, "stats/yibiaotong/element_form.html", {"form": form})


@_catalogue_reader
@require_http_methods(["GET"])
def form_list(request):
    page = paginate(request, selectors.forms_for(request.user), 50)
    return render(request, "stats/yibiaotong/form_list.html",
                  {"page_obj": page, "can_manage": request.user.can(Perm.MANAGE_REPORT_FORMS)})


@perm_required(Perm.MANAGE_REPORT_FORMS)
@require_http_methods(["GET", "POST"])
def form_new(request):
    form = ReportFormForm(selectors.elements_for(request.user), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.create_form(actor(request), form.cleaned_data, form.items())
            messages.success(request, _("报表已建立，待审定"))
            return redirect("stats:report_form_detail", made.pk)
        except ServiceError as exc:
            apply_service_error(form, exc, {"items": "element_1"})
    return render(request, "stats/yibiaotong/form_form.html", {"form": form})


@_catalogue_reader
@require_http_methods(["GET", "POST"])
def form_detail(request, pk):
    """A catalogued form: its rows, author, approval, retirement and history; POST
    ``approve`` (审定) or ``retire`` (停用, with ``reason``)."""
    report_form = selectors.get_form(request.user, pk)
    what = request.POST.get("action") if request.method == "POST" else None
    if what in ("approve", "retire"):
        try:
            if what == "approve":
                services.approve_form(actor(request), report_form)
                messages.success(request, _("报表已审定，可以下发"))
            else:
                services.retire_form(actor(request), report_form, request.POST.get("reason"))
                messages.success(request, _("报表已停用：不能再下发新的填报任务"))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("stats:report_form_detail", report_form.pk)
    user = request.user
    can_approve = (report_form.status == ReportForm.Status.DRAFT and user.can(Perm.MANAGE_REPORT_FORMS)
                   and user.pk != report_form.author_id)
    can_retire = report_form.status == ReportForm.Status.APPROVED and user.can(Perm.MANAGE_REPORT_FORMS)
    items = [(i, _source_label(i.element), _(UNITS.get(i.element.unit, i.element.unit)))
             for i in selectors.form_items(report_form)]
    return render(request, "stats/yibiaotong/form_detail.html",
                  {"report_form": report_form, "items": items, "can_approve": can_approve, "can_retire": can_retire,
                   "history": [{"entry": e, "action_label": action_label(e.action), "changes": [],
                                "note": (e.extra or {}).get("reason", "")} for e in history_of(report_form)[:50]],
                   "can_issue": report_form.status == ReportForm.Status.APPROVED
                   and selectors.issuing_region(user) is not None,
                   "tasks": report_form.tasks.filter(pk__in=selectors.tasks_for(user).values("pk"))[:20]})


@perm_required(Perm.ISSUE_REPORT_TASKS)
@require_http_methods(["GET"])
def task_list(request):
    """Tasks the user follows, with each one's completion."""
    today = timezone.localdate()
    page = paginate(request, selectors.tasks_for(request.user), 30)
    rows = [(t, selectors.completion(t, today).counts) for t in page.object_list]
    return render(request, "stats/yibiaotong/task_list.html",
                  {"page_obj": page, "rows": rows, "can_issue": selectors.issuing_region(request.user) is not None})


@perm_required(Perm.ISSUE_REPORT_TASKS)
@require_http_methods(["GET", "POST"])
def task_new(request):
    region = selectors.issuing_region(request.user)
    if region is None:   # the city (and a superuser) follow tasks; counties and townships issue them
        raise PermissionDenied
    forms_qs = selectors.issuable_forms(request.user)
    initial = {"form": request.GET.get("form", "")}
    form = TaskForm(forms_qs, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = forms_qs.filter(pk=form.cleaned_data["form"]).first() if form.cleaned_data["form"].isdigit() else None
        try:
            task = services.issue_task(actor(request), chosen, form.cleaned_data["period"],
                                       form.cleaned_data["deadline"], form.cleaned_data["note"])
            messages.success(request, _("填报任务已下发"))
            return redirect("stats:report_task_detail", task.pk)
        except ServiceError as exc:
            apply_service_error(form, exc)
    return render(request, "stats/yibiaotong/task_form.html", {"form": form, "region": region})


@perm_required(Perm.ISSUE_REPORT_TASKS)
@require_http_methods(["GET"])
def task_detail(request, pk):
    """Completion across units and the aggregate; ``?format=xlsx`` / ``csv`` exports the
    aggregated form."""
    task = selectors.get_task(request.user, pk)
    agg = selectors.aggregate(task)
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "csv"):
        content, ctype = ((exports.aggregate_xlsx(task, agg), exports.XLSX) if fmt == "xlsx"
                          else (exports.aggregate_csv(task, agg), "text/csv; charset=utf-8"))
        return exports.response(content, ctype, *exports.file_names(f"{task.form.title}汇总表", "report-summary",
                                                                     task.region, task.period, fmt))
    done = selectors.completion(task)
    rows = [(s, state, _(rules.STATE_LABELS[state])) for s, state in done.rows]
    totals = [rules.format_value(v) for v in agg.totals]
    return render(request, "stats/yibiaotong/task_detail.html",
                  {"task": task, "rows": rows, "counts": done.counts, "agg": agg, "totals": totals,
                   "agg_rows": [(u, [rules.format_value(v) for v in vals]) for u, vals in agg.units]})


@perm_required(Perm.FILL_REPORT_FORMS)
@require_http_methods(["GET"])
def fill_list(request):
    """The user's unit's forms: waiting first (earliest deadline), then submitted."""
    qs = selectors.submissions_for(request.user)
    today = timezone.localdate()
    waiting = [(s, s.task.deadline < today) for s in qs.filter(submitted_at__isnull=True)
               .order_by("task__deadline", "task_id")[:100]]
    page = paginate(request, qs.filter(submitted_at__isnull=False).order_by("-submitted_at"), 30)
    return render(request, "stats/yibiaotong/fill_list.html", {"waiting": waiting, "page_obj": page})


@login_required
@require_http_methods(["GET", "POST"])
def fill_detail(request, pk):
    """A unit's form with the provenance of every cell. POST ``action``: ``value``
    (record one cell), ``confirm`` (confirm every platform value), ``submit``.
    ``?format=xlsx`` (printed layout) / ``json`` (data)."""
    submission = selectors.get_submission(request.user, pk)
    if request.method == "POST":
        act = actor(request)
        try:
            what = request.POST.get("action")
            if what == "value":
                vf = ValueForm(request.POST)
                if vf.is_valid():
                    services.record_value(act, submission, vf.cleaned_data["element"], vf.cleaned_data["value"])
                    messages.success(request, _("已保存"))
            elif what == "confirm":
                n = services.confirm_platform_values(act, submission)
                messages.success(request, _("已确认 %(n)s 项平台数据") % {"n": n})
            elif what == "submit":
                services.submit(act, submission)
                messages.success(request, _("报表已报送"))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("stats:report_fill_detail", submission.pk)
    view = selectors.unit_form(request.user, submission)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        return exports.response(exports.unit_form_xlsx(view), exports.XLSX,
                                *exports.file_names(submission.task.form.title, "report", submission.unit,
                                                    submission.task.period, "xlsx"))
    if fmt == "json":
        return exports.response(exports.unit_form_json(view).encode(), "application/json",
                                *exports.file_names(submission.task.form.title, "report", submission.unit,
                                                    submission.task.period, "json"))
    rows = [(item, cell, _(UNITS.get(item.element.unit, item.element.unit)), _(rules.PROVENANCE_LABELS[cell.provenance]),
             rules.format_value(cell.value), rules.format_value(cell.platform_value)) for item, cell in view.rows]
    state = rules.unit_state(submission.submitted_at is not None, submission.started_at is not None,
                             submission.task.deadline, timezone.localdate())
    return render(request, "stats/yibiaotong/fill_detail.html",
                  {"s": submission, "task": submission.task, "view": view, "rows": rows,
                   "state": state, "state_label": _(rules.STATE_LABELS[state]),
                   "open_cells": sum(1 for r in view.rows if r[1].provenance == rules.RECORDS),
                   "missing": sum(1 for r in view.rows if r[1].value is None)})
