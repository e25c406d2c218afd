"""Writing to the audit log. Every service that writes calls :func:`record` (or
:func:`record_many` for bulk work) inside its own transaction, so an entry exists
exactly when the change it describes was committed."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import rules
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


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


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
        "changes": _jsonable(item.get("changes") or {}),
        "extra": _jsonable({**actor.extra, **(item.get("extra") or {})}),
        "prev_hash": prev_hash,
    }


def hash_content(content: dict) -> str:
    """Hash of an entry content dict as stored (datetime normalised to UTC, µs)."""
    c = dict(content)
    c["occurred_at"] = c["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return rules.entry_hash(c)


def record_many(actor: Actor, items: list[dict]) -> list[AuditEntry]:
    """Append one entry per item, chained, in the caller's transaction.

    Each item: ``action`` (str, required), ``object_type``, ``object_id``,
    ``object_repr``, ``region_code``, ``changes`` ({field: [before, after]}; never
    sensitive values), ``extra`` (dict). Locks the chain head, so concurrent writers
    queue and the chain never forks.
    """
    if not items:
        return []
    with transaction.atomic():
        head, _ = ChainHead.objects.select_for_update().get_or_create(id=1)
        now = timezone.now()
        seq, prev = head.last_seq, head.last_hash
        entries = []
        for item in items:
            seq += 1
            content = _content(actor, item, seq, prev, now)
            prev = hash_content(content)
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
            out[key] = ["***", "***"] if key in sensitive else [_jsonable(b), _jsonable(a)]
    return out
