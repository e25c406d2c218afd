"""Writing to the audit log. Every service that writes calls :func:`record` (or
:func:`record_many` for bulk work) inside its own transaction, so an entry exists
exactly when the change it describes was committed."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring

from django.db import transaction
from django.utils import timezone

from .. import security
from . import rules
from .rules import jsonable
from .models import AuditEntry, ChainHead


@dataclass
class Actor:
    """Who acts and through what: passed to every service that writes.

    ``user`` may be None for system work; ``source`` is one of AuditEntry.Source
    (page, api, command, import, system); ``extra`` is added to every entry written on
    this actor's behalf (e.g. ``{"import_job": 12}``).
    """

    user: object | None
    source: str
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        if self.user is None:
            return "system"
        return getattr(self.user, "username", "") or str(self.user)


def _content(actor: Actor, item: dict, seq: int, prev_hash: str, now: datetime) -> dict:
    return {
        "seq": seq,
        "occurred_at": now,
        "actor_id": getattr(actor.user, "pk", None),
        "actor_name": actor.name,
        "source": actor.source,
        "action": item["action"],
        "object_type": item.get("object_type", ""),
        "object_id": str(item.get("object_id", "") or ""),
        "object_repr": (item.get("object_repr") or "")[:200],
        "region_code": item.get("region_code", "") or "",
        "changes": jsonable(item.get("changes") or {}),
        "extra": jsonable({**actor.extra, **(item.get("extra") or {})}),
        "prev_hash": prev_hash,
    }


def hash_content(content: dict, hasher=None) -> str:
    """:func:`jiayuan.audit.rules.hash_content` under this deployment's audit key
    (``security.audit_hasher()``, looked up when ``hasher`` is not given; pass it when
    hashing many entries)."""
    return rules.hash_content(content, hasher or security.audit_hasher())


def record_many(actor: Actor, items: list[dict]) -> list[AuditEntry]:
    """Append one entry per item, chained, in the caller's transaction.

    Each item: ``action`` (str, required), ``object_type``, ``object_id``,
    ``object_repr``, ``region_code``, ``changes`` ({field: [before, after]}; never
    sensitive values), ``extra`` (dict). Locks the chain head, so concurrent writers
    queue and the chain never forks.
    """
    if not items:
        return []
    hasher = security.audit_hasher()
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        now = timezone.now()
        seq, prev = head.last_seq, head.last_hash
        entries = []
        for item in items:
            seq += 1
            content = _content(actor, item, seq, prev, now)
            prev = hash_content(content, hasher)
            content["entry_hash"] = prev
            entries.append(AuditEntry(**content))
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        ChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
    return entries


def record(actor: Actor, action: str, obj=None, **fields) -> AuditEntry:
    """Append one entry. ``obj`` (a model instance) fills object_type/id/repr and, when
    it has one, region_code; keyword ``fields`` as in :func:`record_many` override."""
    item = {"action": action}
    if obj is not None:
        item["object_type"] = obj._meta.label_lower
        item["object_id"] = obj.pk
        item["object_repr"] = str(obj)
        item["region_code"] = getattr(obj, "region_id", "") or ""
    item.update(fields)
    return record_many(actor, [item])[0]


def model_changes(before: dict, after: dict, sensitive: frozenset[str] = frozenset()) -> dict:
    """{field: [before, after]} for the fields whose value differs. Sensitive fields are
    named but their values are never logged: ``{"id_number": ["***", "***"]}``."""
    out = {}
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        if b != a:
            out[key] = ["***", "***"] if key in sensitive else [jsonable(b), jsonable(a)]
    return out


# --- bulk appends (imports): the same entries as record_many, written for throughput ---

_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
_ENTRY_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_name", "source", "action", "object_type", "object_id",
                  "object_repr", "region_code", "changes", "extra", "prev_hash", "entry_hash")


def _quote(text: str) -> str:
    return encode_basestring(text)


def record_bulk(actor: Actor, items: list[dict]) -> int:
    """Append one entry per item, chained, in the caller's transaction, like
    :func:`record_many`, for large batches (a roster import writes one entry per
    person, household and tag): the same content and keyed ``entry_hash`` (HMAC-SHA256
    under the audit key of the canonical JSON of :data:`jiayuan.audit.rules.HASHED_FIELDS`,
    built once per entry with the JSON text of ``changes`` and ``extra`` reused for the
    row), inserted with one
    multi-row ``INSERT`` (``COPY`` on PostgreSQL) instead of model instances. Items as in
    :func:`record_many`; ``changes`` and ``extra`` values must already be JSON values
    (strings, numbers, None, lists, dicts), except dates, which are converted. An item
    may give ``changes_json`` instead of ``changes``: the canonical JSON text of its
    changes (keys sorted, ``ensure_ascii=False``, separators ``,`` and ``:``), exactly
    as :func:`jiayuan.audit.rules.entry_hash` encodes them (a caller writing many
    entries of one shape builds that text faster than the encoder). Returns the number of entries written; ``jiayuan audit verify`` checks them like
    any other.
    """
    if not items:
        return 0
    from django.db import connection

    enc = _CANONICAL.encode
    keyed = security.audit_hasher()
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        now = timezone.now()
        occurred = _quote(now.astimezone(UTC).isoformat(timespec="microseconds"))
        actor_id = getattr(actor.user, "pk", None)
        actor_id_json = "null" if actor_id is None else enc(actor_id)
        actor_name = actor.name
        fixed = f',"actor_id":{actor_id_json},"actor_name":{_quote(actor_name)},'
        source_json = _quote(actor.source)
        base_extra = jsonable(actor.extra)
        base_extra_json = enc(base_extra)
        stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
        seq, prev = head.last_seq, head.last_hash
        rows = []
        append = rows.append
        for item in items:
            seq += 1
            changes_json = item.get("changes_json")
            if changes_json is None:
                changes = item.get("changes") or {}
                changes_json = enc(changes if _plain(changes) else jsonable(changes))
            extra = item.get("extra")
            if extra:
                extra_json = enc({**base_extra, **(extra if _plain(extra) else jsonable(extra))})
            else:
                extra_json = base_extra_json
            action = item["action"]
            object_type = item.get("object_type", "")
            object_id = str(item.get("object_id", "") or "")
            object_repr = (item.get("object_repr") or "")[:200]
            region_code = item.get("region_code", "") or ""
            payload = (
                f'{{"action":{_quote(action)}{fixed}"changes":{changes_json},"extra":{extra_json},'
                f'"object_id":{_quote(object_id)},"object_repr":{_quote(object_repr)},'
                f'"object_type":{_quote(object_type)},"occurred_at":{occurred},"prev_hash":"{prev}",'
                f'"region_code":{_quote(region_code)},"seq":{seq},"source":{source_json}}}'
            )
            entry_hash = keyed(payload.encode("utf-8"))
            append((seq, stamp, actor_id, actor_name, actor.source, action, object_type, object_id, object_repr,
                    region_code, changes_json, extra_json, prev, entry_hash))
            prev = entry_hash
        table = connection.ops.quote_name(AuditEntry._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in _ENTRY_COLUMNS)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                with connection.wrap_database_errors, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                insert_rows(connection, f"INSERT INTO {table} ({cols}) VALUES ", rows)
        ChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=prev)
    return len(rows)


def insert_rows(connection, head: str, rows: list, *, returning: str = "") -> list | None:
    """Insert ``rows`` (tuples of equal width) with multi-row ``VALUES`` statements:
    ``head`` is ``INSERT INTO t (c1, c2, ...) VALUES ``; ``returning`` an optional
    ``RETURNING`` clause, whose first column is returned for every row, in order.
    Batches of 256 rows, a remainder in powers of two, so that few distinct
    statements are ever prepared (SQLite keeps them cached per connection, and a
    statement of thousands of parameters is large); on SQLite through the DB-API
    cursor itself (``?`` parameters, no rewriting of a long SQL text), where each
    statement runs with the GIL released. Runs in the caller's transaction."""
    if not rows:
        return [] if returning else None
    width = len(rows[0])
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.ensure_connection()
        cur = connection.connection.cursor()
        mark = "(" + ",".join("?" * width) + ")"
    else:
        cur = connection.cursor()
        mark = "(" + ",".join(["%s"] * width) + ")"
    out: list | None = [] if returning else None
    statements: dict[int, str] = {}
    errors = connection.wrap_database_errors  # DB-API errors raised as Django's (IntegrityError, ...)
    try:
        i, n = 0, len(rows)
        while i < n:
            size = 256 if n - i >= 256 else 1 << ((n - i).bit_length() - 1)
            sql = statements.get(size)
            if sql is None:
                sql = statements[size] = head + ",".join([mark] * size) + (f" {returning}" if returning else "")
            with errors:
                cur.execute(sql, [v for row in rows[i:i + size] for v in row])
            if returning:
                out.extend(r[0] for r in cur.fetchall())
            i += size
    finally:
        cur.close()
    return out


def _plain(value) -> bool:
    """Whether ``value`` (changes) needs no conversion: only str, int, float, bool,
    None, and lists/dicts of them (checked shallowly two levels deep)."""
    for v in value.values():
        if isinstance(v, list):
            for x in v:
                if not (x is None or isinstance(x, (str, int, float))):
                    return False
        elif not (v is None or isinstance(v, (str, int, float))):
            return False
    return True
