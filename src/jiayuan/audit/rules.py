"""Hash-chain rules of the audit log (pure functions).

entry_hash = HMAC-SHA256( audit key, canonical JSON of the entry's content ), hex.
The content includes ``seq`` and ``prev_hash`` (the previous entry's hash), so each
hash covers the previous hash, the sequence number and the entry. Canonical JSON: keys
sorted, no spaces, UTF-8 (ensure_ascii=False). The first entry's prev_hash is 64 zeros.

The key (``jiayuan.security.audit_key``) is derived from the configuration and never
stored in the database: someone who can rewrite the database but does not hold the
configuration cannot recompute a chain that verifies. Rules take the keyed hash function
as an argument (``hasher``: bytes -> 64 hex characters) so that they stay pure.

Algorithm versions (``ChainHead.algorithm``): 1 was the unkeyed SHA-256 of the same
canonical JSON (before migration ``audit.0004``, which re-chained every entry once);
2 is the keyed HMAC-SHA256. Only version 2 is ever verified: a chain head that names
another version fails verification (no downgrade to the unkeyed rule).
"""

import hashlib
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

GENESIS_HASH = "0" * 64
ALGORITHM = 2
LEGACY_ALGORITHM = 1
HASHED_FIELDS = (
    "seq", "occurred_at", "actor_id", "actor_name", "source", "action", "object_type",
    "object_id", "object_repr", "region_code", "changes", "extra", "prev_hash",
)
_HEX64 = re.compile(r"[0-9a-f]{64}")


def N_(s: str) -> str:
    """Mark a message for extraction (``makemessages --keyword=N_``); identity."""
    return s


def jsonable(value):
    """``value`` with dates/datetimes as ISO text and Decimals as strings (dicts and
    lists walked), ready for a JSONField: what the audit log and the records of other
    apps (batch events, case data) store."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def canonical(content: dict) -> bytes:
    """The canonical JSON (UTF-8 bytes) of an entry's content: a dict with
    HASHED_FIELDS, ``occurred_at`` as an ISO 8601 string."""
    payload = {k: content[k] for k in HASHED_FIELDS}
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return data.encode("utf-8")


def entry_hash(content: dict, hasher) -> str:
    """Keyed hash (algorithm 2) of an entry's content: ``hasher`` (HMAC-SHA256 under the
    audit key, ``jiayuan.security.audit_hasher()``) of :func:`canonical`."""
    return hasher(canonical(content))


def hash_content(content: dict, hasher) -> str:
    """Keyed hash (:func:`entry_hash`) of an entry's content as stored: ``occurred_at``
    (an aware datetime) normalised to UTC with microseconds first. ``hasher`` as for
    :func:`entry_hash`."""
    c = dict(content)
    c["occurred_at"] = c["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    return entry_hash(c, hasher)


def legacy_entry_hash(content: dict) -> str:
    """Unkeyed SHA-256 (algorithm 1) of an entry's content: what entries carried before
    migration ``audit.0004``. Used only by that migration, to check the old chain
    before re-chaining it."""
    return hashlib.sha256(canonical(content)).hexdigest()


class AnchorError(ValueError):
    """A line of an anchor file that is not an anchor; the message (a Chinese text
    marked with ``N_``, translated by the caller) says why."""


def parse_anchor(line: str) -> dict | None:
    """One line of an anchor file (written by ``jiayuan audit anchor``) as
    ``{"seq": int >= 1, "hash": 64 lowercase hex, "time": str, "algorithm": int}``;
    None for a blank line or a ``#`` comment. Raises :class:`AnchorError` otherwise."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        raise AnchorError(N_("不是 JSON")) from None
    if not isinstance(data, dict):
        raise AnchorError(N_("不是 JSON 对象"))
    seq, digest, algorithm = data.get("seq"), data.get("hash"), data.get("algorithm")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise AnchorError(N_("缺少序号 seq（正整数）"))
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise AnchorError(N_("缺少哈希 hash（64 位十六进制）"))
    if not isinstance(algorithm, int) or isinstance(algorithm, bool):
        raise AnchorError(N_("缺少算法版本 algorithm"))
    return {"seq": seq, "hash": digest, "time": str(data.get("time", "")), "algorithm": algorithm}


def anchor_line(seq: int, digest: str, time: str) -> str:
    """The JSON line of one anchor (keys sorted): what :func:`parse_anchor` reads."""
    return json.dumps({"algorithm": ALGORITHM, "hash": digest, "seq": seq, "time": time},
                      sort_keys=True, ensure_ascii=False)
