"""A background worker that dies in the middle of an import (issue 11, finding 1).

``test_killed_worker_job_fails_then_retry_completes`` runs the real ``jiayuan worker``
in a subprocess against a database of its own (the ``fresh_database`` of
:mod:`.test_kill`), holds it inside the transaction of its second chunk, kills it with
SIGKILL (what a Rust abort or the OOM killer amounts to: nothing runs afterwards), then
starts a worker again: the job, left ``running``, is marked ``failed``
(``import.interrupted``); a retry through the service layer runs the same stored file
and completes the import with nothing duplicated.

``test_supervisor_restarts_a_killed_worker`` runs ``jiayuan worker --supervise``, kills
its child with SIGKILL, and sees a new child started (and logged) and the whole stopped
by one SIGTERM. The remaining tests are in-process: the sweep by pid, the retry service
with its audit entry, the page and the API.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from django.urls import reverse

from jiayuan.audit.models import AuditEntry
from jiayuan.audit.services import Actor
from jiayuan.imports import services, tasks
from jiayuan.imports.models import ImportJob
from jiayuan.regions.models import Region

from .conftest import OWNER_COMMUNITY
from .test_kill import (_python, _roster, fresh_database, held_in_second_chunk,  # noqa: F401 - a fixture
                        kill_when_held)

INTERRUPTED = "后台任务程序在处理时中断（进程被终止或异常退出），本次导入未完成；已写入的行完整可用，请点击“重试”重新导入"

JOB_STATE = """
    import json
    from django_tasks_db.models import DBTaskResult
    from jiayuan.imports.models import ImportJob
    from jiayuan.people.models import Person
    print(json.dumps({
        "jobs": [[j.pk, j.status, j.error_code, j.error_message, j.created, j.unchanged, j.options.get("retry_of")]
                 for j in ImportJob.objects.order_by("pk")],
        "tasks": [[t.status, t.exception_class_path] for t in DBTaskResult.objects.order_by("enqueued_at")],
        "persons": Person.objects.count(),
        "distinct_ids": Person.objects.values("id_number_hash").distinct().count(),
    }))
"""


def _state(env) -> dict:
    return json.loads(_python(env, JOB_STATE).stdout)


def test_killed_worker_job_fails_then_retry_completes(fresh_database, tmp_path):
    env = {**fresh_database, "JIAYUAN_TASKS_BACKEND": ""}
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    # A job queued as the upload page queues it (stored file, database task backend).
    _python(env, f"""
        from pathlib import Path
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.regions.models import Region
        data = Path({str(path)!r}).read_bytes()
        job = services.create_job(Actor(None, "page"), Region.objects.get(code="620702001001"), "roster.csv", data)
        tasks.enqueue_job(job)
    """)
    # The real worker, held inside the transaction of its second chunk until killed.
    hold = held_in_second_chunk(["worker", "--no-startup-delay", "--interval", "0.1"])
    kill_when_held(env, hold)

    # Before any worker starts again: the job is left running (the bug), the task too.
    state = _state(env)
    assert state["jobs"] == [[1, "running", "", "", 9, 0, None]]
    assert state["tasks"] == [["RUNNING", ""]]
    assert (state["persons"], state["distinct_ids"]) == (9, 9)

    # A worker starts (here one that runs what is queued and stops): it fails the lost job.
    again = subprocess.run([sys.executable, "-m", "jiayuan.cli", "worker", "--batch", "--no-startup-delay"],
                           env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "已将中断的导入任务标记为失败：1" in again.stderr
    state = _state(env)
    assert state["jobs"] == [[1, "failed", "import.interrupted", INTERRUPTED, 9, 0, None]]
    assert state["tasks"] == [["FAILED", "jiayuan.imports.tasks.WorkerLost"]]

    # 重试 (the page's button and the API call this service): the same stored file, queued.
    _python(env, """
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.imports.models import ImportJob
        job = services.retry_job(Actor(None, "page"), ImportJob.objects.get(pk=1))
        tasks.enqueue_job(job)
    """)
    done = subprocess.run([sys.executable, "-m", "jiayuan.cli", "worker", "--batch", "--no-startup-delay"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    state = _state(env)
    # 36 rows: the 9 written before the kill are unchanged, the 27 others created.
    assert state["jobs"] == [[1, "failed", "import.interrupted", INTERRUPTED, 9, 0, None],
                             [2, "done", "", "", 27, 9, 1]]
    assert state["tasks"] == [["FAILED", "jiayuan.imports.tasks.WorkerLost"], ["SUCCESSFUL", ""]]
    assert (state["persons"], state["distinct_ids"]) == (36, 36)


def _read_until(stream, pattern: str, deadline: float, seen: list[str]) -> re.Match:
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m
    raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(seen)}")


def test_supervisor_restarts_a_killed_worker(fresh_database):
    env = {**fresh_database, "JIAYUAN_TASKS_BACKEND": "", "PYTHONUNBUFFERED": "1"}
    sup = subprocess.Popen([sys.executable, "-m", "jiayuan.cli", "worker", "--supervise", "--no-startup-delay",
                            "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    watchdog = threading.Timer(120, sup.kill)  # a blocked readline cannot hang the suite
    watchdog.start()
    try:
        deadline = time.monotonic() + 60
        first = int(_read_until(sup.stderr, r"后台任务程序已启动（pid (\d+)）", deadline, seen).group(1))
        time.sleep(1.0)  # let it reach its polling loop
        os.kill(first, signal.SIGKILL)
        _read_until(sup.stderr, rf"后台任务程序意外退出（pid {first}，被信号 SIGKILL 终止.*1 秒后第 1 次重启",
                    deadline, seen)
        second = int(_read_until(sup.stderr, r"后台任务程序已启动（pid (\d+)）", deadline, seen).group(1))
        assert second != first
        os.kill(second, 0)  # the new worker runs
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(timeout=30) == 0
        with pytest.raises(ProcessLookupError):  # the child stopped with it
            for _ in range(50):
                os.kill(second, 0)
                time.sleep(0.1)
    finally:
        watchdog.cancel()
        if sup.poll() is None:
            sup.kill()


# ---------------------------------------------------------------- in-process


def _running_task(job: ImportJob, worker_id: str):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status="RUNNING", task_path=tasks.RUN_IMPORT_JOB_PATH, args_kwargs={"args": [job.pk], "kwargs": {}},
        queue_name="default", backend_name="default", priority=0, worker_ids=[worker_id], run_after=None,
    )


@pytest.fixture
def db_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_sweep_fails_only_jobs_of_dead_workers(db, users, db_backend):
    import socket

    region = Region.objects.get(code=OWNER_COMMUNITY)
    host = socket.gethostname()[:40]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    jobs = {}
    for name, worker_id in [("dead", f"{host}:{dead.pid}:abcd"), ("alive", f"{host}:{os.getpid()}:abcd"),
                            ("elsewhere", f"another-host:{dead.pid}:abcd"), ("foreign", "3f9c0e")]:
        job = services.create_job(Actor(None, "page"), region, f"{name}.csv", b"x", store_file=False)
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
        _running_task(job, worker_id)
        jobs[name] = job.pk
    assert tasks.recover_lost_tasks() == [jobs["dead"]]
    status = dict(ImportJob.objects.values_list("file_name", "status"))
    assert status == {"dead.csv": "failed", "alive.csv": "running", "elsewhere.csv": "running",
                      "foreign.csv": "running"}
    assert ImportJob.objects.get(pk=jobs["dead"]).error_message == INTERRUPTED
    # the supervisor names the pid of the child that died
    assert tasks.recover_lost_tasks(dead_pids=[os.getpid()]) == [jobs["alive"]]


def test_retry_is_audited_and_refused_for_jobs_that_did_not_fail(db, users, media, db_backend):
    region = Region.objects.get(code=OWNER_COMMUNITY)
    job = services.create_job(Actor(users["community"], "page"), region, "r.csv", _roster())
    with pytest.raises(services.FileRejected) as exc:
        services.retry_job(Actor(users["community"], "page"), job)
    assert exc.value.code == "import.not_retryable"
    assert services.interrupt_job(job.pk)
    job.refresh_from_db()
    with pytest.raises(services.FileRejected) as exc:
        services.retry_job(Actor(users["peer"], "page"), job)
    assert exc.value.code == "permission.denied"
    again = services.retry_job(Actor(users["community"], "page"), job)
    assert (again.status, again.file.name, again.options["retry_of"], again.created_by) == \
        ("pending", job.file.name, job.pk, users["community"])
    entry = AuditEntry.objects.get(action="import.retry")
    assert (entry.object_id, entry.extra["retry_of"], entry.extra["error_code"]) == \
        (str(again.pk), job.pk, "import.interrupted")


def test_retry_from_the_page_and_the_api(db, users, client, api_client, media, immediate_tasks):
    region = Region.objects.get(code=OWNER_COMMUNITY)
    job = services.create_job(Actor(users["community"], "page"), region, "r.csv", _roster())
    services.interrupt_job(job.pk)
    client.force_login(users["community"])
    page = client.get(reverse("web:import_job", args=[job.pk]))
    assert INTERRUPTED in page.content.decode() and 'data-testid="retry"' in page.content.decode()
    resp = client.post(reverse("web:import_retry", args=[job.pk]))
    retried = ImportJob.objects.get(options__retry_of=job.pk)
    assert resp.status_code == 302 and resp["Location"] == reverse("web:import_job", args=[retried.pk])
    assert (retried.status, retried.created) == ("done", 36)
    page = client.get(reverse("web:import_job", args=[job.pk]))
    assert 'data-testid="retry"' not in page.content.decode()  # retried once: a link to that job instead

    api = services.create_job(Actor(users["community"], "api"), region, "r.csv", _roster())
    services.interrupt_job(api.pk)
    api_user = api_client("community")
    resp = api_user.post(f"/api/v1/imports/{api.pk}/retry")
    assert resp.status_code == 202, resp.content
    body = resp.json()
    assert (body["status"], body["result"]["unchanged"]) == ("done", 36)
    resp = api_user.post(f"/api/v1/imports/{body['id']}/retry")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "import.not_retryable"
