"""``jiayuan worker``: run background tasks (roster imports …) as they are queued.

A thin wrapper of django-tasks' database worker (``db_worker``) with the project's
defaults: all queues, poll every second, no auto-reload, and a worker id
``host:pid:random`` (:func:`jiayuan.imports.tasks.new_worker_id`). Stop it with Ctrl-C
or SIGTERM: a task in progress finishes first (a second Ctrl-C stops at once; an import
stopped half-way leaves whole chunks only, and importing the same file again completes
it).

A worker that *dies* (SIGKILL, the kernel's OOM killer, a native library's abort) cannot
record anything. So every worker, when it starts, first fails the tasks that a dead
worker of the same host left ``RUNNING``, and their import jobs (``import.interrupted``,
后台任务程序在处理时中断…; the job page and the API offer 重试):
:func:`jiayuan.imports.tasks.recover_lost_tasks`.

A worker whose *database* goes away (PostgreSQL restarted, the network cut) does not
die: the task that was running fails with the lost connection, the worker logs one line
(no traceback), waits for the database with a back-off of 1, 2, 4 … up to 30 seconds,
fails the task it was running and its import job (``import.interrupted``, retryable:
:func:`~jiayuan.imports.tasks.recover_lost_tasks` with its own pid) and goes on with the
queue (:class:`ResilientWorker`; drill: ``jiayuan/tests/test_restart.py``).

``jiayuan worker --supervise`` runs the worker as a child process and starts it again
whenever it ends without being asked to (any exit status, any signal), after failing
that child's tasks, with a back-off of 1, 2, 4 … up to 30 seconds (back to 1 s once a
child has run for a minute); each restart is logged. SIGTERM/SIGINT to the supervisor
are passed to the child, and the supervisor ends when the child has. ``make demo``
starts it so beside ``jiayuan serve``; in production systemd (``Restart=always``,
docs/import.md) supervises the worker itself.
"""

import logging
import os
import signal
import subprocess
import sys
import time

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("jiayuan.worker")

BACKOFF_MAX = 30.0
"""Seconds: the longest wait before a crashed worker is started again."""
STABLE_AFTER = 60.0
"""Seconds: a child that ran this long resets the back-off to its first step."""


class ResilientWorker(Worker):
    """django-tasks' database worker that outlives an outage of its database (see the
    module docstring): :meth:`run` catches the lost connection, waits for the database
    (:func:`wait_for_database`), fails what this worker was running and starts its loop
    again."""

    sleep = staticmethod(time.sleep)

    def run(self) -> None:
        from jiayuan.imports import tasks

        while True:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    raise
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                logger.warning("数据库暂时无法连接（%s）：后台任务程序等待数据库恢复后继续", first)
                wait_for_database(self.sleep)
                lost = tasks.recover_lost_tasks(dead_pids=[os.getpid()],
                                                why="lost its database connection while running this task")
                logger.warning("数据库已恢复；中断的导入任务 %s 已标记为失败，可重试", lost or "无")


def wait_for_database(sleep=time.sleep, backoff_max: float = BACKOFF_MAX) -> None:
    """Close every connection, then try the default database (``SELECT 1``) with a
    back-off of 1, 2, 4 … ``backoff_max`` seconds until it answers."""
    delay = 1.0
    while True:
        connections.close_all()
        try:
            with connections["default"].cursor() as cur:
                cur.execute("SELECT 1")
            return
        except (OperationalError, InterfaceError):
            sleep(delay)
            delay = min(delay * 2, backoff_max)


class Command(DbWorkerCommand):
    help = "运行后台任务（如台账导入）：jiayuan worker [--interval 秒] [--batch] [--supervise]"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False, interval=1.0, worker_id=None)
        parser.add_argument(
            "--supervise", action="store_true",
            help="在子进程中运行后台任务程序，子进程意外退出（被终止、崩溃）时自动重启（退避 1–30 秒）并记录日志",
        )

    def handle(self, *args, supervise=False, **options):
        if supervise:
            if options.get("reload") or options.get("batch"):
                raise CommandError("--supervise 不能与 --reload 或 --batch 同时使用")
            code = supervise_worker(self._child_argv(options), verbosity=options["verbosity"])
            if code:
                sys.exit(code if code > 0 else 128 - code)
            return None
        from jiayuan.imports import tasks

        if not options.get("worker_id"):
            options["worker_id"] = tasks.new_worker_id()
        lost = tasks.recover_lost_tasks()
        if lost and options["verbosity"]:
            self.stderr.write(f"已将中断的导入任务标记为失败：{', '.join(map(str, lost))}")
        if options.get("reload"):
            return super().handle(*args, **options)
        self.configure_logging(options["verbosity"])
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s jiayuan worker: %(message)s"))
            logger.addHandler(handler)
            logger.propagate = False
        excluded = options["exclude_queues"].split(",") if options.get("exclude_queues") else []
        queues = options["queue_name"].split(",")
        if excluded and "*" not in queues:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(queue_names=queues, interval=options["interval"], batch=options["batch"],
                                 backend_name=options["backend_name"], startup_delay=options["startup_delay"],
                                 max_tasks=options.get("max_tasks"), worker_id=options["worker_id"],
                                 excluded_queue_names=excluded)
        worker.configure_signals()
        worker.run()
        return None

    @staticmethod
    def _child_argv(options) -> list[str]:
        argv = ["worker", "--verbosity", str(options["verbosity"]), "--interval", str(options["interval"]),
                "--queue-name", options["queue_name"]]
        if options.get("exclude_queues"):
            argv += ["--exclude-queues", options["exclude_queues"]]
        if options.get("backend_name"):
            argv += ["--backend", options["backend_name"]]
        if options.get("max_tasks"):
            argv += ["--max-tasks", str(options["max_tasks"])]
        if not options.get("startup_delay", True):
            argv.append("--no-startup-delay")
        return argv


def supervise_worker(child_argv: list[str], *, verbosity: int = 1, max_restarts: int | None = None,
                     sleep=time.sleep) -> int:
    """Run ``jiayuan <child_argv>`` (a worker) as a child process, again and again.

    When a child ends and no stop was asked for, the tasks it had claimed (its worker id
    holds its pid) are failed (:func:`~jiayuan.imports.tasks.recover_lost_tasks`), the restart is logged (warning: exit status or signal, attempt, wait)
    and a new child starts after the back-off. SIGTERM/SIGINT: passed to the child; the
    supervisor returns the child's exit status once it has ended. ``max_restarts``
    (tests): stop after that many restarts. Returns 0 when stopped as asked, else the
    last child's exit status (negative: the signal that ended it)."""
    from jiayuan.imports import tasks

    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s jiayuan worker --supervise: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO if verbosity else logging.WARNING)
    state = {"stop": False, "child": None}

    def forward(signum, _frame):
        state["stop"] = True
        child = state["child"]
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    delay, restarts, code = 1.0, 0, 0
    try:
        while True:
            started = time.monotonic()
            child = subprocess.Popen([sys.executable, "-m", "jiayuan.cli", *child_argv], env=os.environ.copy())
            state["child"] = child
            logger.info("后台任务程序已启动（pid %s）", child.pid)
            while True:
                try:
                    code = child.wait()
                    break
                except InterruptedError:  # pragma: no cover - PEP 475 retries wait() itself
                    continue
            state["child"] = None
            ran = time.monotonic() - started
            if state["stop"]:
                # Stopped as asked: by the signal passed on (before its handlers were set
                # the child just ends by it) or gracefully.
                logger.info("后台任务程序已停止（退出码 %s）", code)
                return 0 if code in (0, -signal.SIGTERM, -signal.SIGINT) else code
            try:
                lost = tasks.recover_lost_tasks(dead_pids=[child.pid])
            except Exception:  # noqa: BLE001 - the restart matters more; the next start sweeps again
                logger.exception("could not fail the tasks of the dead worker (pid %s)", child.pid)
                lost = []
            how = f"被信号 {signal.Signals(-code).name} 终止" if code < 0 else f"退出码 {code}"
            if ran >= STABLE_AFTER:
                delay = 1.0
            restarts += 1
            logger.warning("后台任务程序意外退出（pid %s，%s，运行了 %.1f 秒）；中断的导入任务 %s 已标记为失败；"
                           "%.0f 秒后第 %d 次重启", child.pid, how, ran, lost or "无", delay, restarts)
            if max_restarts is not None and restarts > max_restarts:
                return code
            sleep(delay)
            if state["stop"]:
                return code
            delay = min(delay * 2, BACKOFF_MAX)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)

