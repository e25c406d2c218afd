"""Background tasks of the import engine (django-tasks, database backend; run by
``jiayuan worker``). Pages and the API create a job (:func:`services.create_job`) and
:func:`enqueue_job`; the task runs it by id and keeps the job row's stage and progress
current, which the pages poll."""

import logging
import os
import socket

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string
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


# ------------------------------------------------------------------ lost workers

RUN_IMPORT_JOB_PATH = "jiayuan.imports.tasks.run_import_job"


class WorkerLost(Exception):
    """Recorded (as its class path) on a task whose worker process died under it."""


def new_worker_id() -> str:
    """A worker id that says where the worker runs: ``host:pid:random`` (≤ 64 characters),
    so that a later worker on the same host can tell whether it is still alive."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


def _alive_here(worker_id: str) -> bool | None:
    """Whether the worker ``worker_id`` still runs: None when it is not of this host (or
    not of the ``host:pid:…`` form); False when its process is gone, or its pid now
    belongs to a process that is no Jiayuan worker (pids are reused)."""
    pid = _pid_here(worker_id)
    if pid is None:
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"worker" in fh.read()
    except OSError:
        return True


def _pid_here(worker_id: str) -> int | None:
    parts = worker_id.split(":")
    if len(parts) == 3 and parts[0] == socket.gethostname()[:40] and parts[1].isdigit():
        return int(parts[1])
    return None


def recover_lost_tasks(dead_pids: list[int] | None = None, why: str = "died while running this task") -> list[int]:
    """Fail the tasks whose worker died under them, and their import jobs.

    A task is lost when it is ``RUNNING`` and its claiming worker (the last of its
    ``worker_ids``) ran on this host as one of ``dead_pids`` (the supervisor passes the
    pid of the child that just died), or, with ``dead_pids=None``, runs on this host and
    its process is gone (every ``jiayuan worker`` does this when it starts). Workers of
    other hosts are never judged (their own host's next worker start does it). The task result becomes
    ``FAILED`` (:class:`WorkerLost`) and its import job ``failed`` with
    ``import.interrupted`` (:func:`services.interrupt_job`), which can be retried.
    ``why`` goes into the task's traceback text (a worker that lost its database and
    recovers passes its own pid and says so). Returns the ids of the import jobs so
    marked."""
    from django_tasks_db.models import DBTaskResult

    lost = []
    for result in DBTaskResult.objects.running():
        claimed_by = result.worker_ids[-1] if result.worker_ids else ""
        if not _lost(claimed_by, dead_pids):
            continue
        done = DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
            status="FAILED", finished_at=timezone.now(),
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"WorkerLost: worker {claimed_by} {why}\n")
        if done:
            lost += _interrupt(result.task_path, (result.args_kwargs or {}).get("args") or [], claimed_by, why)
    if getattr(settings, "TASKS_BACKEND", "") == "rq":
        lost += _recover_lost_rq_jobs(dead_pids, why)
    return lost


def _lost(claimed_by: str, dead_pids: list[int] | None) -> bool:
    if dead_pids is not None:
        return _pid_here(claimed_by) in dead_pids
    return _alive_here(claimed_by) is False


def _interrupt(task_path: str, args: list, claimed_by: str, why: str) -> list[int]:
    """Fail the import job of a lost task (a ``run_import_job`` one): [its id], or []."""
    from . import services

    if task_path == RUN_IMPORT_JOB_PATH and args and isinstance(args[0], int) and services.interrupt_job(args[0]):
        logger.warning("import job %s was interrupted: worker %s %s; marked failed", args[0], claimed_by, why)
        return [args[0]]
    return []


def _recover_lost_rq_jobs(dead_pids: list[int] | None, why: str) -> list[int]:
    """The same for the RQ backend (``JIAYUAN_TASKS_BACKEND=rq``): the jobs of RQ's
    started-job registry of every queue whose worker (``jiayuan rqworker`` names its
    workers ``host:pid:random``, :func:`new_worker_id`) is judged lost as above are
    failed as RQ's own clean-up of abandoned jobs fails them (status ``failed``, moved to
    the failed-job registry, so that django-tasks reports the task ``FAILED``), at once
    rather than after the job's timeout, and their import jobs are failed
    (``import.interrupted``, retryable)."""
    import django_rq
    from django_tasks_rq import Job
    from rq.job import JobStatus

    lost = []
    for name in settings.RQ_QUEUES:
        queue = django_rq.get_queue(name, job_class=Job)
        registry = queue.started_job_registry
        for job_id, execution_id in registry.get_job_and_execution_ids(cleanup=False):
            job = queue.fetch_job(job_id)
            claimed_by = (job.worker_name or "") if job is not None else ""
            if job is None or not _lost(claimed_by, dead_pids):
                continue
            with queue.connection.pipeline() as pipe:
                job.set_status(JobStatus.FAILED, pipeline=pipe)
                job._handle_failure(f"WorkerLost: worker {claimed_by} {why}", pipe, worker_name=claimed_by)
                pipe.zrem(registry.key, f"{job_id}:{execution_id}")
                pipe.execute()
            lost += _interrupt(job.func_name, list(job.args or []), claimed_by, why)
    return lost
