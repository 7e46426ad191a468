"""`Authorization: Bearer <key>` for the integration endpoints: no key or a dead one →
401, a read key on a write endpoint → 403, too many failed attempts from an address →
429. Every call is written to the audit log under the key's account, which becomes
`request.user`: the changes it makes are attributed to the key as well."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from api.errors import ApiError
from api.keys import api_key_for, api_key_used
from api.models import ApiKey, Scope
from audit.services import audit_log
from states import AuditAction
from toolbox.client_address import client_ip, client_network
from toolbox.throttle import attempts, count_attempt

FAILURES_ALLOWED = 20
FAILURE_WINDOW_SECONDS = 600


def _failures_key(ip: str | None) -> str:
    return f"api:auth-failures:{client_network(ip)}"


class KeyAuth(HttpBearer):
    openapi_description = "An API key created by a supervisor in the back office."

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> Any:
        ip = client_ip(request)
        if attempts(_failures_key(ip)) >= FAILURES_ALLOWED:
            raise ApiError(
                429,
                "too_many_failures",
                _("Too many failed attempts: try again later."),
                retry_after=FAILURE_WINDOW_SECONDS,
            )
        found = super().__call__(request)
        # A failure is counted, and the count just written decides: past the limit, the
        # answer is 429 even for attempts that were let in together.
        if found is None and (
            count_attempt(_failures_key(ip), window_seconds=FAILURE_WINDOW_SECONDS)
            > FAILURES_ALLOWED
        ):
            raise ApiError(
                429,
                "too_many_failures",
                _("Too many failed attempts: try again later."),
                retry_after=FAILURE_WINDOW_SECONDS,
            )
        return found

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        api_key = api_key_for(token)
        if api_key is None:
            return None
        if (api_key.scope == Scope.SWITCHING) != (self.scope == Scope.SWITCHING):
            # A gaining provider's key opens the switching endpoints only, and only such
            # a key opens them (the switch is placed in its name).
            raise ApiError(
                403,
                "insufficient_scope",
                _("This key is for switching only.")
                if api_key.scope == Scope.SWITCHING
                else _("Switching needs a key with the switching scope."),
            )
        if self.scope == Scope.WRITE and api_key.scope != Scope.WRITE:
            raise ApiError(
                403, "insufficient_scope", _("This key can read but not write: use a write key.")
            )
        ip = client_ip(request)
        api_key_used(api_key, ip)
        # Every call is attributed to its key; a change it makes also writes its own entry.
        audit_log(
            actor=api_key.user,
            action=AuditAction.API_CALL,
            target=api_key,
            ip=ip,
            method=request.method,
            path=request.path[:200],
        )
        request.user = api_key.user
        request.api_key = api_key  # type: ignore[attr-defined]
        return api_key


read_key = KeyAuth(Scope.READ)
write_key = KeyAuth(Scope.WRITE)
switching_key = KeyAuth(Scope.SWITCHING)
