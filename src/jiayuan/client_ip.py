"""The client's address of a request, for rate limits and lockouts: the one place that
decides it, so that every limit keys on the same address.

Behind a reverse proxy every request comes from the proxy's address (``REMOTE_ADDR``),
so a limit keyed on it is one limit shared by everybody. The proxies of a deployment are
named in ``settings.TRUSTED_PROXIES`` (``JIAYUAN_TRUSTED_PROXIES``: comma-separated
addresses or CIDR networks); only when the request comes straight from one of them is the
forwarding header (``settings.CLIENT_IP_HEADER``, ``JIAYUAN_CLIENT_IP_HEADER``, default
``X-Forwarded-For``) read, from the right: each proxy appends the address it received the
request from, so the right-most address that is not a trusted proxy is the client, and
whatever a client wrote into the header itself stands to the left of it and is never used.
With no trusted proxies configured the header is ignored and ``REMOTE_ADDR`` is the client.

:func:`client_ip` takes a request and returns a string, so it also serves as django-axes'
``AXES_CLIENT_IP_CALLABLE = "jiayuan.client_ip.client_ip"``.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(text: str) -> list[str]:
    """``JIAYUAN_TRUSTED_PROXIES``'s value (comma-separated addresses or CIDR networks,
    e.g. ``"127.0.0.1, 10.0.0.0/8, ::1"``) as a list of normalised network strings.
    Raises ``ImproperlyConfigured`` (Chinese message naming the entry) on an entry that is
    neither, so a typo stops the start instead of trusting nothing or everything."""
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ImproperlyConfigured(
                f"JIAYUAN_TRUSTED_PROXIES 中的 {part!r} 不是 IP 地址或网段（CIDR，如 10.0.0.0/8）。") from None
    return out


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _address(text: str) -> Address | None:
    """An address from a header entry or ``REMOTE_ADDR``: plain, ``[v6]:port`` or
    ``v4:port``; an IPv4-mapped IPv6 address as its IPv4 address. None when not an address."""
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def _trusted(addr: Address, networks: tuple[Network, ...]) -> bool:
    return any(addr.version == n.version and addr in n for n in networks)


def client_ip(request) -> str:
    """The client's address of ``request`` (a Django ``HttpRequest``) as a string, ``""``
    when unknown.

    ``REMOTE_ADDR`` unless it is one of ``settings.TRUSTED_PROXIES``; then the right-most
    address of the forwarding header (all its occurrences, in order) that is not a trusted
    proxy. When every address in the header is a trusted proxy, the left-most of them;
    when the header is missing or an entry is not an address before a client address was
    found, the last trusted hop seen (``REMOTE_ADDR`` at the least)."""
    meta = request.META
    remote_text = meta.get("REMOTE_ADDR", "") or ""
    entries = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    if not entries:
        return remote_text
    networks = _networks(entries)
    remote = _address(remote_text)
    if remote is None or not _trusted(remote, networks):
        return remote_text
    header = "HTTP_" + getattr(settings, "CLIENT_IP_HEADER", "X-Forwarded-For").upper().replace("-", "_")
    hop = remote
    for entry in reversed((meta.get(header, "") or "").split(",")):
        if not entry.strip():
            continue
        addr = _address(entry)
        if addr is None:
            break
        if not _trusted(addr, networks):
            return str(addr)
        hop = addr
    return str(hop)
