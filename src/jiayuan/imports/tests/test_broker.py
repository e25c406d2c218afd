"""Background work on a real broker (issue 17, "Past one machine"; docs/operations.md).

With ``JIAYUAN_TASKS_BACKEND=rq`` the same task (:func:`jiayuan.imports.tasks.run_import_job`)
is queued on the machine's Redis through django-tasks-rq and run by RQ's worker
(``jiayuan rqworker --job-class django_tasks_rq.Job default``), which any number of
machines can run against one Redis. The test queues a roster import as the upload page
does, sees it waiting in Redis and not run, runs a worker in burst mode (it runs what is
queued and stops), and checks the import and the task's result.

Uses Redis database ``JIAYUAN_TEST_REDIS_DB`` (default 12) of ``redis://127.0.0.1:6379``
(``JIAYUAN_TEST_REDIS_URL`` overrides the whole URL); skipped with the reason when Redis
cannot be reached or the RQ packages are not installed.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from .test_kill import _python, _roster, fresh_database  # noqa: F401 - a fixture

pytestmark = pytest.mark.broker

REDIS_URL = os.environ.get("JIAYUAN_TEST_REDIS_URL",
                           f"redis://127.0.0.1:6379/{os.environ.get('JIAYUAN_TEST_REDIS_DB', '12')}")


@pytest.fixture
def redis_queue():
    """The URL of a reachable Redis, the test's queue emptied before and after."""
    yield from _redis_queue(REDIS_URL)


@pytest.fixture
def redis_queue_of_its_own():
    """As :func:`redis_queue`, on the next Redis database (13 by default): CI's two
    lanes run at once, and a burst worker of the other lane's test must not take this
    test's job (nor this test's clean-up empty the other's queue)."""
    base, _, db = REDIS_URL.rpartition("/")
    yield from _redis_queue(f"{base}/{int(db) + 1 if db.isdigit() else 13}")


def _redis_queue(url):
    try:
        import django_tasks_rq  # noqa: F401
        import redis
        import rq
    except ImportError as exc:
        pytest.skip(f"the RQ packages are not installed ({exc.name}): make setup")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {url}: {exc}")
    queue = rq.Queue("default", connection=client)
    queue.empty()
    client.delete(queue.started_job_registry.key, queue.failed_job_registry.key)  # a killed worker's leftovers
    yield url
    queue.empty()


def test_a_roster_import_runs_through_redis(fresh_database, redis_queue, tmp_path):
    env = {**fresh_database, "JIAYUAN_TASKS_BACKEND": "rq", "JIAYUAN_REDIS_URL": redis_queue}
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    marker = uuid.uuid4().hex
    queued = json.loads(_python(env, f"""
        import json
        from pathlib import Path
        import django_rq
        from django_tasks import task_backends
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.imports.models import ImportJob
        from jiayuan.regions.models import Region
        data = Path({str(path)!r}).read_bytes()
        job = services.create_job(Actor(None, "page"), Region.objects.get(code="620702001001"), "roster.csv", data)
        tasks.enqueue_job(job)
        job.refresh_from_db()
        queue = django_rq.get_queue("default")
        print(json.dumps({{"backend": type(task_backends["default"]).__name__, "job": job.pk, "status": job.status,
                          "queued": queue.count, "rq_ids": queue.job_ids, "marker": {marker!r}}}))
    """).stdout)
    # Queued on Redis, not run in the request.
    assert queued["backend"] == "RQBackend"
    assert queued["status"] == "pending" and queued["queued"] == 1

    worker = subprocess.run([sys.executable, "-m", "jiayuan.cli", "rqworker", "--burst",
                             "--job-class", "django_tasks_rq.Job", "default"],
                            env=env, capture_output=True, text=True, timeout=300)
    assert worker.returncode == 0, worker.stderr

    state = json.loads(_python(env, f"""
        import json
        import django_rq
        from jiayuan.imports.models import ImportJob
        from jiayuan.imports.tasks import run_import_job
        from jiayuan.people.models import Person
        job = ImportJob.objects.get(pk={queued["job"]})
        result = run_import_job.get_result({queued["rq_ids"][0]!r})
        print(json.dumps({{"job": [job.status, job.rows, job.created, job.errors],
                          "task": [result.status, result.return_value],
                          "persons": Person.objects.count(), "left": django_rq.get_queue("default").count}}))
    """).stdout)
    # The roster of test_kill: 12 households of 3 = 36 persons, all new.
    assert state["job"] == ["done", 36, 36, 0]
    assert state["persons"] == 36
    assert state["task"][0] == "SUCCESSFUL"
    assert state["task"][1]["created"] == 36 and state["task"][1]["status"] == "done"
    assert state["left"] == 0


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the drill counts on PostgreSQL's two writer threads (SQLite writes one chunk at a time)")
def test_an_rq_worker_killed_mid_import_is_recovered_and_the_retry_completes(fresh_database, redis_queue_of_its_own,
                                                                             tmp_path):
    """``kill -9`` of an RQ worker (and its work horse) inside the transaction of an
    import's second chunk: the job is left ``running`` in RQ's started-job registry and
    in the database. The next ``jiayuan rqworker`` of this host fails it before it starts
    (import.interrupted, the task FAILED); 重试 then runs through Redis and completes:
    36 persons, each once, as an uninterrupted run."""
    import signal
    import time

    from jiayuan.tests import holds

    env = {**fresh_database, "JIAYUAN_TASKS_BACKEND": "rq", "JIAYUAN_REDIS_URL": redis_queue_of_its_own,
           "PYTHONPATH": os.pathsep.join(sys.path)}
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    _python(env, f"""
        from pathlib import Path
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.regions.models import Region
        job = services.create_job(Actor(None, "page"), Region.objects.get(code="620702001001"), "roster.csv",
                                  Path({str(path)!r}).read_bytes())
        tasks.enqueue_job(job)
    """)
    hold_dir = tmp_path / "hold"
    hold_dir.mkdir()
    worker = subprocess.Popen([sys.executable, "-m", "jiayuan.tests.holds", str(hold_dir),
                               "jiayuan.imports.engine.write:record_bulk@2", "--", "rqworker", "default"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        horse = holds.held_pid(hold_dir, timeout=120)  # the second chunk's persons inserted, not committed
        deadline = time.monotonic() + 30  # the other writer thread commits the third and fourth chunks
        while time.monotonic() < deadline and json.loads(_python(env, """
                import json
                from jiayuan.imports.models import ImportJob
                print(json.dumps(ImportJob.objects.get().created))
            """).stdout) < 27:
            time.sleep(0.2)
        # The worker and its work horse (RQ forks one per job, in a session of its own).
        os.killpg(worker.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)

    state = """
        import json
        import django_rq
        from jiayuan.imports.models import ImportJob
        from jiayuan.imports.tasks import run_import_job
        from jiayuan.people.models import Person
        q = django_rq.get_queue("default")
        print(json.dumps({"jobs": [[j.status, j.error_code, j.created, j.unchanged]
                                   for j in ImportJob.objects.order_by("pk")],
                          "started": len(q.started_job_registry), "failed": len(q.failed_job_registry),
                          "persons": Person.objects.count(),
                          "distinct": Person.objects.values("id_number_hash").distinct().count()}))
    """
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and os.path.exists(f"/proc/{horse}"):
        time.sleep(0.1)
    killed = json.loads(_python(env, state).stdout)
    assert killed == {"jobs": [["running", "", 27, 0]], "started": 1, "failed": 0, "persons": 27, "distinct": 27}

    burst = [sys.executable, "-m", "jiayuan.cli", "rqworker", "--burst", "default"]
    recovered = subprocess.run(burst, env=env, capture_output=True, text=True, timeout=120)
    assert recovered.returncode == 0, recovered.stderr
    assert "已将中断的导入任务标记为失败" in recovered.stderr
    after = json.loads(_python(env, state).stdout)
    assert after == {"jobs": [["failed", "import.interrupted", 27, 0]], "started": 0, "failed": 1,
                     "persons": 27, "distinct": 27}

    _python(env, """
        from jiayuan.audit.services import Actor
        from jiayuan.imports import services, tasks
        from jiayuan.imports.models import ImportJob
        tasks.enqueue_job(services.retry_job(Actor(None, "page"), ImportJob.objects.get()))
    """)
    again = subprocess.run(burst, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    final = json.loads(_python(env, state).stdout)
    assert final == {"jobs": [["failed", "import.interrupted", 27, 0], ["done", "", 9, 27]], "started": 0,
                     "failed": 1, "persons": 36, "distinct": 36}
