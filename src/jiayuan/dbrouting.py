"""Reads that may lag go to a PostgreSQL streaming replica; everything else stays on the
primary (issue 17, "Past one machine"; docs/operations.md).

With ``DATABASE_REPLICA_URL`` set, settings add the database alias ``"replica"`` and
:class:`ReplicaRouter`. The router sends a read to the replica **only** where the code has
declared that the read may lag, in one of two ways:

- :func:`lag_tolerant` — a context manager (or decorator) around a whole read: a
  dashboard or statistics page, an export task. Every query made inside it, by any
  model, reads from the replica (unless inside a transaction, below).
- :func:`may_lag` — a marker on one queryset, for a selector whose list is evaluated
  later (a search list rendered by a template): ``return may_lag(qs)``.

The declared lag-tolerant reads (keep this list and docs/operations.md in step):
the statistics app (``stats`` pages and the report export: indicator values and rows),
roster exports (``imports.export``), and the person search list
(``people.selectors.search_persons``). Everything else — writes, the page that follows a
write (read-your-own-write), permission checks, sign-in, the audit chain — reads from the
primary: the router returns None (the default database) outside those declarations.

A read inside a transaction (``transaction.atomic`` on the primary) always stays on the
primary, even when declared, so that a service sees what it has just written.

The replica is used only while it is *usable*: reachable, and not more than
``settings.REPLICA_MAX_LAG_SECONDS`` (``JIAYUAN_REPLICA_MAX_LAG_SECONDS``, default 30)
behind. Its lag is measured at most every ``settings.REPLICA_CHECK_SECONDS``
(``JIAYUAN_REPLICA_CHECK_SECONDS``, default 5) per process (:func:`replica_lag`): 0 when
the replica has replayed all the WAL the primary has written, else the age of the last
transaction it replayed. A replica that is down, refuses or lags beyond the bound makes
the declared reads go to the primary until the next check says otherwise; connecting is
bounded by ``connect_timeout`` (settings: 2 seconds) so a dead host costs at most that
once per check interval.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
"""The database alias of the streaming replica (present only with DATABASE_REPLICA_URL)."""

_lag_ok: contextvars.ContextVar[bool] = contextvars.ContextVar("jiayuan_lag_tolerant", default=False)
_routed: contextvars.ContextVar[list | None] = contextvars.ContextVar("jiayuan_routed_to_replica", default=None)
LOST = (OperationalError, InterfaceError)
"""What a replica that went away raises (connection refused, reset, closed)."""
_lock = threading.Lock()
_state: dict = {"checked_at": None, "lag": None}


def replica_configured() -> bool:
    """Whether a replica alias is configured (``DATABASE_REPLICA_URL`` was set)."""
    return REPLICA in settings.DATABASES


@contextmanager
def _lag_tolerant_cm():
    token = _lag_ok.set(True)
    try:
        yield
    finally:
        _lag_ok.reset(token)


class lag_tolerant:  # noqa: N801 - used as a context manager and decorator, like atomic
    """Declare that the reads inside may lag behind the primary by up to the configured
    bound: ``with lag_tolerant(): ...`` or ``@lag_tolerant()`` on a view or task."""

    def __enter__(self):
        self._cm = _lag_tolerant_cm()
        return self._cm.__enter__()

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            routed: list = []
            token = _routed.set(routed)
            try:
                with lag_tolerant():
                    try:
                        return func(*args, **kwargs)
                    except LOST as exc:
                        if not routed:
                            raise
                        mark_replica_down(exc)
                        return func(*args, **kwargs)  # read_alias() is now the primary
            finally:
                _routed.reset(token)

        return wrapper


def in_lag_tolerant() -> bool:
    """Whether the current code runs inside :func:`lag_tolerant`."""
    return _lag_ok.get()


def read_alias() -> str:
    """The alias a declared lag-tolerant read uses now: ``"replica"`` when configured and
    usable, else ``"default"``."""
    if replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block and replica_usable():
        return REPLICA
    return DEFAULT_DB_ALIAS


def may_lag(queryset):
    """Mark ``queryset`` (a QuerySet) as allowed to lag: it reads from the replica when
    usable, else from the primary (decided now). Returns the queryset; read from the
    replica, it (and every queryset derived from it) is read from the primary instead
    when the replica fails on the way (:class:`_FallbackQuerySet`)."""
    alias = read_alias()
    if alias == DEFAULT_DB_ALIAS:
        return queryset
    return _with_fallback(queryset.using(alias))


_fallback_classes: dict[type, type] = {}


def _with_fallback(queryset):
    cls = type(queryset)
    if not issubclass(cls, _FallbackQuerySet):
        sub = _fallback_classes.get(cls)
        if sub is None:
            sub = _fallback_classes[cls] = type(f"Fallback{cls.__name__}", (_FallbackQuerySet, cls), {})
        queryset.__class__ = sub
    return queryset


class _FallbackQuerySet:
    """Mixed into a queryset read from the replica by :func:`may_lag`: a connection
    error of the replica marks it down and runs the same read on the primary, once."""

    def _on_primary(self, exc):
        if self.db != REPLICA:
            raise exc
        mark_replica_down(exc)
        return self.using(DEFAULT_DB_ALIAS)

    def _fetch_all(self):
        try:
            return super()._fetch_all()
        except LOST as exc:
            primary = self._on_primary(exc)
            primary._fetch_all()
            self._result_cache, self._prefetch_done = primary._result_cache, primary._prefetch_done

    def count(self):
        try:
            return super().count()
        except LOST as exc:
            return self._on_primary(exc).count()

    def exists(self):
        try:
            return super().exists()
        except LOST as exc:
            return self._on_primary(exc).exists()

    def aggregate(self, *args, **kwargs):
        try:
            return super().aggregate(*args, **kwargs)
        except LOST as exc:
            return self._on_primary(exc).aggregate(*args, **kwargs)

    def iterator(self, *args, **kwargs):
        rows = super().iterator(*args, **kwargs)
        try:
            first = next(rows)
        except StopIteration:
            return
        except LOST as exc:  # before the first row: nothing sent yet, read it all from the primary
            yield from self._on_primary(exc).iterator(*args, **kwargs)
            return
        yield first
        yield from rows


def mark_replica_down(exc: BaseException | None = None) -> None:
    """The replica failed a read: close its connection and read from the primary until
    the next measurement (``REPLICA_CHECK_SECONDS``) finds it usable again."""
    first = str(exc).strip().splitlines()[0] if exc is not None and str(exc).strip() else type(exc).__name__
    logger.warning("replica failed a read (%s): reading from the primary", first)
    try:
        connections[REPLICA].close()
    except DatabaseError:  # pragma: no cover - closing a broken connection
        pass
    with _lock:
        _state["lag"] = None
        _state["checked_at"] = time.monotonic()


def replica_lag() -> float | None:
    """Seconds the replica is behind the primary (0.0 when it has replayed all the WAL
    the primary has written; a replica that is no standby counts as 0.0), or None when
    it cannot be reached or asked. Measured now, not cached."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cur:
            cur.execute("SELECT pg_current_wal_lsn()::text")
            primary_lsn = cur.fetchone()[0]
        with connections[REPLICA].cursor() as cur:
            cur.execute(
                "SELECT pg_is_in_recovery(),"
                " pg_wal_lsn_diff(%s::pg_lsn, COALESCE(pg_last_wal_replay_lsn(), %s::pg_lsn)),"
                " EXTRACT(EPOCH FROM (clock_timestamp() - pg_last_xact_replay_timestamp()))",
                [primary_lsn, primary_lsn])
            in_recovery, behind_bytes, age = cur.fetchone()
    except DatabaseError as exc:
        logger.warning("replica not usable: %s", str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
        try:
            connections[REPLICA].close()
        except DatabaseError:  # pragma: no cover - closing a broken connection
            pass
        return None
    if not in_recovery or behind_bytes is None or behind_bytes <= 0:
        return 0.0
    return float(age) if age is not None else float("inf")


def replica_usable(now: float | None = None) -> bool:
    """Whether declared lag-tolerant reads may go to the replica: its last measured lag
    (remeasured when older than ``REPLICA_CHECK_SECONDS``) is known and at most
    ``REPLICA_MAX_LAG_SECONDS``."""
    now = time.monotonic() if now is None else now
    with _lock:
        checked = _state["checked_at"]
        if checked is None or now - checked >= settings.REPLICA_CHECK_SECONDS:
            _state["lag"] = replica_lag()
            _state["checked_at"] = now
            if _state["lag"] is not None and _state["lag"] > settings.REPLICA_MAX_LAG_SECONDS:
                logger.warning("replica lags %.1f s (bound %s s): reading from the primary",
                               _state["lag"], settings.REPLICA_MAX_LAG_SECONDS)
        lag = _state["lag"]
    return lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS


def forget_replica_state() -> None:
    """Forget the last measurement, so the next read measures again (tests, and after a
    failover)."""
    with _lock:
        _state["checked_at"] = None
        _state["lag"] = None


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: declared lag-tolerant reads to the replica when
    usable; all writes, migrations and every other read to the default database."""

    def db_for_read(self, model, **hints):
        if not _lag_ok.get() or not replica_configured():
            return None
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        alias = read_alias()
        routed = _routed.get()
        if alias == REPLICA and routed is not None:
            routed.append(model)
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
