"""Where webhooks may go: http(s) to public addresses only. An endpoint pointing at the
server's own network (127.0.0.1, 10.x, 169.254.169.254's cloud metadata, ::1) would make
Résilia fetch internal pages for whoever can register one, and show the answer in the
delivery log. Checked at registration and again before each attempt (the name may
resolve elsewhere by then); redirects are not followed."""

import ipaddress
import socket
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


def refusal(url: str) -> str | None:
    """Why Résilia will not send to this URL, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return _("Only http:// and https:// addresses can receive webhooks.")
    if settings.RESILIA_WEBHOOK_ALLOW_PRIVATE:
        return None
    try:
        infos = socket.getaddrinfo(
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
            proto=socket.IPPROTO_TCP,
        )
    except (socket.gaierror, UnicodeError, ValueError):
        return _("This host name does not resolve.")
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return _("This address is on a private or local network.")
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 3xx is answered as it is: an unsuccessful attempt


opener = urllib.request.build_opener(_NoRedirect)
