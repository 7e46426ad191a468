"""Queueing of the outbox: every e-mail is a row written in the transaction of the change
that causes it, rendered now or, with `render_ref`, by the worker just before it goes out.
`notifications.delivery` sends the rows."""

import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import registry
from notifications.models import EmailStatus, OutboundEmail
from states import AuditAction
from toolbox.brand import operator_contact
from toolbox.refusals import Refusal


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
    """Render `notifications/emails/<template>.{subject,txt,html}` and queue it in the
    outbox (`notifications.delivery` sends it).

    Call it inside the transaction of the change that causes the e-mail: the message
    is committed (or rolled back) together with that change.
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
    return email


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
    """Queue one message written now, in the caller's transaction, and rendered by the
    worker just before it goes out (`render_ref` names what to render it from)."""
    email.save()
    return email


def emails_queue_rendered_at_delivery(emails: list[OutboundEmail]) -> None:
    """Queue many messages at once (a batch of the daily run): each row is written now, in
    the caller's transaction, and rendered by the sender just before it goes out
    (`render_ref` names what to render it from). They go after the messages someone
    is waiting for now."""
    for email in emails:
        email.bulk = True
    OutboundEmail.objects.bulk_create(emails)


def email_held_drop(related_reference: str) -> int:
    """Drop the messages about `related_reference` held for later and never tried (a
    switch's moves told the next morning): the request they speak of has just ended, and
    its own message says so. Returns how many."""
    return OutboundEmail.objects.filter(
        related_reference=related_reference,
        status=EmailStatus.QUEUED,
        attempts=0,
        next_attempt_at__gt=timezone.now(),
    ).delete()[0]


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


class ResendError(Refusal):
    """A message staff cannot send again."""


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
        audit_log(
            actor=actor, action=AuditAction.EMAIL_RESEND, target=copy, ip=ip, original=email.pk
        )
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
