"""API errors are JSON with a stable `code` and a human `message`; never a 500 for bad input."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def install_error_handlers(api: NinjaAPI) -> None:
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        retry_after = exc.extra.pop("retry_after", None)
        response = api.create_response(
            request, {"code": exc.code, "message": exc.message, **exc.extra}, status=exc.status
        )
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg", "")}
            for e in exc.errors
        ]
        return api.create_response(
            request,
            {
                "code": "invalid_request",
                "message": _("The request is not valid: check the fields listed in errors."),
                "errors": fields,
            },
            status=422,
        )

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:  # the body is not JSON
            return api.create_response(
                request,
                {"code": "malformed_json", "message": _("The request body is not valid JSON.")},
                status=422,
            )
        return api.create_response(
            request,
            {"code": f"http_{exc.status_code}", "message": str(exc)},
            status=exc.status_code,
        )

    def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            {
                "code": "unauthorized",
                "message": _(
                    "Send a valid API key: Authorization: Bearer <key> (unknown, revoked "
                    "and expired keys are refused)."
                ),
            },
            status=401,
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    api.add_exception_handler(ApiError, api_error)  # type: ignore[arg-type]
    api.add_exception_handler(AuthenticationError, unauthorized)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, http_error)  # type: ignore[arg-type]
