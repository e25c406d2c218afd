"""The roster import: one :class:`ImportJob` per file, shared by the command line, the
pages and the API (a background task runs :func:`run_job` by job id). This module is
the public face: jobs (:func:`create_job`, :func:`run_import`, :func:`run_job`,
:func:`confirm_job`, :func:`retry_job`, :func:`interrupt_job`), the error workbook and
the audited roster export. The engine is :mod:`.engine`, in stages that
:func:`run_import` runs in order, each taking and returning a dataclass:

1. **read** (:mod:`.engine.read`, on :mod:`.reading`): limits, real format, sheet,
   header row (below titles, blank rows and merged group labels), header synonyms;
2. **validate** (:mod:`.engine.validate`) every row, without writing: field rules of
   the spine (:func:`jiayuan.people.services.clean_person`, :mod:`jiayuan.people.rules`),
   dates, duplicates in the file;
3. **plan** (:mod:`.engine.plan`): region scope, grids, households (户号 + 与户主关系)
   against the file and the registry; each valid row is planned as *create*, *update*
   or *unchanged* (empty cells never erase stored values);
4. **write** (:mod:`.engine.write`; unless ``dry_run``, or ``all_or_nothing`` with any
   error): rows in chunks of whole households, each chunk one transaction holding the
   persons, households, tags, their audit entries (``extra.import_job``) and the job's
   counters, so a kill leaves no half-written row and the counters match what was
   committed. Persons are matched on the keyed hash of the normalised ID number, so
   running the same file again creates nothing twice and completes an interrupted
   import.

Progress: ``progress(stage, done, total)`` is called while validating and after
every chunk (stages ``validating``, ``writing``); the job row carries the same.

Throughput without giving up a guarantee (measured in ``bench/import.py``,
``docs/performance.md``): field rules are the spine's, called through per-value caches
(``clean_person`` reports any row with an error, in its words); new rows are inserted
from column values in one statement per table and chunk (``COPY`` on PostgreSQL),
audit entries with :func:`jiayuan.audit.services.record_bulk`; pinyin of a large
file's names is computed by a forked helper while the rows are validated; chunks are
written by a writer thread while the next one is prepared (all of the database side in
:mod:`.bulk`).
"""
from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..accounts.permissions import Perm
from ..audit.services import Actor, record
from ..errors import translate_rule_error
from ..people import rules as people_rules
from ..regions.models import Region
from . import bulk, reading, rules
from .engine import plan as plan_stage
from .engine import read as read_stage
from .engine import validate as validate_stage
from .engine import write as write_stage
from .engine.common import Config, Issue, config, issue_records, job_actor, sorted_issues
from .models import ImportIssue, ImportJob
from .rules import FileRejected, reject

__all__ = [
    "Config",
    "config",
    "resolve_region",
    "create_job",
    "run_import",
    "run_job",
    "ImportResult",
    "confirm_job",
    "retry_job",
    "interrupt_job",
    "error_workbook",
    "download_error_workbook",
    "report_file_name",
    "record_export",
    "export_roster",
    "RosterExport",
    # What the beneficiary import shares:
    "Issue",
    "job_actor",
    "finish_job",
    "reject_job",
    "fail_job",
    "recorded_outcome",
]

Progress = Callable[[str, int, int], None]


# ------------------------------------------------------------------ jobs


def resolve_region(user, code: str) -> Region:
    """The target region of an import: a community/village or grid, in the user's scope
    (any region for ``user=None``, the system). Raises FileRejected ``region.unknown``
    or ``region.level``."""
    code = (code or "").strip()
    qs = Region.objects.all()
    if user is not None and getattr(user, "scope_code", ""):
        qs = qs.filter(code__startswith=user.scope_code)
    region = qs.filter(code=code).first() if code.isdigit() else None
    if region is None:
        raise reject("region.unknown", code=code)
    if region.level not in (Region.Level.VILLAGE, Region.Level.GRID):
        raise reject("region.level", name=region.name, level=str(region.get_level_display()))
    return region


def create_job(actor: Actor, region: Region, file_name: str, data: bytes, *,
               sheet: str | None = None, dry_run: bool = False, all_or_nothing: bool = False,
               store_file: bool = True, kind: str = ImportJob.Kind.RESIDENTS) -> ImportJob:
    """Record a new import job for ``data`` (the file's bytes) into ``region``.

    ``store_file``: keep a copy in the media storage, so that a background task can run
    it by id (:func:`run_job`) and the error workbook can be rebuilt later; the command
    passes False and reads the file from its path. Raises FileRejected
    ``permission.denied`` for a user whose role may not edit the registry or whose
    scope does not hold ``region``.
    """
    user = actor.user
    if user is not None:
        if not user.can(Perm.EDIT_REGISTRY) or not region.code.startswith(user.scope_code or ""):
            raise reject("permission.denied")
    source = {"command": ImportJob.Source.COMMAND, "api": ImportJob.Source.API}.get(actor.source, ImportJob.Source.PAGE)
    job = ImportJob(
        kind=kind, source=source, created_by=user, region=region, file_name=os.path.basename(file_name)[:255],
        file_size=len(data), sha256=hashlib.sha256(data).hexdigest(),
        options={"sheet": sheet or None, "dry_run": bool(dry_run), "all_or_nothing": bool(all_or_nothing)},
    )
    if store_file:
        job.file.save(job.file_name, ContentFile(data), save=False)
    job.save()
    return job


def run_job(job_id: int, progress: Progress | None = None) -> "ImportResult":
    """Run a stored job (its file in the media storage) by id: the entry point of the
    background task. Returns the :class:`ImportResult`."""
    job = ImportJob.objects.select_related("region", "created_by").get(pk=job_id)
    with job.file.open("rb") as fh:
        data = fh.read()
    return run_import(job, data, progress=progress, keep_sheet=False)


@dataclass
class ImportResult:
    """What a run did. ``job`` holds the counts; ``sheet``, ``header_index`` and
    ``issues`` (in sheet order) serve the error workbook; ``rejected`` is the
    file-level refusal, if any."""

    job: ImportJob
    sheet: reading.Sheet | None = None
    header_index: int | None = None
    columns: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    rejected: FileRejected | None = None


def finish_job(job: ImportJob, issues: list, bad_rows: int) -> None:
    """Mark ``job`` done with its counts of rows in error and of warnings (every import kind)."""
    warnings = sum(1 for i in issues if i.level == "warning")
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, errors=bad_rows, warnings=warnings, stage="done", finished_at=timezone.now())


def reject_job(job: ImportJob, exc: FileRejected) -> None:
    """Record a file refused as a whole (status ``rejected`` with its code and Chinese message)."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.REJECTED, error_code=exc.code, error_message=translate_rule_error(exc),
        stage="done", finished_at=timezone.now())


def fail_job(job: ImportJob) -> None:
    """Record an import that broke off unexpectedly (``import.failed``; the caller re-raises)."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED, error_code="import.failed", stage="done", finished_at=timezone.now(),
        error_message=translate_rule_error(rules.issue("import.failed")))


@contextmanager
def recorded_outcome(job: ImportJob, result) -> Iterator[None]:
    """Around the run of ``job`` (every import kind): a file refused as a whole
    (FileRejected) is recorded (:func:`reject_job`) and kept in ``result.rejected``, not
    raised; any other exception marks the job failed (:func:`fail_job`) and propagates."""
    try:
        yield
    except FileRejected as exc:
        result.rejected = exc
        reject_job(job, exc)
    except BaseException:
        fail_job(job)
        raise


def interrupt_job(job_id: int) -> bool:
    """Record that the background worker running job ``job_id`` died under it (killed,
    or aborted by a native library): a job still ``pending`` or ``running`` becomes
    ``failed`` with ``import.interrupted`` and its Chinese message; whole chunks already
    written stay (see the module docstring) and :func:`retry_job` runs the file again.
    Returns whether the job was changed (a finished job is left as it is)."""
    return bool(ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING],
    ).update(status=ImportJob.Status.FAILED, error_code="import.interrupted", stage="done",
             finished_at=timezone.now(), error_message=translate_rule_error(rules.issue("import.interrupted"))))


def retry_job(actor: Actor, failed: ImportJob) -> ImportJob:
    """重试: a new job for the file of the ``failed`` job (from a scoped selector): same
    kind, region, stored file, sheet and options (``options.retry_of`` = its id), queued
    by the caller. Audited (``import.retry``). Raises FileRejected
    ``permission.denied`` (role or scope) or ``import.not_retryable`` (the job did not
    fail, or has no stored file: a command-line job is re-run from the command line)."""
    user = actor.user
    if user is not None and (not user.can(Perm.EDIT_REGISTRY)
                             or not failed.region_id.startswith(user.scope_code or "")):
        raise reject("permission.denied")
    if failed.status != ImportJob.Status.FAILED or not failed.file:
        raise reject("import.not_retryable")
    source = {"api": ImportJob.Source.API, "command": ImportJob.Source.COMMAND}.get(actor.source,
                                                                                   ImportJob.Source.PAGE)
    options = dict(failed.options, retry_of=failed.pk)
    with transaction.atomic():
        job = ImportJob(kind=failed.kind, source=source, created_by=user or failed.created_by, region=failed.region,
                        file_name=failed.file_name, file_size=failed.file_size, sha256=failed.sha256,
                        options=options)
        job.file.name = failed.file.name  # the same stored file
        job.save()
        record(actor, "import.retry", job, extra={"retry_of": failed.pk, "file_name": failed.file_name,
                                                      "error_code": failed.error_code})
    return job


def run_import(job: ImportJob, data: bytes, *, progress: Progress | None = None,
               cfg: Config | None = None, keep_sheet: bool = True) -> ImportResult:
    """Run ``job`` on the file's bytes ``data``; see the module docstring.

    Returns an :class:`ImportResult`; a file refused as a whole is not raised but
    recorded (job status ``rejected``, ``error_code``/``error_message``) and returned in
    ``result.rejected``. Unexpected exceptions mark the job ``failed`` and propagate.
    ``keep_sheet=False``: the sheet's cells are let go once the rows are validated (a
    large file's cells are most of the memory an import needs); ``result.sheet`` is then
    None and the error workbook is rebuilt from the stored file (:func:`error_workbook`).
    """
    cfg = cfg or config()
    progress = progress or (lambda stage, done, total: None)
    job.status, job.started_at, job.stage = ImportJob.Status.RUNNING, timezone.now(), "reading"
    job.save(update_fields=["status", "started_at", "stage"])
    result = ImportResult(job=job)
    frozen = False
    names = None
    try:
        with recorded_outcome(job, result):
            read = read_stage.read(job, data, cfg.limits)
            bulk.release_memory()  # the reader's buffers (python-calamine's cells) are garbage now
            read.rows = read_stage.parse_rows(read)
            # The sheet's cells and rows live until the end: keep the cyclic garbage
            # collector from walking them again at every full collection.
            gc.freeze()
            frozen = True
            result.sheet, result.header_index, result.columns = read.sheet, read.header_index, read.header.columns
            job.rows = len(read.rows)
            job.stage, job.progress_total = "validating", job.rows
            job.save(update_fields=["sheet_name", "header_row", "rows", "stage", "progress_total"])
            names = write_stage.start_names(job, cfg, read.rows, read.header.columns)
            checked = validate_stage.validate(read, progress)
            plan = plan_stage.plan(checked, job.region)
            progress("validating", job.rows, job.rows)
            if not keep_sheet:
                for row in plan.rows:
                    row.raw = {}
                read.sheet.rows = []
                result.sheet = None
                bulk.release_memory()
            issues = sorted_issues(plan.header_issues, plan.rows)
            ImportIssue.objects.bulk_create(issue_records(job, issues), batch_size=1000)
            bad = sum(1 for r in plan.rows if r.errors)
            if job.dry_run:
                counts = {a: sum(1 for r in plan.rows if not r.errors and r.action == a)
                          for a in ("create", "update", "unchanged")}
                ImportJob.objects.filter(pk=job.pk).update(created=counts["create"], updated=counts["update"],
                                                           unchanged=counts["unchanged"])
            elif not (job.all_or_nothing and bad):
                writer = write_stage.Writer(job, plan, cfg, progress, names.result({}) if names is not None else {})
                try:
                    writer.write()
                except write_stage.ChunkConflict:
                    ImportJob.objects.filter(pk=job.pk).update(created=0, updated=0, unchanged=0, households_created=0)
            result.issues = sorted_issues(plan.header_issues, plan.rows)
            finish_job(job, result.issues, sum(1 for r in plan.rows if r.errors))
    finally:
        if names is not None:
            names.stop()
        if frozen:
            gc.unfreeze()
    job.refresh_from_db()
    return result


# ------------------------------------------------------------------ pages and API


def confirm_job(actor: Actor, preview: ImportJob, *, all_or_nothing: bool | None = None) -> ImportJob:
    """A new job that writes what the finished dry run ``preview`` (from a scoped
    selector) checked: same stored file, region and sheet; ``all_or_nothing`` as given
    (default: the preview's). Raises FileRejected ``permission.denied`` (role or
    scope), ``import.not_previewed`` when ``preview`` is not a finished dry run with its
    file."""
    user = actor.user
    if user is not None and (not user.can(Perm.EDIT_REGISTRY)
                             or not preview.region_id.startswith(user.scope_code or "")):
        raise reject("permission.denied")
    if not preview.dry_run or preview.status != ImportJob.Status.DONE or not preview.file:
        raise reject("import.not_previewed")
    source = {"api": ImportJob.Source.API}.get(actor.source, ImportJob.Source.PAGE)
    options = dict(preview.options, dry_run=False, preview_of=preview.pk)
    if all_or_nothing is not None:
        options["all_or_nothing"] = bool(all_or_nothing)
    job = ImportJob(kind=preview.kind, source=source, created_by=user, region=preview.region,
                    file_name=preview.file_name, file_size=preview.file_size, sha256=preview.sha256,
                    options=options)
    job.file.name = preview.file.name  # the same stored file: nothing uploaded twice
    job.save()
    return job


def error_workbook(job: ImportJob) -> bytes:
    """The error workbook of a finished job (from a scoped selector), rebuilt from its
    stored file and recorded issues: the sheet as read, a 错误原因 column, the cells at
    fault highlighted (see :mod:`.report`). Raises FileRejected ``import.no_report``
    when the job has no stored file (a command-line job) or never read its sheet."""
    import io

    from . import report

    if not job.file or job.header_row is None or job.status != ImportJob.Status.DONE:
        raise reject("import.no_report")
    with job.file.open("rb") as fh:
        data = fh.read()
    source = reading.open_source(data, job.file_name, config().limits)
    sheet = source.load(job.sheet_name if job.sheet_name in source.sheet_names else source.sheet_names[0])
    header_index = job.header_row - 1
    columns = rules.match_header_row(sheet.rows[header_index]).columns if header_index < len(sheet.rows) else {}
    issues = list(ImportIssue.objects.filter(job=job).order_by("row", "id"))
    out = io.BytesIO()
    report.write_report(out, sheet, header_index, columns, issues)
    return out.getvalue()


def _loggable_filters(filters: dict) -> dict:
    """The export's filters as the audit log may keep them: a search for a whole or
    partial ID number or phone is recorded masked (the log is append-only and must
    never hold them in clear)."""
    out = {k: v for k, v in filters.items() if v not in (None, "")}
    q = out.get("q")
    if isinstance(q, str) and q:
        kind, value = people_rules.classify_query(q)
        if kind == "id_number":
            out["q"] = people_rules.mask_id_number(value)
        elif kind == "phone":
            out["q"] = people_rules.mask_phone(value)
        elif kind == "id_tail":
            out["q"] = "*" * len(value)
        elif people_rules.document_candidates(q):  # a passport or permit number
            out["q"] = "*" * len(q.strip())
    return out


def download_error_workbook(actor: Actor, job: ImportJob) -> bytes:
    """The error workbook of ``job`` (from a scoped selector) for ``actor``: it repeats
    the uploaded sheet, whole ID numbers and phones included, so only the uploader or a
    role that may see whole numbers (view_sensitive) gets it, and every download is
    audited. Raises Forbidden; FileRejected when the stored file is gone."""
    from ..errors import Forbidden

    user = actor.user
    if user is None or not (job.created_by_id == user.pk or user.can(Perm.VIEW_SENSITIVE)):
        raise Forbidden("permission_denied", gettext("错误工作簿含完整证件号码，只有上传人或有权查看完整号码的人员可以下载"))
    data = error_workbook(job)
    with transaction.atomic():
        record(actor, "import.report_download", job, region_code=job.region_id or "", object_repr=job.file_name[:200])
    return data


def report_file_name(job: ImportJob) -> str:
    """``<original name>-错误原因.xlsx``."""
    base = job.file_name.rsplit(".", 1)[0] or "台账"
    return f"{base}-错误原因.xlsx"


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class RosterExport:
    """A roster to send: ``chunks`` (bytes, streamed while read), ``file_name``
    (Chinese, see :func:`export.roster_file_names`), ``ascii_name``, ``content_type``,
    ``rows`` (persons in the file)."""

    chunks: object
    file_name: str
    ascii_name: str
    content_type: str
    rows: int


def export_roster(actor: Actor, *, what: str, persons, filters: dict, region: Region | None, fmt: str,
                  encoding: str = "utf-8", sensitive: bool = False, filter_parts=()) -> RosterExport:
    """The one export of a roster for pages and API: the persons of ``persons`` (a
    scoped, filtered Person queryset; ``what`` ``person`` or ``household`` for the
    members of households) as ``fmt`` (``xlsx`` / ``csv`` with ``encoding``), audited
    first (:func:`record_export`, region ``region``). ``region`` is the filtered region,
    else the user's scope region (None: the whole tree); the file name and the title row
    name it and the local date (``交通巷社区-居民花名册-2026-12-07-脱敏.xlsx``).
    ``filter_parts`` (``["标签：残疾人"]``) describe the filter in the title row. The
    caller checks the rights (``export``; ``export_sensitive`` for ``sensitive``) and
    that ``fmt`` and ``encoding`` are known."""
    from . import export

    persons = export.persons_for_export(persons)
    rows = persons.count()
    record_export(actor, what=what, filters=filters, rows=rows, fmt=fmt, sensitive=sensitive,
                  region_code=region.code if region is not None else "")
    now = timezone.localtime()
    name, ascii_name = export.roster_file_names(what, region, now.date(), sensitive=sensitive, fmt=fmt)
    headers = export.roster_headers(sensitive)
    data = export.person_rows(persons, sensitive=sensitive)
    if fmt == "csv":
        chunks = export.stream_csv(data, encoding=encoding, headers=headers)
        content_type = f"text/csv; charset={'utf-8' if encoding == 'utf-8' else 'gb18030'}"
    else:
        user = actor.user
        who = (getattr(user, "full_name", "") or getattr(user, "username", "")) if user is not None else ""
        label = gettext(export.ROSTER_LABELS[what])
        title = export.roster_title(label, region, list(filter_parts), who, now, gettext("全部"))
        _writer, chunks = export.stream_xlsx(data, sheet_name=label, title=title, headers=headers)
        content_type = XLSX_TYPE
    return RosterExport(chunks=chunks, file_name=name, ascii_name=ascii_name, content_type=content_type, rows=rows)


def record_export(actor: Actor, *, what: str, filters: dict, rows: int, fmt: str, sensitive: bool,
                  region_code: str = "") -> None:
    """Audit one export (``person.export`` / ``household.export``): who, the filter
    used, the number of rows, the format and whether ID numbers and phones were
    whole. Recorded before the file is sent (PIPL: every export is traceable)."""
    with transaction.atomic():
        record(actor, f"{what}.export", object_type=f"people.{what}", region_code=region_code,
               extra={"filters": _loggable_filters(filters), "rows": rows,
                      "format": fmt, "sensitive": bool(sensitive)})
