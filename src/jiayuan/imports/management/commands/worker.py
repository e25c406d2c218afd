"""``jiayuan worker``: run background tasks (roster imports …) as they are queued.

A thin wrapper of django-tasks' database worker (``db_worker``) with the project's
defaults: all queues, poll every second, no auto-reload. Stop it with Ctrl-C or
SIGTERM: a task in progress finishes first (a second Ctrl-C stops at once; an import
stopped half-way leaves whole chunks only, and importing the same file again
completes it). ``make demo`` starts it beside ``jiayuan serve``.
"""

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "运行后台任务（如台账导入）：jiayuan worker [--interval 秒] [--batch]"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False, interval=1.0)
