"""NUL bytes never reach the database: PostgreSQL refuses them in text (a 500 there), and
no client code, reference, date or name contains one. A request carrying one in its path,
query string or form fields is answered 400 before any view runs; a cookie carrying one
(`sessionid="a\\000b"` is decoded to a NUL) is dropped, as if the browser had not sent it.

The API (/api/) parses and validates its own bodies: its form or multipart body is left
unread here, since reading it would leave nothing for the API to read; its JSON strings
are checked by its schemas (api/types.py)."""

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse

NUL = "\x00"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


class NulByteInRequest(SuspiciousOperation):
    """Answered by handler400 (a page, or JSON under /api/)."""


class RejectNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(NUL in name or NUL in value for name, value in request.COOKIES.items()):
            request.COOKIES = {
                name: value
                for name, value in request.COOKIES.items()
                if NUL not in name and NUL not in value
            }
        if NUL in request.path or self._in_values(request.GET.lists()):
            raise NulByteInRequest("NUL byte in the URL")
        if (
            request.method == "POST"
            and request.content_type in FORM_TYPES
            and not request.path.startswith("/api/")
            and self._in_values(request.POST.lists())
        ):
            raise NulByteInRequest("NUL byte in a form field")
        return self.get_response(request)

    @staticmethod
    def _in_values(items: object) -> bool:
        return any(
            NUL in key or any(NUL in value for value in values)
            for key, values in items  # type: ignore[attr-defined]
        )
