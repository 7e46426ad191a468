"""Delivery of webhook events: the worker's `handle_one_webhook` sends the oldest pending
delivery of an endpoint whose earlier ones are all settled (order per endpoint), signed
with `standardwebhooks` (webhook-id, webhook-timestamp, webhook-signature); a failure is
retried with exponential backoff for three days, every attempt logged; an endpoint
failing for three days is disabled and supervisors told.
"""

import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from audit.services import audit_log
from states import AuditAction
from webhooks import emails
from webhooks.addresses import destination, pinned_opener
from webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=3)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
LEASE = timedelta(minutes=2)


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling up to 6 hours between attempts."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def _next_due(now: datetime) -> WebhookDelivery | None:
    """The oldest due delivery among the heads of the active endpoints' queues: only an
    endpoint's oldest pending delivery may go (order per endpoint). One indexed lookup per
    active endpoint (`delivery_queue`: status, endpoint, id), whatever the backlog."""
    heads = []
    for endpoint_id in WebhookEndpoint.objects.filter(active=True).values_list("pk", flat=True):
        head = (
            WebhookDelivery.objects.filter(endpoint_id=endpoint_id, status=DeliveryStatus.PENDING)
            .order_by("id")
            .values_list("pk", "next_attempt_at", "leased_until")
            .first()
        )
        if head is None:
            continue
        pk, next_attempt_at, leased_until = head
        if (next_attempt_at is None or next_attempt_at <= now) and (
            leased_until is None or leased_until < now
        ):
            heads.append(pk)
    if not heads:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "event").get(pk=min(heads))


def handle_one_webhook(now: datetime | None = None) -> bool:
    """Send one due delivery; False when none is due. Safe with several workers: the
    delivery is claimed with a conditional UPDATE (a lease) before it is sent."""
    now = now or timezone.now()
    delivery = _next_due(now)
    if delivery is None:
        return False
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(leased_until=now + LEASE)
    )
    if claimed:
        _attempt(delivery)
    return True


def _post(endpoint: WebhookEndpoint, event: WebhookEvent) -> tuple[int | None, str, str]:
    """(status, response excerpt, error) of one signed POST."""
    refused, address = destination(endpoint.url)
    if refused is not None or address is None:
        return None, "", (refused or "")[:300]
    signed_at = timezone.now()
    signature = Webhook(endpoint.secret).sign(event.msg_id, signed_at, event.body)
    http = urllib.request.Request(  # noqa: S310 (an https or http URL checked at creation)
        endpoint.url,
        data=event.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Resilia-Webhooks/1",
            "webhook-id": event.msg_id,
            "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": signature,
        },
    )
    try:
        opener = pinned_opener(address)  # the address just checked, not a new lookup
        with opener.open(http, timeout=settings.RESILIA_WEBHOOK_TIMEOUT) as response:
            return response.status, response.read(500).decode(errors="replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode(errors="replace"), ""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "", f"{type(exc).__name__}: {reason}"[:300]


def _attempt(delivery: WebhookDelivery) -> None:
    began = time.monotonic()
    status, excerpt, error = _post(delivery.endpoint, delivery.event)
    duration = int((time.monotonic() - began) * 1000)
    now = timezone.now()
    ok = status is not None and 200 <= status < 300
    attempts = delivery.attempts + 1
    first_attempt_at = delivery.first_attempt_at or now
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=status,
            duration_ms=duration,
            response_excerpt=excerpt,
            error=error,
        )
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if ok:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.SUCCEEDED,
                attempts=attempts,
                delivered_at=now,
                leased_until=None,
                first_attempt_at=first_attempt_at,
            )
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
            return
        gave_up = now - first_attempt_at >= GIVE_UP_AFTER
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
            attempts=attempts,
            next_attempt_at=None if gave_up else now + retry_delay(attempts),
            leased_until=None,
            first_attempt_at=first_attempt_at,
        )
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            endpoint.save(update_fields=["failing_since"])
        elif now - endpoint.failing_since >= GIVE_UP_AFTER and endpoint.active:
            _disable(endpoint, status, error)


def _disable(endpoint: WebhookEndpoint, status: int | None, error: str) -> None:
    endpoint.active = False
    endpoint.disabled_reason = f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC: " + (
        f"HTTP {status}" if status is not None else error
    )
    endpoint.save(update_fields=["active", "disabled_reason"])
    audit_log(
        actor=None,
        action=AuditAction.WEBHOOK_DISABLE,
        target=endpoint,
        reason=endpoint.disabled_reason,
    )
    supervisors = (
        get_user_model()
        ._default_manager.filter(
            Q(groups__name="supervisor") | Q(is_superuser=True), is_active=True
        )
        .exclude(email="")
    )
    for address in sorted({u.email for u in supervisors}):
        emails.send_webhook_disabled(endpoint, to=address)
