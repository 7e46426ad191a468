"""Where webhooks may go: http(s) to public addresses only. An endpoint pointing at the
server's own network (127.0.0.1, 10.x, 169.254.169.254's cloud metadata, ::1) would make
Résilia fetch internal pages for whoever can register one, and show the answer in the
delivery log.

Checked at registration and again before each attempt. An IPv6 address that carries an
IPv4 one (NAT64's 64:ff9b::/96, 6to4, Teredo, IPv4-mapped, IPv4-compatible ::/96) is
judged by the address it carries; multicast is refused (`is_global` lets it through).
The attempt connects to the very address that was checked (the name is resolved once: a
DNS answer that changes between the check and the connection cannot send it elsewhere);
TLS still verifies the certificate against the host name. Redirects are not followed,
and no proxy from the environment is used.
"""

import http.client
import ipaddress
import socket
import ssl
import urllib.request
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# The /96 prefixes whose last 32 bits are an IPv4 address: NAT64, and the deprecated
# IPv4-compatible form (::7f00:1 is ::127.0.0.1, which some stacks still route to it).
CARRY_IPV4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _carried(address: Address) -> list[Address]:
    """The address itself, and any IPv4 address it carries."""
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in prefix for prefix in CARRY_IPV4):
            found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
    return found


def _public(address: Address) -> bool:
    return all(a.is_global and not a.is_multicast for a in _carried(address))


def destination(url: str) -> tuple[str | None, str | None]:
    """(why Résilia will not send to this URL, or None; the address to connect to)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("Only http:// and https:// addresses can receive webhooks."), None
    try:
        infos = socket.getaddrinfo(
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
            proto=socket.IPPROTO_TCP,
        )
    except (socket.gaierror, UnicodeError, ValueError):
        return _("This host name does not resolve."), None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        return _("This host name does not resolve."), None
    if not settings.RESILIA_WEBHOOK_ALLOW_PRIVATE and not all(map(_public, addresses)):
        return _("This address is on a private or local network."), None
    return None, str(addresses[0])


def refusal(url: str) -> str | None:
    """Why Résilia will not send to this URL, or None. Where private networks are
    allowed, a name that does not resolve yet is accepted (it is resolved at each
    attempt)."""
    parts = urlsplit(url)
    if (
        settings.RESILIA_WEBHOOK_ALLOW_PRIVATE
        and parts.scheme in ("https", "http")
        and parts.hostname
    ):
        return None
    return destination(url)[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, *, address: str, **kwargs: Any) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, context=self.tls, **kwargs)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


class _Pinned(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        urllib.request.HTTPHandler.__init__(self)
        urllib.request.HTTPSHandler.__init__(self)
        self.address = address

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_PinnedHTTPConnection, address=self.address), req)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_PinnedHTTPSConnection, address=self.address), req)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 3xx is answered as it is: an unsuccessful attempt


def pinned_opener(address: str) -> urllib.request.OpenerDirector:
    """An opener that connects to `address` whatever the URL's host resolves to now."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirect, _Pinned(address)
    )
