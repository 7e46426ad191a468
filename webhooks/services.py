"""Webhook endpoints, and the events written with the change that causes them.

`webhook_emit` is called inside a service's transaction: the event and its deliveries
are committed with the change, or not at all (`webhooks.delivery` sends them). Every
event is written, whoever wants it: a disabled endpoint's deliveries wait and go out in
order when it is enabled, and a replay can send everything since a moment.
"""

import base64
import json
import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.services import audit_log
from states import AuditAction
from webhooks.addresses import refusal
from webhooks.models import (
    EVENT_TYPES,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

# --- Endpoints ------------------------------------------------------------------------------


def webhook_endpoint_create(
    *,
    url: str,
    event_types: Sequence[str],
    description: str,
    actor: AbstractBaseUser,
    ip: str | None = None,
    provider_id: int | None = None,
) -> tuple[WebhookEndpoint, str]:
    """The endpoint and its signing secret (whsec_…), to show once; a gaining provider's
    (`provider_id`) gets only the events of its own switches."""
    unknown = set(event_types) - set(EVENT_TYPES)
    if unknown:
        raise ValueError(f"unknown event types: {sorted(unknown)}")
    refused = refusal(url)
    if refused is not None:
        raise ValueError(refused)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=url,
            description=description[:200],
            event_types=list(event_types),
            secret=secret,
            provider_id=provider_id,
            created_by_id=actor.pk,
        )
        audit_log(actor=actor, action=AuditAction.WEBHOOK_CREATE, target=endpoint, ip=ip, url=url)
    return endpoint, secret


def webhook_endpoint_enable(
    *, endpoint: WebhookEndpoint, active: bool, actor: AbstractBaseUser, ip: str | None = None
) -> None:
    """Enable or disable an endpoint. Its deliveries wait while it is disabled; enabled,
    they go out in order at once, each with three fresh days of retries."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            active=active, disabled_reason="", failing_since=None
        )
        if active:
            WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
                next_attempt_at=None, leased_until=None, first_attempt_at=None
            )
        audit_log(
            actor=actor,
            action=AuditAction.WEBHOOK_ENABLE if active else AuditAction.WEBHOOK_DISABLE,
            target=endpoint,
            ip=ip,
        )


# --- Events ---------------------------------------------------------------------------------


def _envelope(event_type: str, data: dict[str, Any], at: datetime) -> str:
    body = {"type": event_type, "timestamp": at.isoformat(timespec="seconds"), "data": data}
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


# (type, data) for everyone, or (type, data, a gaining provider's id) for that provider's
# endpoints as well as the ISP's.
Event = tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], int | None]


def webhook_emit_many(event_type: str, items: Iterable[dict[str, Any]]) -> int:
    """Write one event per item, and a delivery for every endpoint that wants this type;
    call it inside the transaction of the change. Returns the number of events."""
    return webhook_emit_events([(event_type, data) for data in items])


def webhook_emit_events(events: Sequence[Event]) -> int:
    """Write each event, in order, with a delivery for every endpoint that wants it,
    active or not (a disabled endpoint's wait for it to be enabled): the endpoints are
    read once. Every event is kept, wanted or not, for a later replay. Returns the number
    of events."""
    if not events:
        return 0
    wanted: list[tuple[str, dict[str, Any], int | None]] = [
        (e[0], e[1], e[2] if len(e) == 3 else None)
        for e in events  # type: ignore[misc]
    ]
    endpoints = list(WebhookEndpoint.objects.all())
    now = timezone.now()
    written = WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                msg_id="msg_" + secrets.token_hex(12),
                type=event_type,
                body=_envelope(event_type, data, now),
                audience_id=audience,
            )
            for event_type, data, audience in wanted
        ],
        batch_size=1000,
    )
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=e, event=event)
            for event in written
            for e in endpoints
            if e.wants(event.type, event.audience_id)
        ],
        batch_size=1000,
    )
    return len(written)


def webhook_emit(event_type: str, data: dict[str, Any], audience: int | None = None) -> None:
    webhook_emit_events([(event_type, data, audience)])


def request_data(request: Any) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "client_code": request.customer.client_code,
        "subscription": request.subscription.reference,
        "status": request.status,
        "kind": request.kind,
        "channel": request.channel,
        "effective_date": request.effective_date,
        "billing_end": request.billing_end,
        "reason": request.status_reason,
    }


def switch_data(switch: Any) -> dict[str, Any]:
    request = switch.request
    form = getattr(request, "access_form", None)
    return {
        "reference": switch.reference,
        "status": switch.status,
        "request": request.reference,
        "planned_date": switch.planned_date,
        "effective_date": request.effective_date,
        "billing_end": request.billing_end,
        "form_status": form.status if form is not None else None,
    }


# A switch's request (a cancellation placed by the new provider, switching.Switch) is
# followed by its gaining provider: each step of its form, and its end, is told to that
# provider's endpoints (and the ISP's) as a switch.* event too.
SWITCH_FORM_STEPS = {
    "form.signed": "switch.form_signed",
    "form.forwarded": "switch.form_forwarded",
    "form.acknowledged": "switch.form_acknowledged",
    "form.refused": "switch.form_refused",
}
SWITCH_ENDINGS = {
    "cancelled": "switch.cancelled",
    "objected": "switch.objected",
    "completed": "switch.completed",
}


def _switch_of(request: Any) -> Any:
    """The switch a request was placed for, or None (`request.switch`, the one-to-one
    relation's other side: select_related("switch") reads it with the request)."""
    try:
        return request.switch
    except ObjectDoesNotExist:
        return None


def request_events(event_type: str, requests: Iterable[Any]) -> list[Event]:
    """`event_type` (request.withdrawn, .rejected, .completed) for each request; then, for
    a switch's request, the switch's end (switch.objected, .cancelled, .completed) to
    its gaining provider."""
    requests = list(requests)
    events: list[Event] = [(event_type, request_data(r)) for r in requests]
    for request in requests:
        switch = _switch_of(request)
        if switch is not None and switch.status in SWITCH_ENDINGS:
            events.append((SWITCH_ENDINGS[switch.status], switch_data(switch), switch.provider_id))
    return events


def form_events(event_type: str, forms: Iterable[Any]) -> list[Event]:
    """`event_type` (form.signed, .forwarded, .acknowledged, .refused) for each form; then,
    for a switch's form, the same step (switch.form_signed …) to its gaining provider."""
    forms = list(forms)
    events: list[Event] = [(event_type, form_data(f)) for f in forms]
    for form in forms:
        switch = _switch_of(form.request)
        if switch is not None:
            events.append((SWITCH_FORM_STEPS[event_type], switch_data(switch), switch.provider_id))
    return events


def form_data(form: Any) -> dict[str, Any]:
    return {
        "reference": form.request.reference,
        "status": form.status,
        "kind": form.kind,
        "line_number": form.line_number,
        "operator_reference": form.operator_reference,
        "refusal_reason": form.operator_refusal_reason,
    }


def webhook_test(
    *, endpoint: WebhookEndpoint, actor: AbstractBaseUser, ip: str | None = None
) -> None:
    """A `test.ping` event for one endpoint, delivered like the others."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            msg_id="msg_" + secrets.token_hex(12),
            type="test.ping",
            body=_envelope("test.ping", {"endpoint": endpoint.url}, timezone.now()),
        )
        WebhookDelivery.objects.create(endpoint=endpoint, event=event)
        audit_log(actor=actor, action=AuditAction.WEBHOOK_TEST, target=endpoint, ip=ip)


def webhook_replay(
    *, delivery: WebhookDelivery, actor: AbstractBaseUser, ip: str | None = None
) -> None:
    """Send an event again to its endpoint (same webhook-id: receivers dedupe on it)."""
    with transaction.atomic():
        WebhookDelivery.objects.create(endpoint=delivery.endpoint, event=delivery.event)
        audit_log(actor=actor, action=AuditAction.WEBHOOK_REPLAY, target=delivery.endpoint, ip=ip)


def webhook_replay_since(
    *, endpoint: WebhookEndpoint, since: datetime, actor: AbstractBaseUser, ip: str | None = None
) -> int:
    """Send an endpoint every event it wants written since `since` again, in order (each
    with its own webhook-id: receivers drop those they already have). Returns how many."""
    events = WebhookEvent.objects.filter(created_at__gte=since).order_by("id").only("pk")
    if endpoint.event_types:  # none ticked: all of them
        events = events.filter(type__in=endpoint.event_types)
    if endpoint.provider_id is not None:  # a gaining provider's: its own switches' only
        events = events.filter(audience_id=endpoint.provider_id)
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(
            deliveries := [WebhookDelivery(endpoint=endpoint, event=e) for e in events.iterator()],
            batch_size=1000,
        )
        audit_log(
            actor=actor,
            action=AuditAction.WEBHOOK_REPLAY,
            target=endpoint,
            ip=ip,
            since=since.isoformat(timespec="minutes"),
            events=len(deliveries),
        )
    return len(deliveries)


def webhook_prune(before: datetime) -> int:
    """Delete the events written before `before` that no endpoint still waits for (with
    their deliveries and attempts), and older attempts of deliveries still pending.
    Returns how many rows went."""
    waited_for = WebhookDelivery.objects.filter(event=OuterRef("pk"), status=DeliveryStatus.PENDING)
    attempts = WebhookAttempt.objects.filter(at__lt=before).delete()[0]
    events = (
        WebhookEvent.objects.filter(created_at__lt=before).exclude(Exists(waited_for)).delete()[0]
    )
    return attempts + events
