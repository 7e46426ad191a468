"""Confirmed → completed, the day after the effective date (the service lasts through it):
the subscription ends, its mailboxes are kept for the chosen months (R11) or closed, and
the customer is told. The daily run completes requests by the hundred, in one transaction
per batch with one statement per kind of change, so a month-end backlog of 100,000
requests takes seconds per thousand instead of a transaction per request.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from audit.services import audit_log_many
from cancellations import emails
from cancellations.models import CancellationRequest, RequestEvent, Status
from customers.models import Mailbox, MailboxStatus, Subscription, SubscriptionStatus
from rules import latest_effective_date_to_complete, mailbox_kept_until
from states import AuditAction
from webhooks.services import request_events, webhook_emit_events

BATCH = 2000


def _due(today: date) -> list[CancellationRequest]:
    """The next batch of due requests, locked; those another run holds are skipped (call
    inside a transaction)."""
    return list(
        CancellationRequest.objects.filter(
            status=Status.CONFIRMED, effective_date__lte=latest_effective_date_to_complete(today)
        )
        .select_for_update(
            skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
        )
        .order_by("effective_date", "id")
        .select_related("customer", "subscription", "switch")
        .only(  # what the batch writes, e-mails and tells: fewer columns to build
            "reference",
            "effective_date",
            "billing_end",
            "mailbox_retention_months",
            "status",
            "status_reason",
            "kind",
            "channel",
            "customer__client_code",
            "customer__email",
            "customer__language",
            "subscription__reference",
            # A switch's end is told to its new provider (switch.completed).
            "switch__reference",
            "switch__planned_date",
            "switch__cancelled_at",
            "switch__provider",
        )[:BATCH]
    )


def _complete(requests: Sequence[CancellationRequest], today: date) -> int:
    """Complete those of `requests` still confirmed and due; call inside a transaction.
    The conditional UPDATE is the claim: a request another run completed meanwhile is
    skipped, so each is completed (and e-mailed) once."""
    cutoff = latest_effective_date_to_complete(today)
    candidates = [r for r in requests if r.effective_date <= cutoff]
    claimed_ids = set(
        CancellationRequest.objects.filter(
            pk__in=[r.pk for r in candidates], status=Status.CONFIRMED
        )
        .select_for_update(skip_locked=connection.vendor == "postgresql")
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    CancellationRequest.objects.filter(pk__in=claimed_ids, status=Status.CONFIRMED).update(
        status=Status.COMPLETED, updated_at=now
    )
    done = [r for r in candidates if r.pk in claimed_ids]
    if not done:
        return 0
    ends_on: dict[date, list[int]] = defaultdict(list)
    kept_until: dict[date, list[int]] = defaultdict(list)
    closed: list[int] = []
    for request in done:
        request.status = Status.COMPLETED
        ends_on[request.effective_date].append(request.subscription_id)
        if request.mailbox_retention_months:
            until = mailbox_kept_until(request.effective_date, request.mailbox_retention_months)
            kept_until[until].append(request.subscription_id)
        else:
            closed.append(request.subscription_id)
    for day, subscription_ids in ends_on.items():
        Subscription.objects.filter(pk__in=subscription_ids).update(
            status=SubscriptionStatus.TERMINATED, ends_on=day
        )
    active = Mailbox.objects.filter(status=MailboxStatus.ACTIVE)
    for until, subscription_ids in kept_until.items():
        active.filter(subscription_id__in=subscription_ids).update(
            status=MailboxStatus.RETAINED, retained_until=until
        )
    active.filter(subscription_id__in=closed).update(status=MailboxStatus.DELETED)
    RequestEvent.objects.bulk_create(
        [RequestEvent(request=r, at=now, status=Status.COMPLETED) for r in done]
    )
    audit_log_many(actor=None, action=AuditAction.REQUEST_COMPLETE, targets=done)
    webhook_emit_events(request_events("request.completed", done))  # and switches' ends
    emails.send_requests_completed(done)
    return len(done)


def request_complete(*, request: CancellationRequest, today: date) -> bool:
    """Complete one request if it is confirmed and due. Safe to run twice."""
    with transaction.atomic():
        return _complete([request], today) == 1


def handle_due_completions(today: date) -> int | None:
    """The daily run's step: complete the next batch of due requests. None when nothing
    is due (or all that is due is held by another run, which completes it); else how many
    this run completed."""
    with transaction.atomic():
        requests = _due(today)
        if not requests:
            return None
        return _complete(requests, today)
