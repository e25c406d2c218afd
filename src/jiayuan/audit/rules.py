"""Hash-chain rules of the audit log (pure functions).

entry_hash = SHA-256( canonical JSON of the entry's content, including prev_hash ).
Canonical JSON: keys sorted, no spaces, UTF-8 (ensure_ascii=False).
The first entry's prev_hash is 64 zeros.
"""

import hashlib
import json

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq", "occurred_at", "actor_id", "actor_name", "source", "action", "object_type",
    "object_id", "object_repr", "region_code", "changes", "extra", "prev_hash",
)


def entry_hash(content: dict) -> str:
    """SHA-256 hex digest of an entry's content (a dict with HASHED_FIELDS;
    ``occurred_at`` as an ISO 8601 string)."""
    payload = {k: content[k] for k in HASHED_FIELDS}
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
