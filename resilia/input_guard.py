"""NUL bytes never reach the database: PostgreSQL refuses them in text (a 500 there), and
no client code, reference, date or name contains one. A request carrying one in its path,
query string or form fields is answered 400 before any view runs."""

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse

NUL = "\x00"


class NulByteInRequest(SuspiciousOperation):
    """Answered by handler400 (a page, or JSON under /api/)."""


class RejectNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path or self._in_values(request.GET.lists()):
            raise NulByteInRequest("NUL byte in the URL")
        is_form = request.content_type in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }
        if request.method == "POST" and is_form and self._in_values(request.POST.lists()):
            raise NulByteInRequest("NUL byte in a form field")
        return self.get_response(request)

    @staticmethod
    def _in_values(items: object) -> bool:
        return any(
            NUL in key or any(NUL in value for value in values)
            for key, values in items  # type: ignore[attr-defined]
        )
