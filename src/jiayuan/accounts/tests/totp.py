"""TOTP codes computed here from RFC 6238 / RFC 4226 (HMAC-SHA1, dynamic truncation),
independently of django-otp, for the tests to type what an authenticator app shows."""

import hashlib
import hmac
import struct
import time
from base64 import b32decode


def hotp(key: bytes, counter: int, digits: int = 6) -> str:
    """RFC 4226 §5.3: HMAC-SHA-1 of the 8-byte counter, 31 bits at the offset given by
    the last nibble, modulo 10^digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10 ** digits).zfill(digits)


def totp(key: bytes, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 §4: HOTP of floor(unix time / step)."""
    return hotp(key, int((time.time() if at is None else at) // step), digits)


def key_from_secret(secret: str) -> bytes:
    """The key of a base32 secret as shown on the enrolment page (spaces allowed)."""
    s = "".join(secret.split()).upper()
    return b32decode(s + "=" * (-len(s) % 8))
