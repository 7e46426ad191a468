"""`Idempotency-Key` on every POST of the integration API.

The same key with the same body answers the first answer (same status, same body) for
24 hours; with another body, 422.

The key's row is written in the same transaction as the work and its answer: if the
work commits, so do the key and the answer (a retry, even after the connection dropped
before the client heard back, gets the first answer); if it does not (the database gone
mid-request, a worker killed), nothing is left behind and a retry does the work. Of two
concurrent calls with one key, the second waits on the key's row until the first
commits, then replays its answer.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
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
                    response = view(request, *args, **kwargs)
            except ApiError as exc:
                # The refusal is the answer: kept (the work's own writes rolled back).
                _keep(answer, exc.status, {"code": exc.code, "message": exc.message, **exc.extra})
                refusal = exc
            else:
                status, body = (
                    (response.status_code, response.value)
                    if isinstance(response, Status)
                    else (200, response)
                )
                # As the API renders it (its JSON encoder), so that a replay is byte for byte.
                data = body.model_dump(by_alias=True) if hasattr(body, "model_dump") else body
                _keep(answer, status, json.loads(json.dumps(data, cls=NinjaJSONEncoder)))
                return response
        raise refusal

    return wrapper


def _replay(earlier: IdempotentAnswer, digest: str) -> HttpResponse:
    if earlier.body_sha256 != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was used with another request."),
        )
    return HttpResponse(
        json.dumps(earlier.body),
        status=earlier.status,
        content_type="application/json",
        headers={"Idempotent-Replayed": "true"},
    )


def _keep(answer: IdempotentAnswer, status: int, body: Any) -> None:
    IdempotentAnswer.objects.filter(pk=answer.pk).update(status=status, body=body)


def idempotency_prune(now: datetime) -> int:
    """The daily run's pruning: the answers older than KEEP."""
    return IdempotentAnswer.objects.filter(created_at__lt=now - KEEP).delete()[0]
