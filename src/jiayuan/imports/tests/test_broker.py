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

from .test_kill import _python, _roster, fresh_database  # noqa: F401 - a fixture

pytestmark = pytest.mark.broker

REDIS_URL = os.environ.get("JIAYUAN_TEST_REDIS_URL",
                           f"redis://127.0.0.1:6379/{os.environ.get('JIAYUAN_TEST_REDIS_DB', '12')}")


@pytest.fixture
def redis_queue():
    """The URL of a reachable Redis, the test's queue emptied before and after."""
    try:
        import django_tasks_rq  # noqa: F401
        import redis
        import rq
    except ImportError as exc:
        pytest.skip(f"the RQ packages are not installed ({exc.name}): make setup")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    queue = rq.Queue("default", connection=client)
    queue.empty()
    yield REDIS_URL
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
