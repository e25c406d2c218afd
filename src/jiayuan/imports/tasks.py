"""Background tasks of the import engine (django-tasks, database backend; run by
``jiayuan worker``). Pages and the API create a job (:func:`services.create_job`) and
:func:`enqueue_job`; the task runs it by id and keeps the job row's stage and progress
current, which the pages poll."""

import logging

from django_tasks import task

from .models import ImportJob

logger = logging.getLogger(__name__)

VALIDATING_STEP = 2000
"""Rows between two progress updates while validating (writing updates per chunk)."""


def _progress(job_id: int):
    last = {"done": -VALIDATING_STEP}

    def progress(stage: str, done: int, total: int) -> None:
        # The engine stores writing progress with each chunk's transaction; validation
        # has no transaction to ride on, so it is stored here, every few thousand rows.
        if stage == "validating" and (done - last["done"] >= VALIDATING_STEP or done in (0, total)):
            last["done"] = done
            ImportJob.objects.filter(pk=job_id).update(stage=stage, progress_done=done, progress_total=total)

    return progress


@task()
def run_import_job(job_id: int) -> dict:
    """Run import job ``job_id`` from its stored file. Returns its counts
    (``{"status", "rows", "created", "updated", "unchanged", "errors", "warnings"}``);
    a failure is recorded on the job (``failed``, ``import.failed``) and re-raised so
    that the task result shows it too."""
    from . import services

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.PENDING:
        logger.warning("import job %s is not pending; not run again", job_id)
        return {"status": job.status if job else "missing"}
    result = services.run_job(job_id, progress=_progress(job_id))
    j = result.job
    return {"status": j.status, "rows": j.rows, "created": j.created, "updated": j.updated,
            "unchanged": j.unchanged, "errors": j.errors, "warnings": j.warnings}


def enqueue_job(job: ImportJob) -> None:
    """Queue ``job`` for the background worker (or run it now with the immediate
    backend). A job whose task cannot be queued is marked failed."""
    try:
        run_import_job.enqueue(job.pk)
    except Exception:  # noqa: BLE001 - the job says what happened; the log has the traceback
        logger.exception("could not queue import job %s", job.pk)
        from . import rules
        from ..errors import translate_rule_error

        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PENDING).update(
            status=ImportJob.Status.FAILED, error_code="import.failed",
            error_message=translate_rule_error(rules.issue("import.failed")))
