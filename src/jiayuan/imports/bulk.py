"""Bulk writing for large imports: the database work of a 100,000-row roster done in
few statements, by more than one thread, with a helper process for the costly pure
Python part. Nothing here knows a roster's columns or rules: the import engine
(:mod:`.engine`) decides what to write; this module writes it fast and says how.

- **Reading keys in bulk**: :func:`select_in` (one ``= ANY`` array on PostgreSQL, one
  ``json_each`` array on SQLite, instead of a queryset per batch of ``IN`` constants).
- **Inserting in bulk**: :func:`template` and :func:`insert` (``COPY`` on PostgreSQL,
  multi-row ``INSERT`` elsewhere through :func:`jiayuan.audit.services.insert_rows`).
  ``insert_rows`` stays audit's public function: ``audit.services.record_bulk`` writes
  the audit log (whose rows, hash chain and statement shape the audit app owns) with it,
  and audit, which every app uses, must not import an app above it.
- **Connection tuning**: :func:`tuned_connection` (SQLite: a 32 MB page cache and a
  rarer WAL checkpoint while an import writes).
- **Writer threads**: :func:`run_pipelined` (each chunk written in its own transaction by
  writer threads with their own connections while the caller prepares the next one;
  :func:`can_pipeline`, :func:`writer_count`).
- **The helper process**: :class:`Helper` (a forked process computing a pure function
  while the import validates), and :func:`release_memory`.

Settings: ``IMPORT_PIPELINE`` (0 turns the writer threads off), ``IMPORT_WRITERS``
(writer threads on PostgreSQL, default 2), read by :func:`setting` from settings or the
environment (``JIAYUAN_IMPORT_*``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import contextmanager

from django.conf import settings

from ..audit.services import insert_rows

__all__ = ["setting", "select_in", "template", "insert", "tuned_connection", "can_pipeline", "writer_count",
           "run_pipelined", "Helper", "release_memory"]


def setting(name: str, default: int) -> int:
    """The integer setting ``name`` (``IMPORT_CHUNK_ROWS`` …): from Django settings, else
    the environment variable ``JIAYUAN_<name>``, else ``default``."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"JIAYUAN_{name}")
    return int(value) if value not in (None, "") else default


# ------------------------------------------------------------------ reading keys


def select_in(model, columns: tuple, key: str, keys: list, batch: int = 900, *, where: dict | None = None):
    """Rows (tuples of ``columns``, by column name) of ``model`` whose ``key`` column is
    one of ``keys`` (what ``filter(key__in=...).values_list(...)`` does, without a
    queryset for every batch of a large file): on PostgreSQL ``key = ANY(%s)`` with
    one array of up to 20,000 values (a list of thousands of ``IN`` constants costs
    more to parse and plan than the lookups themselves), elsewhere plain ``IN``
    queries of ``batch`` values; on SQLite ``IN (SELECT value FROM json_each(%s))`` with
    one JSON array. ``where``: further equality conditions by attname. Keys are
    strings or integers."""
    from django.db import connection

    if not keys:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    names = ", ".join(qn(by_attname[c]) for c in columns)
    key = qn(by_attname[key])
    postgres = connection.vendor == "postgresql"
    sqlite = connection.vendor == "sqlite"
    step = 20_000 if postgres or sqlite else batch
    also = "".join(f" AND {qn(by_attname[a])} = %s" for a in (where or {}))
    also_params = list((where or {}).values())
    with connection.cursor() as cur:
        for i in range(0, len(keys), step):
            part = keys[i:i + step]
            if postgres:
                cur.execute(f"SELECT {names} FROM {table} WHERE {key} = ANY(%s){also}", [part, *also_params])
            elif sqlite:  # one JSON array parameter (json_each), not thousands of "?"
                cur.execute(f"SELECT {names} FROM {table} WHERE {key} IN (SELECT value FROM json_each(%s)){also}",
                            [json.dumps(part), *also_params])
            else:
                cur.execute(f"SELECT {names} FROM {table} WHERE {key} IN ({', '.join(['%s'] * len(part))}){also}",
                            [*part, *also_params])
            yield from cur.fetchall()


# ------------------------------------------------------------------ inserting


def template(model) -> tuple[list, dict]:
    """(concrete fields but the primary key, their defaults by attname) of ``model``:
    the columns a raw insert writes; what a row does not set keeps the model default."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        defaults[f.attname] = f.get_default() if f.has_default() or f.null else ("" if f.empty_strings_allowed else None)
    return fields, defaults


def insert(model, rows: list[dict], template: tuple[list, dict], now, *, want_ids: bool = True) -> list | None:
    """Insert ``rows`` (dicts by attname; missing keys take the model default,
    ``auto_now``/``auto_now_add`` fields ``now``) into ``model``'s table in one
    statement: ``COPY`` on PostgreSQL (ids drawn from the table's sequence first, so
    concurrent writers never collide, and returned in order), multi-row ``INSERT``
    elsewhere (ids by ``RETURNING`` where the database has it, else None: the caller
    then reads the ids back by a unique key). Runs in
    the caller's transaction; constraints apply as for any INSERT."""
    from django.db import connection

    fields, defaults = template
    stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    attnames = [f.attname for f in fields]
    base = dict(defaults)
    for a in stamped:
        base[a] = now
    if connection.vendor == "postgresql":
        pk = model._meta.pk
        with connection.cursor() as cur:
            ids = None
            cols = [qn(f.column) for f in fields]
            if want_ids:
                cur.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                            [model._meta.db_table, pk.column, len(rows)])
                ids = sorted(r[0] for r in cur.fetchall())
                cols = [qn(pk.column)] + cols
            # COPY goes to psycopg directly: its errors raised as Django's (IntegrityError).
            with connection.wrap_database_errors, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                write = copy.write_row
                if ids is not None:
                    for pid, row in zip(ids, rows):
                        d = {**base, **row}
                        write([pid] + [d[a] for a in attnames])
                else:
                    for row in rows:
                        d = {**base, **row}
                        write([d[a] for a in attnames])
        return ids
    ops = connection.ops
    conv = {}
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            conv[f.attname] = ops.adapt_datetimefield_value
        elif kind == "DateField":
            conv[f.attname] = ops.adapt_datefield_value
    for a, fn in conv.items():  # the defaults and the stamp once, not per row
        if base.get(a) is not None:
            base[a] = fn(base[a])
    values = []
    for row in rows:
        d = {**base, **row}
        for a, fn in conv.items():
            v = row.get(a)
            if v is not None:
                d[a] = fn(v)
        values.append([d[a] for a in attnames])
    returning = (f"RETURNING {qn(model._meta.pk.column)}"
                 if want_ids and connection.features.can_return_rows_from_bulk_insert else "")
    return insert_rows(connection, f"INSERT INTO {table} ({', '.join(qn(f.column) for f in fields)}) VALUES ",
                       values, returning=returning)


# ------------------------------------------------------------------ connection tuning


def _tune_connection() -> None:
    """SQLite: a page cache of 32 MB for this connection (the default 2 MB makes every
    insert into the random-keyed indexes of a large import — keyed hashes, audit
    hashes — read pages back from the file)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -16384")
            # Checkpoint the WAL every 64 MB instead of every 4 MB: an import rewrites
            # the same index pages chunk after chunk, and each checkpoint syncs the file.
            cur.execute("PRAGMA wal_autocheckpoint = 16384")


def _untune_connection() -> None:
    from django.db import connection

    if connection.vendor == "sqlite" and connection.connection is not None:
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -2000")
            cur.execute("PRAGMA wal_autocheckpoint = 1000")


@contextmanager
def tuned_connection(*, restore: bool = True):
    """This thread's connection tuned for bulk writing while the block runs (SQLite: see
    :func:`_tune_connection`; nothing elsewhere), and set back afterwards unless
    ``restore`` is False (a writer thread's connection, closed when the thread ends)."""
    _tune_connection()
    try:
        yield
    finally:
        if restore:
            _untune_connection()


# ------------------------------------------------------------------ writer threads


def can_pipeline(chunks: int) -> bool:
    """Whether ``chunks`` chunks may be written by writer threads (their own database
    connections) while this thread prepares the next chunk: when there are several
    chunks, we are not inside a transaction (whose rows another connection could not
    see) and the database is not an in-memory one. ``IMPORT_PIPELINE`` = 0 turns it
    off."""
    from django.db import connection

    if chunks < 2 or connection.in_atomic_block or setting("IMPORT_PIPELINE", 1) <= 0:
        return False
    name = str(connection.settings_dict.get("NAME") or "")
    return not (connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name))


def writer_count() -> int:
    """Writer threads: on PostgreSQL 2 (``IMPORT_WRITERS``), each with its own
    connection, so that the server works on one chunk's rows while another chunk
    waits for the audit chain; SQLite has one writer at a time, so 1."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 1
    return max(1, setting("IMPORT_WRITERS", 2))


def run_pipelined(chunks: list, prepare: Callable[[object], None], write: Callable[[object], None],
                  written: Callable[[object], None], *, name: str = "import-writer") -> None:
    """Write ``chunks`` with :func:`writer_count` writer threads (each with its own
    database connection, tuned by :func:`tuned_connection`) while this thread calls
    ``prepare(chunk)`` on the next ones: the database's work (and the wait for it)
    overlaps Python's. ``write(chunk)`` runs in a writer thread (it opens its own
    transaction); ``written(chunk)`` after it, under a lock (progress). After the first
    failure of a writer no further chunk is written; the exception is re-raised here
    once every thread has stopped."""
    import queue
    import threading

    from django.db import connections

    writers = writer_count()
    todo: queue.Queue = queue.Queue(maxsize=writers + 1)
    failure: list[BaseException] = []
    lock = threading.Lock()

    def writer() -> None:
        try:
            with tuned_connection(restore=False):
                while True:
                    chunk = todo.get()
                    if chunk is None:
                        return
                    if failure:
                        continue
                    write(chunk)
                    with lock:
                        written(chunk)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            failure.append(exc)
            while todo.get() is not None:  # drain so that the producer never blocks
                pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, name=f"{name}-{i}", daemon=True) for i in range(writers)]
    for t in threads:
        t.start()
    try:
        for chunk in chunks:
            if failure:
                break
            prepare(chunk)
            todo.put(chunk)
    finally:
        for _ in threads:
            todo.put(None)
        for t in threads:
            t.join()
    if failure:
        raise failure[0]


# ------------------------------------------------------------------ the helper process


class Helper:
    """``fn(arg)`` computed in a forked helper process while this one goes on (pinyin of
    a large file's names while its rows are validated). ``fn`` must be pure: the
    helper touches no database connection and leaves with ``os._exit``. Where fork is
    not available, nothing runs and :meth:`result` gives the default."""

    def __init__(self, fn: Callable, arg):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = self._future = None
        try:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(fn, arg)
        except (OSError, ValueError):  # no fork here: the caller computes it itself
            self._pool = self._future = None

    def result(self, default):
        """The helper's result, waited for; ``default`` when it did not run or failed."""
        if self._future is None:
            return default
        try:
            return self._future.result()
        except Exception:  # noqa: BLE001 - the caller computes it in-process instead
            return default

    def stop(self) -> None:
        """End the helper process (cancelling its work if still running)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def release_memory() -> None:
    """Give freed heap pages back to the system (glibc ``malloc_trim``): the many small
    blocks a workbook reader frees stay mapped otherwise, and count against the
    process's memory for the rest of a large import. No-op elsewhere."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
