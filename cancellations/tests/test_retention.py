"""The daily run applies the retention policy (settings.RESILIA_RETENTION_DAYS) and keeps
the audit log, the requests and their receipts."""

import json
from datetime import datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.utils import timezone

from accounts.models import User
from api.keys import api_key_create
from api.models import IdempotentAnswer
from audit.models import AuditEntry
from cancellations.models import CancellationRequest
from customers.models import Customer
from notifications.models import OutboundEmail
from notifications.services import ResendError, email_resend
from resilia.daily import run_daily
from testing.helpers import run_worker, submit
from toolbox.models import AttemptCounter
from toolbox.noumea import NOUMEA
from toolbox.throttle import count_attempt
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_emit

pytestmark = pytest.mark.django_db
THEN = datetime(2025, 9, 1, 9, tzinfo=NOUMEA)  # fifteen months before NOW
NOW = datetime(2026, 12, 2, 0, 5, tzinfo=NOUMEA)


def test_the_daily_run_prunes_what_is_past_its_retention_and_keeps_the_proof(
    alice: Customer, supervisor: User
) -> None:
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.nc/", secret="whsec_x")
    with time_machine.travel(THEN, tick=False):
        request = submit(alice, "SUB-A-1")
        run_worker()  # the acknowledgement goes: its text is kept 13 months
        WebhookDelivery.objects.update(status=DeliveryStatus.SUCCEEDED)
        webhook_emit("request.completed", {"reference": "waited-for"})  # still pending
        AccessLog.objects.create(username="agent", ip_address="192.0.2.1", user_agent="x")
        AccessAttempt.objects.create(
            username="C100001", ip_address="192.0.2.1", user_agent="x", failures_since_start=3
        )
        count_attempt("public:submit:ip:192.0.2.1", window_seconds=3600)
        key, _secret = api_key_create(name="Old", scope="write", expires_at=None, actor=supervisor)
        IdempotentAnswer.objects.create(api_key=key, key="k", method_path="POST /", body_sha256="x")
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        submit(alice, "SUB-A-2")
        run_worker()  # recent: everything kept
    audit = AuditEntry.objects.count()
    with time_machine.travel(NOW, tick=False):
        done = run_daily()
    assert done["pruned"] > 0
    acknowledgements = OutboundEmail.objects.filter(template="request_received")
    old = acknowledgements.get(related_reference=request.reference)
    assert old.body_text == "" and old.body_pruned_at is not None and old.to == alice.email
    with pytest.raises(ResendError):
        email_resend(email=old, actor=supervisor)
    assert all(e.body_text for e in acknowledgements.exclude(pk=old.pk))
    # Settled webhook events go; the one an endpoint still waits for stays.
    old_events = WebhookEvent.objects.filter(created_at__lt=NOW - timedelta(days=90))
    assert [json.loads(e.body)["data"]["reference"] for e in old_events] == ["waited-for"]
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event__in=old_events).exists()
    assert not AccessLog.objects.exists() and not AccessAttempt.objects.exists()
    assert not AttemptCounter.objects.exists()
    assert not IdempotentAnswer.objects.exists()
    # Kept by design: the audit log (it grew by the run's own entries), the requests.
    assert AuditEntry.objects.count() >= audit
    assert CancellationRequest.objects.count() == 2
    assert timezone.now() > NOW
