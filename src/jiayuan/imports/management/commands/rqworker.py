"""``jiayuan rqworker``: django-rq's worker (``JIAYUAN_TASKS_BACKEND=rq``) with the
project's defaults and the recovery of ``jiayuan worker``.

- ``--job-class`` defaults to ``django_tasks_rq.Job`` (it runs the django-tasks task
  behind an RQ job);
- ``--name`` defaults to ``host:pid:random`` (:func:`jiayuan.imports.tasks.new_worker_id`),
  so that a later worker of the same host can tell whether it is still alive;
- before it starts, it fails the jobs that a dead worker of this host left in RQ's
  started-job registry, and their import jobs (``import.interrupted``, 重试 on the job
  page and in the API): :func:`jiayuan.imports.tasks.recover_lost_tasks`. Without this a
  worker killed with ``kill -9`` left its import ``running`` until RQ's own clean-up,
  after the job's timeout (2 hours), and even then the import job itself stayed
  ``running``.

Everything else is django-rq's ``rqworker`` (docs/operations.md, "Background work on Redis").
"""

from django.core.management.base import CommandError

try:
    from django_rq.management.commands.rqworker import Command as RQWorkerCommand
except Exception as exc:  # noqa: BLE001 - not configured for RQ: django_rq is not installed as an app
    RQWorkerCommand = None
    _why = exc
else:
    _why = None

if RQWorkerCommand is None:
    from django.core.management.base import BaseCommand as _Base
else:
    _Base = RQWorkerCommand


class Command(_Base):
    help = "运行 Redis（RQ）上的后台任务：JIAYUAN_TASKS_BACKEND=rq jiayuan rqworker [default]"

    def handle(self, *args, **options):
        if RQWorkerCommand is None:
            raise CommandError(f"jiayuan rqworker 需要 JIAYUAN_TASKS_BACKEND=rq（以及 django-rq）：{_why}")
        from jiayuan.imports import tasks

        options["job_class"] = options.get("job_class") or "django_tasks_rq.Job"
        options["name"] = options.get("name") or tasks.new_worker_id()
        lost = tasks.recover_lost_tasks()
        if lost and options.get("verbosity", 1):
            self.stderr.write(f"已将中断的导入任务标记为失败：{', '.join(map(str, lost))}")
        return super().handle(*args, **options)
