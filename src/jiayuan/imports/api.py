"""``/api/v1/imports`` (roster import jobs) and the roster exports
``/api/v1/persons/export`` and ``/api/v1/households/export``.

- ``POST /imports`` (multipart: ``file``, ``region``, ``dry_run``, ``all_or_nothing``)
  stores the file, queues the job for the background worker and answers 202 with the
  job; ``GET /imports/{id}`` gives its status, progress and, once finished,
  ``result``: the same object as ``jiayuan import residents --json`` prints;
  ``GET /imports/{id}/report`` the error workbook (.xlsx); ``POST /imports/{id}/retry``
  a new job for the file of a job that failed (e.g. ``import.interrupted``: its worker
  died), 202 and the new job, 409 ``import.not_retryable`` otherwise.
- ``GET /persons/export?format=xlsx|csv&encoding=utf-8|gb18030&sensitive=false&<the
  filters of GET /persons>`` and ``GET /households/export?format=…&region=&number=``:
  the roster (import headers), streamed; ID numbers and phones masked unless
  ``sensitive=true`` and the role holds ``export_sensitive``; every export audited.

Jobs and regions outside the caller's scope answer 404.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from ..accounts.permissions import Perm
from ..api.auth import actor
from ..api.types import Id, Int
from ..errors import Conflict, Forbidden, ServiceError, ValidationFailed, translate_rule_error
from ..people import selectors as people_selectors
from ..regions import selectors as region_selectors
from . import export, selectors, services, tasks
from .models import ImportJob
from .rules import FileRejected, format_size, reject

router = Router(tags=["台账导入与导出"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ProgressOut(Schema):
    stage: str
    done: int
    total: int


class JobOut(Schema):
    id: int
    status: str
    file_name: str
    region: str
    dry_run: bool
    all_or_nothing: bool
    source: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: ProgressOut
    result: dict | None
    report_url: str | None


def job_out(job: ImportJob) -> dict:
    finished = job.finished
    return {
        "id": job.pk, "status": job.status, "file_name": job.file_name, "region": job.region_id,
        "dry_run": job.dry_run, "all_or_nothing": job.all_or_nothing, "source": job.source,
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
        "progress": {"stage": job.stage, "done": job.progress_done, "total": job.progress_total},
        "result": selectors.job_summary(job) if finished else None,
        "report_url": (f"/api/v1/imports/{job.pk}/report"
                       if finished and job.status == ImportJob.Status.DONE and job.file and job.header_row else None),
    }


def _service_error(exc: FileRejected) -> ServiceError:
    if exc.code == "region.unknown":
        raise Http404
    if exc.code == "permission.denied":
        return Forbidden(exc.code, translate_rule_error(exc))
    field = "file" if exc.code.startswith("file.") else "region"
    return ValidationFailed({field: [{"code": exc.code, "message": translate_rule_error(exc)}]})


@router.post("/imports", response={202: JobOut}, summary="上传台账并排队导入（multipart：file、region、dry_run、all_or_nothing）")
def create_import(request, file: File[UploadedFile], region: Form[str], dry_run: Form[bool] = False,
                  all_or_nothing: Form[bool] = False):
    user = request.auth
    if not user.can(Perm.EDIT_REGISTRY):
        raise PermissionDenied
    try:
        target = services.resolve_region(user, region)
        limit = services.config().limits.max_bytes
        if file.size > limit:
            raise reject("file.too_large", size=format_size(file.size), limit=format_size(limit))
        job = services.create_job(actor(request), target, file.name or "upload", file.read(), dry_run=dry_run,
                                  all_or_nothing=all_or_nothing)
    except FileRejected as exc:
        raise _service_error(exc) from None
    tasks.enqueue_job(job)
    job.refresh_from_db()
    return Status(202, job_out(job))


@router.post("/imports/{int:job_id}/retry", response={202: JobOut},
             summary="重试意外中断的导入任务：用同一文件新建任务并排队（原任务须为 failed 且保存了文件）")
def retry_import(request, job_id: Id):
    failed = selectors.get_job(request.auth, job_id)
    try:
        job = services.retry_job(actor(request), failed)
    except FileRejected as exc:
        if exc.code == "import.not_retryable":
            raise Conflict(exc.code, translate_rule_error(exc)) from None
        raise _service_error(exc) from None
    tasks.enqueue_job(job)
    job.refresh_from_db()
    return Status(202, job_out(job))


@router.get("/imports/{int:job_id}", response=JobOut, summary="导入任务的状态、进度和结果（结果与命令行 --json 相同）")
def get_import(request, job_id: Id):
    return job_out(selectors.get_job(request.auth, job_id))


@router.get("/imports/{int:job_id}/report", summary="错误工作簿（.xlsx：原表格加“错误原因”列）")
def import_report(request, job_id: Id):
    job = selectors.get_job(request.auth, job_id)
    try:
        data = services.download_error_workbook(actor(request), job)
    except FileRejected:
        raise Http404 from None
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = export.content_disposition(services.report_file_name(job),
                                                                 f"import-{job.pk}-errors.xlsx")
    return response


def _stream(request, what: str, qs, filters: dict, fmt: str, encoding: str, sensitive: bool, region):
    user = request.auth
    if not user.can(Perm.EXPORT):
        raise PermissionDenied
    if sensitive and not user.can(Perm.EXPORT_SENSITIVE):
        raise PermissionDenied
    if fmt not in ("xlsx", "csv"):
        raise ValidationFailed({"format": [{"code": "format.invalid", "message": "format 只能是 xlsx 或 csv"}]})
    encoding = (encoding or "utf-8").lower()
    if encoding not in export.CSV_ENCODINGS:
        raise ValidationFailed({"encoding": [{"code": "encoding.invalid",
                                              "message": "encoding 只能是 utf-8 或 gb18030"}]})
    parts = [f"{k}：{v}" for k, v in filters.items() if v not in (None, "")]
    return export.roster_response(services.export_roster(
        actor(request), what=what, persons=qs, filters=filters, region=region if region is not None else user.scope,
        fmt=fmt, encoding=encoding, sensitive=sensitive, filter_parts=parts))


@router.get("/persons/export", summary="导出居民名单（与导入相同的表头；筛选条件同 GET /persons）")
def export_persons(request, format: str = "xlsx", encoding: str = "utf-8", sensitive: bool = False, q: str = "",
                   tag: str = "", age_min: Int | None = None, age_max: Int | None = None, sex: Int | None = None,
                   region: str = "", residence_status: str = "", life_status: str = ""):
    user = request.auth
    target = region_selectors.get_region(user, region) if region else None  # out of scope → 404
    f = people_selectors.PersonFilters(q=q, tag=tag, age_min=age_min, age_max=age_max, sex=sex, region=region,
                                       residence_status=residence_status, life_status=life_status)
    filters = {"q": q, "tag": tag, "age_min": age_min, "age_max": age_max, "sex": sex, "region": region,
               "residence_status": residence_status, "life_status": life_status}
    return _stream(request, "person", people_selectors.search_persons(user, f), filters, format, encoding, sensitive,
                   target)


@router.get("/households/export", summary="导出户成员名单（筛选条件同 GET /households）")
def export_households(request, format: str = "xlsx", encoding: str = "utf-8", sensitive: bool = False,
                      region: str = "", number: str = ""):
    user = request.auth
    qs = people_selectors.households_for(user)
    target = None
    if region:
        target = region_selectors.get_region(user, region)  # out of scope → 404
        qs = qs.filter(region__code__startswith=region)
    if number:
        qs = qs.filter(number=number)
    persons = people_selectors.persons_for(user).filter(household__in=qs.values("pk"))
    return _stream(request, "household", persons, {"region": region, "number": number}, format, encoding, sensitive,
                   target)
