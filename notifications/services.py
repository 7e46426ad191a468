import logging
import re
import time
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, connections, models, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import registry
from notifications.models import EmailStatus, OutboundEmail
from notifications.secret_links import reveal_all
from toolbox.brand import operator_contact

logger = logging.getLogger(__name__)

# Delay before attempt n+1: 1 min, 2, 4, ... capped at one hour, then hourly for ever.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def email_queue(
    *,
    template: str,
    to: str,
    language: str,
    context: dict[str, object],
    customer: models.Model | None = None,
    related_reference: str = "",
    attachments: list[dict[str, str]] | None = None,
    secret_link: dict[str, object] | None = None,
    reply_to: str | None = None,
) -> OutboundEmail:
    """Render `notifications/emails/<template>.{subject,txt,html}` and queue delivery.

    Call it inside the transaction of the change that causes the e-mail: the message
    and its delivery task are committed (or rolled back) together with that change.
    A message carrying an access or signing link is rendered with `secret_links.MASK`
    in place of the token and passes `secret_link`: the token is made at delivery. Such a
    message holds a code or a link that expires: it is urgent, sent ahead of notices.
    """
    subject, text, html = render(template, language, context)
    email = OutboundEmail.objects.create(
        template=template,
        language=language,
        to=to,
        subject=subject,
        body_text=text,
        body_html=html,
        customer_id=customer.pk if customer is not None else None,
        related_reference=related_reference,
        attachments=attachments or [],
        secret_link=secret_link or {},
        urgent=bool(secret_link),
        reply_to=reply_to or settings.RESILIA_BRAND["support_email"],
    )
    _enqueue_delivery(email)
    return email


def _enqueue_delivery(email: OutboundEmail, run_after: datetime | None = None) -> None:
    from notifications.tasks import deliver_email, deliver_urgent_email

    task = deliver_urgent_email if email.urgent else deliver_email
    (task.using(run_after=run_after) if run_after else task).enqueue(email.pk)


def _full_context(context: dict[str, object]) -> dict[str, object]:
    return {
        "brand": settings.RESILIA_BRAND,
        "operator": operator_contact(),  # in the customer's language
        **context,
    }


def render(template: str, language: str, context: dict[str, object]) -> tuple[str, str, str]:
    """Subject, text and HTML of `notifications/emails/<template>.*` in `language`."""
    with translation.override(language):
        full_context = _full_context(context)
        subject = render_to_string(f"notifications/emails/{template}.subject", full_context)
        text = render_to_string(f"notifications/emails/{template}.txt", full_context)
        html = render_to_string(f"notifications/emails/{template}.html", full_context)
    # The shared parts end with their own blank line after an {% if %}: one blank line
    # between paragraphs, however they were joined.
    paragraphs = _BLANK_LINES.sub("\n\n", text.strip())
    return " ".join(subject.split()), paragraphs + "\n", html


_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


def render_subject(template: str, language: str, context: dict[str, object]) -> str:
    """The subject alone (of a message whose text is rendered when sent: the customer's
    pages list it by its subject meanwhile), as `render` writes it."""
    with translation.override(language):
        subject = render_to_string(
            f"notifications/emails/{template}.subject", _full_context(context)
        )
    return " ".join(subject.split())


def email_queue_rendered_at_delivery(email: OutboundEmail) -> OutboundEmail:
    """Queue one message written now, in the caller's transaction, and rendered by its
    delivery task just before it goes out (`render_ref` names what to render it from)."""
    email.save()
    _enqueue_delivery(email)
    return email


def emails_queue_rendered_at_delivery(emails: list[OutboundEmail]) -> None:
    """Queue many messages at once (a batch of the daily run): each row is written now, in
    the caller's transaction, and rendered by the sender just before it goes out
    (`render_ref` names what to render it from). The worker's outbox sweep sends them;
    no task per message."""
    OutboundEmail.objects.bulk_create(emails)


def email_rendered(email: OutboundEmail, *, keep: bool = True) -> OutboundEmail:
    """Fill a message queued with `render_ref` (once: the text is then kept as sent).
    With `keep=False` the text is only shown (the demo's inbox, before the sender)."""
    if not email.render_ref or email.body_text:
        return email
    context = registry.context_for(email.render_ref)
    subject, text, html = render(email.template, email.language, context)
    email.subject, email.body_text, email.body_html = subject, text, html
    if keep:
        OutboundEmail.objects.filter(pk=email.pk).update(
            subject=subject, body_text=text, body_html=html
        )
    return email


PENDING = [EmailStatus.QUEUED, EmailStatus.RETRYING]


def _due(now: datetime) -> QuerySet[OutboundEmail]:
    """Messages waiting to be sent whose next attempt has come and that nobody holds."""
    return OutboundEmail.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(leased_until__isnull=True) | Q(leased_until__lt=now),
        status__in=PENDING,
    )


def _claim(email_id: int, now: datetime) -> bool:
    """Take the message for one sender: a conditional UPDATE, so of two workers (or a
    task and the sweeper) exactly one wins; the lease lets another take over if this
    process dies before it records the outcome."""
    lease = timedelta(seconds=settings.RESILIA_EMAIL_LEASE_SECONDS)
    return _due(now).filter(pk=email_id).update(leased_until=now + lease) == 1


def email_deliver(*, email_id: int) -> bool:
    """Send one e-mail if it is due and nobody else is sending it.

    Returns True when the message is delivered (now or before). Safe to call any number
    of times from any number of processes: each message reaches SMTP once, unless a
    process dies between SMTP's acceptance and the update below (then it is sent again
    after the lease, the most SMTP allows, with the same Message-ID).
    """
    now = timezone.now()
    if not _claim(email_id, now):
        return OutboundEmail.objects.filter(pk=email_id, status=EmailStatus.SENT).exists()
    email = OutboundEmail.objects.get(pk=email_id)
    _send_claimed(email)
    return email.status == EmailStatus.SENT


def handle_one_email(now: datetime | None = None, *, urgent_only: bool = False) -> bool:
    """The sweeper's step: send the due message nobody holds that comes first (urgent
    ones, then the oldest). False when none is.

    It sends the daily run's notices (queued without a task) and picks up what a task
    never delivered: a worker killed mid-send (after its lease), a retry whose task was
    lost, a message queued while no worker ran.
    """
    now = now or timezone.now()
    due = _due(now).filter(urgent=True) if urgent_only else _due(now)
    candidates = due.order_by("-urgent", "next_attempt_at", "id").values_list("pk", flat=True)[:10]
    for email_id in candidates:
        if _claim(email_id, now):
            _send_claimed(OutboundEmail.objects.get(pk=email_id))
            return True
    return False


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
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
        _message(email_rendered(email)).send()
    except Exception as exc:  # any SMTP or network failure: keep the message, try later
        logger.warning("E-mail %s not delivered (attempt %s): %s", email.pk, attempts, exc)
        next_attempt = timezone.now() + retry_delay(attempts)
        email.status = EmailStatus.RETRYING
        with transaction.atomic():
            OutboundEmail.objects.filter(pk=email.pk).update(
                status=EmailStatus.RETRYING,
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                next_attempt_at=next_attempt,
                leased_until=None,
            )
            _enqueue_delivery(email, run_after=next_attempt)
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


class ResendError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def email_resend(
    *, email: OutboundEmail, actor: AbstractBaseUser, ip: str | None = None
) -> OutboundEmail:
    """Staff send a message again: a new copy is queued (the original keeps its history).
    A message carrying an access or signing link is not copied: its link may have been
    replaced since, so staff send a fresh one from the customer's or the form's page."""
    from audit.services import audit_log

    if email.body_pruned_at is not None:
        raise ResendError(
            "pruned",
            str(_("The text of this message was deleted after the retention period.")),
        )
    if email.secret_link:
        raise ResendError(
            "secret_link",
            str(_("This message carries a personal link: send a new link instead.")),
        )
    with transaction.atomic():
        copy = OutboundEmail.objects.create(
            template=email.template,
            language=email.language,
            to=email.to,
            reply_to=email.reply_to,
            subject=email.subject,
            body_text=email.body_text,
            body_html=email.body_html,
            customer=email.customer,
            related_reference=email.related_reference,
            attachments=email.attachments,
        )
        _enqueue_delivery(copy)
        audit_log(actor=actor, action="email.resend", target=copy, ip=ip, original=email.pk)
    return copy


def outbox_prune(before: datetime) -> int:
    """Delete the text and attachments of the messages sent before `before` (the rows
    stay: to whom, when, about what). Returns how many were emptied."""
    return OutboundEmail.objects.filter(
        status=EmailStatus.SENT, sent_at__lt=before, body_pruned_at__isnull=True
    ).update(
        body_text="",
        body_html="",
        attachments=[],
        secret_link={},
        render_ref={},
        body_pruned_at=timezone.now(),
    )
