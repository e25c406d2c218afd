"""Test helper: a private PostgreSQL cluster that a drill may restart (issue 17,
"Faults"). The machine's shared server is never restarted: :class:`PrivateCluster`
runs ``initdb`` from the PostgreSQL programs of the machine into a short temporary
directory under /tmp (its unix socket lives there: a CI lane's TMPDIR is too deep for
one), starts it on a free port of 127.0.0.1 with trust authentication, and can
``restart`` it (``pg_ctl restart -m fast``: every backend is ended, as when the
operator restarts the server), ``stop`` and ``start`` it, and :meth:`remove` it.
As root the programs run as the ``postgres`` user (the server refuses root).

:func:`copy_database` copies a database of the suite's server into the cluster
(``pg_dump -Fc | pg_restore``): the drills build their data in-process with the
suite's fixtures and serve it from the private cluster.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from jiayuan.tests.test_replica import _as_postgres, _free_port, _pg_bin


def pg_major() -> str | None:
    """The newest PostgreSQL major version whose server programs are installed."""
    root = Path("/usr/lib/postgresql")
    majors = sorted((p.name for p in root.iterdir() if (p / "bin" / "initdb").exists()), key=int) \
        if root.is_dir() else []
    return majors[-1] if majors else None


class PrivateCluster:
    def __init__(self, major: str):
        self.bin = {n: _pg_bin(n, major) for n in ("initdb", "pg_ctl", "pg_dump", "pg_restore")}
        missing = [n for n, p in self.bin.items() if not p]
        if missing:
            raise RuntimeError(f"PostgreSQL {major} programs missing: {missing}")
        self.dir = Path(tempfile.mkdtemp(prefix="jy-pg-", dir="/tmp"))
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.port = _free_port()
        subprocess.run(_as_postgres([self.bin["initdb"], "-D", str(self.data), "-U", "postgres", "--auth=trust",
                                     "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
                       check=True, capture_output=True, timeout=120)
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.dir}'\nfsync = off\nsynchronous_commit = off\n"
                       "full_page_writes = off\nshared_buffers = 32MB\nmax_connections = 40\n")
        self.start()

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(_as_postgres([self.bin["pg_ctl"], "-D", str(self.data), "-l", str(self.log), "-w",
                                            "-t", "60", *args]), check=check, capture_output=True, text=True,
                              timeout=90)

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session ended, the server up again."""
        self._ctl("-m", "fast", "restart")

    def remove(self) -> None:
        self._ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name: str = "postgres"):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name, autocommit=True,
                               connect_timeout=5)

    def create(self, name: str, template: str | None = None) -> str:
        with self.connect() as admin:
            admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def copy_database(self, source: dict, name: str) -> str:
        """Copy the database of the psycopg parameters ``source`` (the suite's server)
        into a new database ``name`` of this cluster; its URL."""
        self.create(name)
        env = {**os.environ, "PGPASSWORD": source.get("password") or ""}
        dump = subprocess.run([self.bin["pg_dump"], "-Fc", "--no-owner", "--no-privileges", "-h", source["host"],
                               "-p", str(source["port"]), "-U", source.get("user") or "postgres", source["dbname"]],
                              check=True, capture_output=True, env=env, timeout=300)
        subprocess.run([self.bin["pg_restore"], "--no-owner", "--no-privileges", "--exit-on-error", "-h", "127.0.0.1",
                        "-p", str(self.port), "-U", "postgres", "-d", name], input=dump.stdout, check=True,
                       capture_output=True, timeout=300)
        return self.url(name)
