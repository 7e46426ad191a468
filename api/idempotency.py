"""`Idempotency-Key` on every POST of the integration API.

The same key with the same body answers the first answer (same status, same body) for
24 hours; with another body, 422. The key's row is committed before the work starts, so
of two concurrent calls with one key exactly one does the work: the other is told to
retry (409) while the first is still running, and then gets the first answer.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.responses import NinjaJSONEncoder, Status

from api.errors import ApiError
from api.models import ApiKey, IdempotentAnswer

KEEP = timedelta(hours=24)
HEADER = "Idempotency-Key"


def _reserve(api_key: ApiKey, key: str, where: str, digest: str) -> IdempotentAnswer | None:
    """None when this call may do the work; else the earlier call's row."""
    IdempotentAnswer.objects.filter(api_key=api_key, created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            IdempotentAnswer.objects.create(
                api_key=api_key, key=key, method_path=where, body_sha256=digest
            )
    except IntegrityError:
        return IdempotentAnswer.objects.get(api_key=api_key, key=key)
    return None


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > 200:
            raise ApiError(422, "invalid_idempotency_key", _("Idempotency-Key is too long."))
        api_key: ApiKey = request.api_key  # type: ignore[attr-defined]
        where = f"{request.method} {request.path}"[:300]
        digest = hashlib.sha256(where.encode() + b"\n" + request.body).hexdigest()
        earlier = _reserve(api_key, key, where, digest)
        if earlier is not None:
            if earlier.body_sha256 != digest:
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    _("This Idempotency-Key was used with another request."),
                )
            if earlier.status is None:
                raise ApiError(
                    409,
                    "idempotency_in_progress",
                    _("A request with this Idempotency-Key is still running: retry shortly."),
                )
            return HttpResponse(
                json.dumps(earlier.body),
                status=earlier.status,
                content_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response = view(request, *args, **kwargs)
        except ApiError as exc:
            _keep(api_key, key, exc.status, {"code": exc.code, "message": exc.message, **exc.extra})
            raise
        except Exception:
            # Nothing was done (the service's transaction rolled back): free the key.
            IdempotentAnswer.objects.filter(api_key=api_key, key=key).delete()
            raise
        status, body = (
            (response.status_code, response.value)
            if isinstance(response, Status)
            else (200, response)
        )
        # As the API renders it (its JSON encoder), so that a replay is byte for byte.
        data = body.model_dump(by_alias=True) if hasattr(body, "model_dump") else body
        _keep(api_key, key, status, json.loads(json.dumps(data, cls=NinjaJSONEncoder)))
        return response

    return wrapper


def _keep(api_key: ApiKey, key: str, status: int, body: Any) -> None:
    IdempotentAnswer.objects.filter(api_key=api_key, key=key).update(status=status, body=body)
