"""The ``jiayuan`` console script: every Django management command plus the project's own.

``jiayuan serve [--bind ADDR] [--workers N]`` runs gunicorn (its control socket, for
``gunicornc``, at ``var/gunicorn-<bind>.ctl``, one per address: see :func:`gunicorn_argv`);
everything else is passed to
Django's ``manage.py`` machinery, e.g. ``jiayuan migrate``, ``jiayuan load-divisions``,
``jiayuan audit verify``, ``jiayuan createsuperuser --noinput``.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command; exit with its status."""
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiayuan.settings")
    if len(argv) > 1 and argv[1] == "serve":
        _serve(argv[2:])
        return
    # Hyphenated names for the project's commands: `jiayuan load-divisions` == load_divisions.
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


# AF_UNIX paths are limited to 108 bytes (Linux) or 104 (BSD, macOS) with the final NUL.
_MAX_SOCKET_PATH = 100


def control_socket_path(bind: str, var_dir) -> str | None:
    """Where gunicorn's control socket of the server bound to ``bind`` lives:
    ``<var_dir>/gunicorn-<bind>.ctl`` with every character other than letters, digits and
    dots of ``bind`` replaced by ``-`` (``127.0.0.1:8000`` → ``gunicorn-127.0.0.1-8000.ctl``),
    so two servers of one user on two addresses never share it (gunicorn's default is one
    path per user, ``$XDG_RUNTIME_DIR/gunicorn.ctl`` or ``~/.gunicorn/gunicorn.ctl``, where a
    second server takes over the first one's socket and ``gunicornc`` then talks to the
    wrong server). None when the path would be too long for a Unix socket
    (more than 100 bytes): the caller then turns the control socket off."""
    import re
    from pathlib import Path

    slug = re.sub(r"[^A-Za-z0-9.]+", "-", bind).strip("-") or "default"
    path = str(Path(var_dir).resolve() / f"gunicorn-{slug}.ctl")
    return path if len(path.encode()) <= _MAX_SOCKET_PATH else None


def gunicorn_argv(bind: str, workers: int, var_dir) -> list[str]:
    """gunicorn's command line for ``jiayuan serve``: the WSGI app on ``bind`` with
    ``workers`` processes, access log on stdout, and the control socket of
    :func:`control_socket_path` (``--no-control-socket`` when that is None)."""
    socket = control_socket_path(bind, var_dir)
    control = ["--control-socket", socket] if socket else ["--no-control-socket"]
    return ["gunicorn", "jiayuan.wsgi:application", "--bind", bind, "--workers", str(workers),
            "--access-logfile", "-", "--timeout", "120", *control]


def _serve(args: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="jiayuan serve", description="Serve Jiayuan with gunicorn.")
    parser.add_argument("--bind", default=os.environ.get("JIAYUAN_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("JIAYUAN_WORKERS", "3")))
    opts = parser.parse_args(args)
    from django.conf import settings
    from gunicorn.app.wsgiapp import run

    var_dir = settings.VAR_DIR
    var_dir.mkdir(parents=True, exist_ok=True)
    sys.argv = gunicorn_argv(opts.bind, opts.workers, var_dir)
    run()


if __name__ == "__main__":
    main()
