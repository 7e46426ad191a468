"""API errors are JSON with a stable `code` and a human `message`; never a 500 for bad input."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.responses import NinjaJSONEncoder

from toolbox.throttle import refused

# What the API's renderer (ninja's JSONRenderer) writes: the same bytes and type here.
CONTENT_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    """An answer rendered as the API renders its own (ninja's JSON encoder and type)."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder),
        status=status,
        content_type=CONTENT_TYPE,
        headers=headers,
    )


def error_response(exc: ApiError) -> HttpResponse:
    """A refusal: `{"code", "message", …}`, and `Retry-After` when it says when to retry."""
    extra = dict(exc.extra)
    retry_after = extra.pop("retry_after", None)
    return json_response(
        exc.status,
        {"code": exc.code, "message": exc.message, **extra},
        headers={"Retry-After": str(retry_after)} if retry_after is not None else None,
    )


def install_error_handlers(api: NinjaAPI) -> None:
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        if exc.status == 429:  # a limit refused: too many failed keys, matches, moves
            refused(f"api-{exc.code}")
        return error_response(exc)

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
