"""The client's address, computed one way for lockouts, the audit log and signing evidence.

Behind N trusted reverse proxies (TRUSTED_PROXY_COUNT), each proxy appends the address it
received the request from to X-Forwarded-For, so the client is the N-th entry from the
right; anything further left was written by the client and is not trusted. Without
trusted proxies the header is ignored entirely: a client could write anything there.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_network(ip: str | None) -> str:
    """What a limit counts per address: an IPv4 address, or an IPv6 address's /64 (one
    household or one server gets a whole /64, and picks any address in it at will)."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
