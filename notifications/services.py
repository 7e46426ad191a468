import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from customers.models import Customer
from notifications.models import EmailStatus, OutboundEmail
from notifications.secret_links import reveal

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
    customer: Customer | None = None,
    related_reference: str = "",
    attachments: list[dict[str, str]] | None = None,
    secret_link: dict[str, object] | None = None,
) -> OutboundEmail:
    """Render `notifications/emails/<template>.{subject,txt,html}` and queue delivery.

    Call it inside the transaction of the change that causes the e-mail: the message
    and its delivery task are committed (or rolled back) together with that change.
    A message carrying an access or signing link is rendered with `secret_links.MASK`
    in place of the token and passes `secret_link`: the token is made at delivery.
    """
    from notifications.tasks import deliver_email

    full_context = {
        "brand": settings.RESILIA_BRAND,
        "operator": {
            "phone": settings.RESILIA_OPERATOR_PHONE,
            "form_url": settings.RESILIA_OPERATOR_FORM_URL,
            "counters": settings.RESILIA_OPERATOR_COUNTERS,
        },
        **context,
    }
    with translation.override(language):
        subject = render_to_string(f"notifications/emails/{template}.subject", full_context)
        text = render_to_string(f"notifications/emails/{template}.txt", full_context)
        html = render_to_string(f"notifications/emails/{template}.html", full_context)
    email = OutboundEmail.objects.create(
        template=template,
        language=language,
        to=to,
        subject=" ".join(subject.split()),
        body_text=text.strip() + "\n",
        body_html=html,
        customer=customer,
        related_reference=related_reference,
        attachments=attachments or [],
        secret_link=secret_link or {},
    )
    deliver_email.enqueue(email.pk)
    return email


def email_deliver(*, email_id: int) -> bool:
    """Send one queued e-mail. Returns True when it is (or already was) delivered."""
    from notifications.tasks import deliver_email

    email = OutboundEmail.objects.filter(pk=email_id).first()
    if email is None or email.status == EmailStatus.SENT:
        return True
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=reveal(email.body_text, email.secret_link),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        headers={"X-Resilia-Email-Id": str(email.pk)},
    )
    message.attach_alternative(reveal(email.body_html, email.secret_link), "text/html")
    attempts = email.attempts + 1
    try:
        for attachment in email.attachments:
            if "path" in attachment:
                with default_storage.open(attachment["path"], "rb") as stored:
                    content: bytes | str = stored.read()
            else:
                content = attachment["content"]
            message.attach(attachment["filename"], content, attachment["mimetype"])
        message.send()
    except Exception as exc:  # any SMTP or network failure: keep the message, try later
        logger.warning("E-mail %s not delivered (attempt %s): %s", email.pk, attempts, exc)
        next_attempt = timezone.now() + retry_delay(attempts)
        with transaction.atomic():
            OutboundEmail.objects.filter(pk=email.pk).update(
                status=EmailStatus.RETRYING,
                attempts=attempts,
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                next_attempt_at=next_attempt,
            )
            deliver_email.using(run_after=next_attempt).enqueue(email.pk)
        return False
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=EmailStatus.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        next_attempt_at=None,
    )
    return True
