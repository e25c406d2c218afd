"""Scoped reads of import jobs, and the summary every client shows (the command's
``--json`` output, the API's job body and the pages' result share :func:`job_summary`)."""

from django.db.models import QuerySet

from ..accounts.permissions import Perm
from ..errors import get_or_not_found
from .models import ImportIssue, ImportJob


def jobs_for(user) -> QuerySet:
    """Import jobs whose target region lies in the user's scope; none for a role that
    cannot edit the registry."""
    if not user.can(Perm.EDIT_REGISTRY):
        return ImportJob.objects.none()
    qs = ImportJob.objects.select_related("region", "created_by")
    scope = user.scope_code
    return qs.filter(region__code__startswith=scope) if scope else qs


def get_job(user, pk) -> ImportJob:
    """The job ``pk`` if visible to the user; NotFound otherwise (also out of scope)."""
    return get_or_not_found(jobs_for(user), "import.not_found", pk=pk)


def issues_of(job: ImportJob, level: str | None = None) -> QuerySet:
    """The job's issues in sheet order (row, then the order they were found)."""
    qs = ImportIssue.objects.filter(job=job)
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("row", "id")


def _rows(job: ImportJob, level: str) -> list[dict]:
    return [{"row": row, "column": column, "code": code, "message": message}
            for row, column, code, message in issues_of(job, level).values_list("row", "column", "code", "message")]


def job_summary(job: ImportJob) -> dict:
    """The result of a finished job in the command's JSON shape:

    ``{"rows", "created", "updated", "unchanged", "errors", "warnings",
    "error_rows": [{"row", "column", "code", "message"}], "warning_rows": [...]}``;
    for a file refused as a whole: ``{"error": {"code", "message"}}``.
    ``errors`` counts rows with at least one error, ``warnings`` warning entries.
    """
    if job.status == ImportJob.Status.REJECTED or (job.status == ImportJob.Status.FAILED and job.error_code):
        return {"error": {"code": job.error_code, "message": job.error_message}}
    return {
        "rows": job.rows,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "errors": job.errors,
        "warnings": job.warnings,
        "error_rows": _rows(job, ImportIssue.Level.ERROR),
        "warning_rows": _rows(job, ImportIssue.Level.WARNING),
    }


def job_progress(job: ImportJob) -> dict:
    """Status and progress for a progress bar: ``{"status", "stage", "done", "total"}``."""
    return {"status": job.status, "stage": job.stage, "done": job.progress_done, "total": job.progress_total}
