"""Error answers: a page in the visitor's language for people, JSON `{code, message}`
under /api/; never a traceback, never a 500 for something the visitor sent."""

import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    too_big = isinstance(exception, RequestDataTooBig)
    status = 413 if too_big else 400
    if too_big:
        code, message = "too_large", _("What you sent is too large.")
    else:
        code, message = "bad_request", _("The request could not be understood.")
    if _is_api(request):
        return JsonResponse({"code": code, "message": message}, status=status)
    return render(request, "400.html", {"message": message}, status=status)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"code": "forbidden", "message": _("You are not allowed to do this.")}, status=403
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"code": "not_found", "message": _("There is nothing at this address.")}, status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Whatever raised it (a view, a middleware reading the session, a template), a
    # database that cannot be reached is a clean 503 that says to come back: the
    # connection has a timeout, so this answer comes quickly.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return _database_unavailable(request)
    if _is_api(request):
        return JsonResponse(
            {"code": "server_error", "message": _("Something went wrong on our side.")},
            status=500,
        )
    return defaults.server_error(request)


def _database_unavailable(request: HttpRequest) -> HttpResponse:
    logger.error("Database unavailable")
    if _is_api(request):
        response: HttpResponse = JsonResponse(
            {
                "code": "unavailable",
                "message": _("The service is briefly unavailable: try again in a minute."),
            },
            status=503,
        )
    else:
        # Rendered without context processors: they would ask the database again.
        response = HttpResponse(get_template("503.html").render(), status=503)
    response["Retry-After"] = "60"
    return response
