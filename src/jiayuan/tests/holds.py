"""Test helper: run a ``jiayuan`` command (``serve``, ``worker``, ``rqworker``) with one
function held, so that a drill can restart the database or kill the process at that
exact point (issue 17, "Faults").

``python -m jiayuan.tests.holds DIR module:function[@N] -- serve --bind …`` wraps
``function`` of ``module`` (looked up as a module global at call time, so services
calling their own helpers meet the wrapper) and runs the command. The N-th call (default
1) in a process, if no process has claimed the hold yet (``DIR/claim``, created
exclusively: one hold per drill, whatever the number of gunicorn workers), writes its
pid to ``DIR/held`` and
waits until ``DIR/release`` exists (at most 5 minutes) before going on with the real
function; every other call passes straight through. gunicorn's workers are forked from
the process that installed the wrapper, so they hold too.
"""

import importlib
import os
import sys
import time
from pathlib import Path


def held_pid(directory: Path, timeout: float = 60.0) -> int:
    """Wait until a process is held under ``directory``; its pid."""
    flag = Path(directory) / "held"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if flag.exists() and flag.read_text().strip():
            return int(flag.read_text())
        time.sleep(0.02)
    raise AssertionError(f"nothing was held within {timeout} s")


def release(directory: Path) -> None:
    (Path(directory) / "release").write_text("go")


def install(directory: str, spec: str) -> None:
    target, _, nth = spec.partition("@")
    module_name, name = target.split(":")
    module = importlib.import_module(module_name)
    real = getattr(module, name)
    nth = int(nth or 1)
    calls = []
    directory = Path(directory)

    def held(*args, **kwargs):
        calls.append(1)
        if len(calls) == nth:
            try:  # the first process to get here claims the hold (the claim stays)
                os.close(os.open(directory / "claim", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            except FileExistsError:
                return real(*args, **kwargs)
            (directory / "held.tmp").write_text(str(os.getpid()))
            os.rename(directory / "held.tmp", directory / "held")
            deadline = time.monotonic() + 300
            while not (directory / "release").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        return real(*args, **kwargs)

    setattr(module, name, held)


def main(argv: list[str]) -> None:
    directory, spec, sep, *command = argv
    assert sep == "--", argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    import django

    django.setup()
    install(directory, spec)
    from jiayuan.cli import main as cli

    cli(["jiayuan", *command])


if __name__ == "__main__":
    main(sys.argv[1:])
