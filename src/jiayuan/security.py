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


@lru_cache(maxsize=4)
def _audit_key(master: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jiayuan", info=b"audit-chain").derive(
        master.encode("utf-8")
    )


def audit_key() -> bytes:
    """The 32-byte key of the audit log's HMAC chain: HKDF-SHA256 of ``settings.FIELD_KEY``
    with the label ``audit-chain`` (independent of the encryption and lookup keys, which
    have labels of their own). Never stored: derived from the configuration each process
    starts with, so someone who can write the database but not read the configuration
    cannot recompute the chain. Production refuses the demo ``FIELD_KEY`` (settings)."""
    return _audit_key(settings.FIELD_KEY)


def audit_hasher():
    """HMAC-SHA256 under :func:`audit_key` as a function ``bytes -> str`` (64 hex
    characters), with the key's padded states computed once (the audit chain hashes
    every entry of a large import)."""
    states = _hmac_states(audit_key())
    return lambda data: _hmac_hex(states, data)


@lru_cache(maxsize=4)
def _hmac_states(key: bytes) -> tuple:
    """SHA-256 states after absorbing the HMAC inner and outer padded keys (RFC 2104):
    each hash then starts from a copy instead of hashing the key again (the same
    digests as ``hmac.new(key, msg, sha256)``, in about 60 % of its time)."""
    padded = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
    return inner.copy, outer.copy


def _hmac_hex(states: tuple, msg: bytes) -> str:
    inner_copy, outer_copy = states
    inner = inner_copy()
    inner.update(msg)
    outer = outer_copy()
    outer.update(inner.digest())
    return outer.hexdigest()


def encrypt(text: str) -> bytes:
    """Encrypt ``text`` (str) to bytes for a BinaryField. Empty text gives ``b""``."""
    return encrypter()(text)


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
    return lookup_hasher(kind)(text)


def lookup_hasher(kind: str):
    """:func:`lookup_hash` of one ``kind`` as a function ``str -> str`` with the key in
    force now, for bulk work (a roster import hashes hundreds of thousands of values):
    the same hashes, without looking the key up for every value."""
    _, key = _keys(settings.FIELD_KEY)
    states = _hmac_states(key)
    prefix = f"{kind}:"

    def hasher(text: str) -> str:
        if not text:
            return ""
        return _hmac_hex(states, (prefix + text).encode("utf-8"))

    return hasher


def encrypter():
    """:func:`encrypt` as a function ``str -> bytes`` with the key in force now, for bulk
    work: the same format (version, random nonce, AES-GCM cipher text and tag)."""
    aead, _ = _keys(settings.FIELD_KEY)
    seal = aead.encrypt
    urandom = os.urandom

    def encrypt_one(text: str) -> bytes:
        if not text:
            return b""
        nonce = urandom(12)
        return _VERSION + nonce + seal(nonce, text.encode("utf-8"), None)

    return encrypt_one


def new_api_token() -> str:
    """A new random API token (``jy_`` + 43 URL-safe characters, 256 bits)."""
    return "jy_" + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 hex digest under which an API token is stored (tokens are random, so an
    unkeyed hash suffices; the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def rate_count(key: str, window_seconds: int, now=None) -> int:
    """The hits counted for ``key`` in the current window of ``window_seconds`` (as
    :func:`rate_hit` counts them), without counting one: for a limit on failures only."""
    from django.utils import timezone

    from .cases.models import RateLimitHit

    window = int((now or timezone.now()).timestamp()) // window_seconds
    return RateLimitHit.objects.filter(key=key[:100], window_start=window).values_list("count", flat=True).first() or 0


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
