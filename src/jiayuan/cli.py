"""The ``jiayuan`` console script: every Django management command plus the project's own.

``jiayuan serve [--bind ADDR] [--workers N]`` runs gunicorn; everything else is passed to
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


def _serve(args: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="jiayuan serve", description="Serve Jiayuan with gunicorn.")
    parser.add_argument("--bind", default=os.environ.get("JIAYUAN_BIND", "127.0.0.1:8000"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("JIAYUAN_WORKERS", "3")))
    opts = parser.parse_args(args)
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn", "jiayuan.wsgi:application",
        "--bind", opts.bind, "--workers", str(opts.workers),
        "--access-logfile", "-", "--timeout", "120",
    ]
    run()


if __name__ == "__main__":
    main()
