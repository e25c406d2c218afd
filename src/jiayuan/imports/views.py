"""Pages of roster import and export.

Import: upload a file and pick the community/village or grid → a dry run checks it in
the background (the preview: counts and the first errors) → confirm → the import runs
in the background while the page shows its progress (htmx polls the job) → counts and
the error workbook to download. Also: the job list of the user's scope and the blank
template. Export: the person and household lists' current filter as .xlsx or .csv.

Reads go through :mod:`.selectors` (scoped: out of scope is 404), writes through
:mod:`.services`; exports stream (:mod:`.export`) after the export is audited.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..accounts.permissions import Perm
from ..errors import Forbidden, translate_rule_error
from ..people import selectors as people_selectors
from ..people.forms import PersonFilterForm
from ..regions import selectors as region_selectors
from ..web.shortcuts import actor, paginate, perm_required
from . import export, selectors, services, tasks
from .forms import ConfirmForm, UploadForm
from .models import ImportIssue, ImportJob
from .rules import FileRejected

PREVIEW_ERRORS = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_partial(request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


# --- import -----------------------------------------------------------------------------

@perm_required(Perm.EDIT_REGISTRY)
def job_list(request):
    """Import jobs of the user's scope, newest first, 50 a page."""
    qs = selectors.jobs_for(request.user)
    return render(request, "imports/job_list.html", {"page_obj": paginate(request, qs)})


@perm_required(Perm.EDIT_REGISTRY)
@require_http_methods(["GET", "POST"])
def upload(request):
    """The upload form. A valid POST stores the file, queues its dry run (preview)
    and goes to the job page."""
    user = request.user
    form = UploadForm(user, request.POST or None, request.FILES or None,
                      initial={"region": request.GET.get("region", "")})
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        try:
            region = services.resolve_region(user, form.cleaned_data["region"])
            limit = services.config().limits.max_bytes
            if f.size > limit:
                from .rules import format_size, reject

                raise reject("file.too_large", size=format_size(f.size), limit=format_size(limit))
            job = services.create_job(actor(request), region, f.name, f.read(), dry_run=True,
                                      all_or_nothing=form.cleaned_data["all_or_nothing"])
        except FileRejected as exc:
            form.add_error("file" if exc.code.startswith("file.") else "region", translate_rule_error(exc))
        else:
            tasks.enqueue_job(job)
            return redirect("web:import_job", pk=job.pk)
    return render(request, "imports/upload.html", {"form": form}, status=422 if form.errors else 200)


def _job_context(job: ImportJob) -> dict:
    errors = list(selectors.issues_of(job, ImportIssue.Level.ERROR)[:PREVIEW_ERRORS])
    warnings = list(selectors.issues_of(job, ImportIssue.Level.WARNING)[:PREVIEW_ERRORS])
    total = job.progress_total or job.rows or 0
    percent = 100 if job.finished else (int(job.progress_done * 100 / total) if total else 0)
    written = job.created + job.updated + job.unchanged
    confirmed = ImportJob.objects.filter(options__preview_of=job.pk).order_by("-pk").first() if job.dry_run else None
    failed = job.status == ImportJob.Status.FAILED
    retried = ImportJob.objects.filter(options__retry_of=job.pk).order_by("-pk").first() if failed else None
    error_entries = selectors.issues_of(job, ImportIssue.Level.ERROR).count() if job.finished else 0
    return {
        "job": job, "errors": errors, "warnings": warnings, "percent": min(percent, 100),
        "more_errors": max(error_entries - len(errors), 0),
        "written": written, "confirmed": confirmed, "retried": retried,
        "can_retry": failed and bool(job.file),
        "can_confirm": job.dry_run and job.status == ImportJob.Status.DONE and bool(job.file) and written > 0
        and confirmed is None,
        "has_report": job.status == ImportJob.Status.DONE and bool(job.file) and job.header_row is not None,
        "stage_label": {"reading": _("读取文件"), "validating": _("逐行校验"), "writing": _("写入名册"),
                        "done": _("完成")}.get(job.stage, _("排队等待")),
    }


@perm_required(Perm.EDIT_REGISTRY)
def job_detail(request, pk):
    """One job: its progress while it runs (htmx polls ``?partial=1`` every second),
    then the preview (dry run) or the result."""
    job = selectors.get_job(request.user, pk)
    ctx = _job_context(job)
    if _is_partial(request) or request.GET.get("partial"):
        return render(request, "imports/_job_status.html", ctx)
    return render(request, "imports/job_detail.html", ctx)


@perm_required(Perm.EDIT_REGISTRY)
@require_POST
def job_confirm(request, pk):
    """Confirm a previewed import: a new job writes the same file, in the background."""
    preview = selectors.get_job(request.user, pk)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        job = services.confirm_job(actor(request), preview,
                                   all_or_nothing=form.cleaned_data.get("all_or_nothing", preview.all_or_nothing))
    except FileRejected as exc:
        messages.error(request, translate_rule_error(exc))
        return redirect("web:import_job", pk=preview.pk)
    tasks.enqueue_job(job)
    return redirect("web:import_job", pk=job.pk)


@perm_required(Perm.EDIT_REGISTRY)
@require_POST
def job_retry(request, pk):
    """Retry an interrupted job: a new job runs the same stored file, in the background."""
    failed = selectors.get_job(request.user, pk)
    try:
        job = services.retry_job(actor(request), failed)
    except FileRejected as exc:
        messages.error(request, translate_rule_error(exc))
        return redirect("web:import_job", pk=failed.pk)
    tasks.enqueue_job(job)
    return redirect("web:import_job", pk=job.pk)


def _attachment(response, file_name: str, fallback: str):
    response["Content-Disposition"] = export.content_disposition(file_name, fallback)
    return response


@perm_required(Perm.EDIT_REGISTRY)
def job_report(request, pk):
    """The error workbook of a finished job (its sheet with a 错误原因 column)."""
    job = selectors.get_job(request.user, pk)
    try:
        data = services.download_error_workbook(actor(request), job)
    except FileRejected:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    return _attachment(HttpResponse(data, content_type=XLSX), services.report_file_name(job),
                       f"import-{job.pk}-errors.xlsx")


@perm_required(Perm.EDIT_REGISTRY)
def template(request):
    """The blank roster template (standard headers; ID number, phone and 户号 as text)."""
    return _attachment(HttpResponse(export.template_xlsx(), content_type=XLSX), "居民花名册模板.xlsx",
                       "jiayuan-roster-template.xlsx")


# --- export -----------------------------------------------------------------------------

def _export_response(request, what: str, qs, filters: dict, parts: list[str], region):
    """Audit, then stream the roster of ``qs`` (persons) as ``?format=xlsx|csv``
    (``&encoding=gb18030`` for CSV; ``&sensitive=1`` for whole ID numbers and phones,
    which needs the export_sensitive right); ``region``: the filtered region, else the
    user's scope (named by the file and its title row)."""
    user = request.user
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        fmt = "xlsx"
    encoding = request.GET.get("encoding", "utf-8").lower()
    if encoding not in export.CSV_ENCODINGS:
        encoding = "utf-8"
    sensitive = request.GET.get("sensitive") in ("1", "true", "yes")
    if sensitive and not user.can(Perm.EXPORT_SENSITIVE):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return export.roster_response(services.export_roster(
        actor(request), what=what, persons=qs, filters=filters, region=region if region is not None else user.scope,
        fmt=fmt, encoding=encoding, sensitive=sensitive, filter_parts=parts))


@perm_required(Perm.EXPORT)
def person_export(request):
    """The person list's current filter (the same form and selector as the list)."""
    user = request.user
    region_code = request.GET.get("region", "").strip()
    region = region_selectors.get_region(user, region_code) if region_code else None  # out of scope → 404
    form = PersonFilterForm(user, request.GET, region=region)
    form.is_valid()
    f = form.filters()
    filters = {"q": f.q, "tag": f.tag, "age": request.GET.get("age", ""), "sex": f.sex, "region": f.region,
               "residence_status": f.residence_status, "life_status": f.life_status}
    parts = [f"{form.fields[k].label}：{form.data.get(k)}" for k in ("q", "tag", "age", "sex", "region",
                                                                   "residence_status", "life_status")
             if form.data.get(k) and k not in form.errors]
    if region is None and f.region:
        region = region_selectors.get_region(user, f.region)
    return _export_response(request, "person", people_selectors.search_persons(user, f), filters, parts, region)


@perm_required(Perm.EXPORT)
def household_export(request):
    """The members of the households of the household list's current filter."""
    from django.db.models import Q

    user = request.user
    qs = people_selectors.households_for(user)
    region_code = request.GET.get("region", "").strip()
    region = None
    if region_code:
        region = region_selectors.get_region(user, region_code)  # out of scope → 404
        qs = qs.filter(region__code__startswith=region.code)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(number__contains=q) | Q(address__contains=q))
    parts = [p for p in (f"{_('户号或住址')}：{q}" if q else "", f"{_('区域')}：{region_code}" if region_code else "") if p]
    persons = people_selectors.persons_for(user).filter(household__in=qs.values("pk"))
    return _export_response(request, "household", persons, {"q": q, "region": region_code}, parts, region)
