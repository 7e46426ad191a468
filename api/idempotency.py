"""`Idempotency-Key` on every POST of the integration API.

The same key with the same body answers the first answer for 24 hours, byte for byte
(its status, its body as rendered, its Content-Type and Retry-After); with another
body, 422. A call with a key is rendered here, as the API renders its answers
(api.errors.json_response), and the bytes sent are the bytes kept.

The key's row is written in the same transaction as the work and its answer: if the
work commits, so do the key and the answer (a retry, even after the connection dropped
before the client heard back, gets the first answer); if it does not (the database gone
mid-request, a worker killed), nothing is left behind and a retry does the work. Of two
concurrent calls with one key, the second waits on the key's row until the first
commits, then replays its answer.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.responses import Status
from pydantic import BaseModel

from api.errors import ApiError, error_response, json_response
from api.models import ApiKey, IdempotentAnswer

KEEP = timedelta(hours=24)
HEADER = "Idempotency-Key"


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
        expired = IdempotentAnswer.objects.filter(created_at__lt=timezone.now() - KEEP)
        expired.filter(api_key=api_key).delete()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    answer = IdempotentAnswer.objects.create(
                        api_key=api_key, key=key, method_path=where, body_sha256=digest
                    )
            except IntegrityError:
                earlier = IdempotentAnswer.objects.get(api_key=api_key, key=key)
                return _replay(earlier, digest)
            try:
                with transaction.atomic():
                    result = view(request, *args, **kwargs)
            except ApiError as exc:
                # The refusal is the answer, kept (the work's own writes rolled back).
                response = error_response(exc)
            else:
                response = _rendered(result)
            _keep(answer, response)
            return response

    return wrapper


def _rendered(result: Any) -> HttpResponse:
    """The view's result as ninja would render it (a model dumped as its schema says)."""
    if isinstance(result, HttpResponse):
        return result
    status, body = (
        (result.status_code, result.value) if isinstance(result, Status) else (200, result)
    )
    return json_response(status, body.model_dump() if isinstance(body, BaseModel) else body)


def _replay(earlier: IdempotentAnswer, digest: str) -> HttpResponse:
    if earlier.body_sha256 != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was used with another request."),
        )
    return HttpResponse(
        earlier.content,
        status=earlier.status,
        headers={**earlier.headers, "Idempotent-Replayed": "true"},
    )


# The headers a replay repeats.
KEPT_HEADERS = ("Content-Type", "Retry-After")


def _keep(answer: IdempotentAnswer, response: HttpResponse) -> None:
    IdempotentAnswer.objects.filter(pk=answer.pk).update(
        status=response.status_code,
        content=response.content.decode(),
        headers={name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
    )


def idempotency_prune(now: datetime) -> int:
    """The daily run's pruning: the answers older than KEEP."""
    return IdempotentAnswer.objects.filter(created_at__lt=now - KEEP).delete()[0]
