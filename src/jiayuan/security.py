"""Protection of sensitive personal information (PIPL 个人信息保护法, art. 28/51).

ID numbers and phone numbers are stored encrypted with AES-256-GCM, with an
HMAC-SHA256 keyed hash beside each for exact lookup and uniqueness. Both keys are
derived with HKDF-SHA256 from ``settings.FIELD_KEY`` (``JIAYUAN_FIELD_KEY``), each for
its own purpose, so that one key never serves two uses.

Stored cipher text layout: 1 byte version (``1``) + 12-byte random nonce + AES-GCM
cipher text with its 16-byte tag.
"""

import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_VERSION = b"\x01"


@lru_cache(maxsize=4)
def _keys(master: str) -> tuple[AESGCM, bytes]:
    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jiayuan", info=info).derive(
            master.encode("utf-8")
        )

    return AESGCM(derive(b"field-encryption")), derive(b"lookup-hash")


def encrypt(text: str) -> bytes:
    """Encrypt ``text`` (str) to bytes for a BinaryField. Empty text gives ``b""``."""
    if not text:
        return b""
    aead, _ = _keys(settings.FIELD_KEY)
    nonce = os.urandom(12)
    return _VERSION + nonce + aead.encrypt(nonce, text.encode("utf-8"), None)


def decrypt(blob: bytes | memoryview | None) -> str:
    """Decrypt what :func:`encrypt` produced. Raises ``cryptography.exceptions.InvalidTag``
    when the data were altered or the key is wrong."""
    if not blob:
        return ""
    blob = bytes(blob)
    if blob[:1] != _VERSION:
        raise ValueError("unknown cipher text version")
    aead, _ = _keys(settings.FIELD_KEY)
    return aead.decrypt(blob[1:13], blob[13:], None).decode("utf-8")


def lookup_hash(kind: str, text: str) -> str:
    """Keyed hash (HMAC-SHA256, hex, 64 chars) of a normalised value, for exact lookup.

    ``kind`` separates the domains ("id_number", "id_tail6", "phone"), so equal digits
    of different kinds never share a hash. Empty text gives ``""``.
    """
    if not text:
        return ""
    _, key = _keys(settings.FIELD_KEY)
    return hmac.new(key, f"{kind}:{text}".encode("utf-8"), hashlib.sha256).hexdigest()


def new_api_token() -> str:
    """A new random API token (``jy_`` + 43 URL-safe characters, 256 bits)."""
    return "jy_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 hex digest under which an API token is stored (tokens are random, so an
    unkeyed hash suffices; the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def rate_hit(key: str, window_seconds: int, now=None) -> int:
    """Count one hit for ``key`` in the current fixed window of ``window_seconds``;
    returns the count so far in that window. Stored in the database (one
    ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` on the ``cases_ratelimithit`` table),
    so every web process shares the limit. Used for public lookups and identifier searches."""
    from django.db import connection, transaction
    from django.utils import timezone

    from .cases.models import RateLimitHit

    now = now or timezone.now()
    window = int(now.timestamp()) // window_seconds
    q = connection.ops.quote_name
    table = q(RateLimitHit._meta.db_table)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"INSERT INTO {table} ({q('key')}, {q('window_start')}, {q('count')}) VALUES (%s, %s, 1) "
                    f"ON CONFLICT ({q('key')}, {q('window_start')}) DO UPDATE SET {q('count')} = {table}.{q('count')} + 1 "
                    f"RETURNING {q('count')}", [key[:100], window])
        return cur.fetchone()[0]
