"""Delivery of the outbox: the worker sends each due message once, urgent ones first.

One path for every e-mail: `notifications.services` writes the row in the transaction
of the change that causes it; the worker's `handle_one_email` sends it (claimed with a
lease, so two workers never send the same message and a killed one's message goes
after the lease); a failure is tried again later (`retry_delay`).
"""

import logging
import time
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from notifications import registry
from notifications.models import EmailStatus, OutboundEmail
from notifications.secret_links import reveal_all
from notifications.services import email_rendered

logger = logging.getLogger(__name__)

# Delay before attempt n+1: 1 min, 2, 4, ... capped at one hour, then hourly for ever.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


PENDING = [EmailStatus.QUEUED, EmailStatus.RETRYING]


def _due(now: datetime) -> QuerySet[OutboundEmail]:
    """Messages waiting to be sent whose next attempt has come and that nobody holds."""
    return OutboundEmail.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        status__in=PENDING,
    )


def _claim(email_id: int, now: datetime) -> bool:
    """Take the message for one sender: a conditional UPDATE, so of two workers exactly
    one wins; the lease lets another take over if this
    process dies before it records the outcome."""
    lease = timedelta(seconds=settings.RESILIA_EMAIL_LEASE_SECONDS)
    return _due(now).filter(pk=email_id).update(leased_until=now + lease) == 1


def handle_one_email(now: datetime | None = None, *, urgent_only: bool = False) -> bool:
    """The worker's step: send the due message nobody holds that comes first (urgent
    ones, then those someone is waiting for now ahead of the daily run's batches, then
    the oldest). False when none is. A message a killed worker held goes
    again once its lease is over; a failed one when its next attempt is due."""
    now = now or timezone.now()
    due = _due(now).filter(urgent=True) if urgent_only else _due(now)
    candidates = due.order_by("-urgent", "bulk", "next_attempt_at", "id").values_list(
        "pk", flat=True
    )[:10]
    for email_id in candidates:
        if _claim(email_id, now):
            _send_claimed(OutboundEmail.objects.get(pk=email_id))
            return True
    return False


def email_message(email: OutboundEmail) -> EmailMultiAlternatives:
    text, html = reveal_all([email.body_text, email.body_html], email.secret_link)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"X-Resilia-Email-Id": str(email.pk), "Message-ID": message_id(email)},
    )
    message.attach_alternative(html, "text/html")
    for attachment in email.attachments:
        made = registry.attachment_content(attachment)
        if made is not None:
            content: bytes | str = made
        elif "path" in attachment:
            with default_storage.open(attachment["path"], "rb") as stored:
                content = stored.read()
        else:
            content = attachment["content"]
        message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


def message_id(email: OutboundEmail) -> str:
    """The Message-ID of an outbox row, the same at every attempt: when a message goes
    twice (SMTP accepted it, then the process died before recording it), receivers see
    one message and drop the copy."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "resilia.invalid"
    return f"<resilia.{email.pk}.{email.created_at:%Y%m%d%H%M%S}@{domain}>"


def _send_claimed(email: OutboundEmail) -> None:
    """Send a message this process holds the lease on, and record the outcome."""
    attempts = email.attempts + 1
    try:
        email_message(email_rendered(email)).send()
    except Exception as exc:  # any SMTP or network failure: keep the message, try later
        logger.warning("E-mail %s not delivered (attempt %s): %s", email.pk, attempts, exc)
        next_attempt = timezone.now() + retry_delay(attempts)
        email.status = EmailStatus.RETRYING
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=EmailStatus.RETRYING,
            attempts=attempts,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=next_attempt,
            leased_until=None,
        )
        return
    email.status = EmailStatus.SENT
    _record_sent(email, attempts)


def _record_sent(email: OutboundEmail, attempts: int) -> None:
    """Mark an accepted message sent, trying again (on a new connection) while the
    database is away, for up to half the lease: past the lease another sender would send
    it again. If the database stays away longer, the copy carries the same Message-ID."""
    sent_at = timezone.now()
    deadline = time.monotonic() + settings.RESILIA_EMAIL_LEASE_SECONDS / 2
    pause = 0.2
    while True:
        try:
            OutboundEmail.objects.filter(pk=email.pk).update(
                status=EmailStatus.SENT,
                attempts=attempts,
                sent_at=sent_at,
                next_attempt_at=None,
                leased_until=None,
            )
            return
        except DatabaseError as exc:
            connection = connections[OutboundEmail.objects.db]
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
            logger.warning("E-mail %s sent; recording it failed (%s): trying again", email.pk, exc)
            connection.close()
            time.sleep(pause)
            pause *= 2
