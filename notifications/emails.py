"""Every e-mail Résilia sends, one function per message.

Each writes the message (subject / text / HTML templates under
notifications/emails/<name>, in the recipient's language) and queues its delivery, in
the caller's transaction: call them from the service that makes the change the e-mail
tells about. Links that open an account or sign a form are masked here and made at
delivery (notifications.secret_links).
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import prefetch_related_objects

from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from notifications.services import (
    email_queue,
    email_queue_rendered_at_delivery,
    emails_queue_rendered_at_delivery,
    render_subject,
)

if TYPE_CHECKING:
    from access_forms.models import AccessLineForm, ForwardingBatch
    from cancellations.models import CancellationRequest, PublicSubmission
    from customers.models import Customer, Mailbox
    from webhooks.models import WebhookEndpoint


# --- To the customer, about their request ------------------------------------------------


def _about_request(
    request: "CancellationRequest",
    template: str,
    attachments: list[dict[str, str]] | None = None,
) -> OutboundEmail:
    customer = request.customer
    # The text and the HTML parts both list the mailboxes: read once.
    prefetch_related_objects([request.subscription], "mailboxes")
    return email_queue(
        template=template,
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"request": request, "customer": customer},
        related_reference=request.reference,
        attachments=attachments,
    )


def send_request_received(request: "CancellationRequest") -> OutboundEmail:
    """The acknowledgement ("reçue", or "reçue et prise en compte" when both at once),
    with the receipt attached (read, or written, when the message is delivered).

    Written with the submission but rendered by the sender (`render_ref`): rendering it
    here held the submission's transaction, and on SQLite the write lock, for a fifth
    of its time (docs/BENCHMARKS.md). Its subject is written now (the request's page
    lists it), and whether it says "prise en compte" is decided now."""
    from cancellations.models import Status
    from cancellations.receipts import receipt_filename

    receipt = {
        "filename": receipt_filename(request),
        "mimetype": "application/pdf",
        "receipt": str(request.pk),
    }
    taken_into_account = request.status == Status.CONFIRMED
    return email_queue_rendered_at_delivery(
        _rendered_when_sent(
            request,
            "request_received",
            subject=render_subject(
                "request_received",
                request.customer.language,
                {"request": request, "taken_into_account": taken_into_account},
            ),
            attachments=[receipt],
            taken_into_account=taken_into_account,
        )
    )


def _rendered_when_sent(
    request: "CancellationRequest",
    template: str,
    subject: str = "",
    attachments: list[dict[str, str]] | None = None,
    **context: Any,
) -> OutboundEmail:
    """A message to the customer about their request, not yet written, whose text its
    sender renders (`deferred_context`: the request, and `context`'s plain values)."""
    customer = request.customer
    return OutboundEmail(
        template=template,
        subject=subject,
        language=customer.language,
        to=customer.email,
        customer=customer,
        related_reference=request.reference,
        reply_to=settings.RESILIA_BRAND["support_email"],
        attachments=attachments or [],
        render_ref={"request": request.pk, **context},
    )


def send_request_confirmed(request: "CancellationRequest") -> OutboundEmail:
    return _about_request(request, "request_confirmed")


def send_request_withdrawn(request: "CancellationRequest") -> OutboundEmail:
    return _about_request(request, "request_withdrawn")


def send_request_rejected(request: "CancellationRequest") -> OutboundEmail:
    return _about_request(request, "request_rejected")


def send_requests_completed(requests: "Sequence[CancellationRequest]") -> None:
    """The completion notices of a batch of the daily run, rendered at delivery."""
    emails_queue_rendered_at_delivery(
        [_rendered_when_sent(request, "request_completed") for request in requests]
    )


def deferred_context(email: OutboundEmail) -> dict[str, Any]:
    """What a message queued with `render_ref` is rendered from, read when it is sent."""
    from cancellations.models import CancellationRequest
    from customers.models import Mailbox

    if "mailbox" in email.render_ref:
        mailbox = Mailbox.objects.select_related("subscription__customer").get(
            pk=email.render_ref["mailbox"]
        )
        return {"mailbox": mailbox, "customer": mailbox.subscription.customer}
    request = (
        CancellationRequest.objects.select_related("customer", "subscription__plan")
        .prefetch_related("subscription__mailboxes")  # listed by the text and the HTML
        .get(pk=email.render_ref["request"])
    )
    # With what was decided when it was queued (the acknowledgement's
    # "taken_into_account"): plain values, kept in `render_ref`.
    decided = {name: value for name, value in email.render_ref.items() if name != "request"}
    return {**decided, "request": request, "customer": request.customer}


# --- To the customer, about the OPTimo form -------------------------------------------------


def _about_form(form: "AccessLineForm", template: str, **context: Any) -> OutboundEmail:
    customer = form.request.customer
    return email_queue(
        template=template,
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"form": form, "request": form.request, "customer": customer, **context},
        related_reference=form.request.reference,
    )


def send_form_received(form: "AccessLineForm") -> OutboundEmail:
    return _about_form(form, "form_received")


def send_form_invalid(form: "AccessLineForm", *, resign_url: str) -> OutboundEmail:
    return _about_form(form, "form_invalid", url=resign_url)


def send_form_reminder(form: "AccessLineForm", *, url: str) -> OutboundEmail:
    return _about_form(form, "form_reminder", url=url)


def send_form_acknowledged(form: "AccessLineForm") -> OutboundEmail:
    return _about_form(form, "form_acknowledged")


def send_form_refused(form: "AccessLineForm") -> OutboundEmail:
    return _about_form(form, "form_refused")


def send_form_sign_link(form: "AccessLineForm", *, to: str, url_with_mask: str) -> OutboundEmail:
    """To the line holder: the link to sign (its token made at delivery)."""
    customer = form.request.customer
    return email_queue(
        template="form_sign_link",
        to=to,
        language=customer.language,
        customer=customer,
        context={
            "form": form,
            "request": form.request,
            "customer": customer,
            "url": url_with_mask,
            "days": settings.RESILIA_SIGNING_LINK_DAYS,
        },
        related_reference=form.request.reference,
        secret_link={"kind": "signing", "form_id": form.pk, "nonce": form.link_nonce},
    )


# --- To a visitor of the public cancellation page -----------------------------------------


def send_public_code(submission: "PublicSubmission", customer: "Customer") -> OutboundEmail:
    """The 6-digit code, to the address on file (made at delivery: never stored)."""
    return email_queue(
        template="public_code",
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"submission": submission, "customer": customer, "code": MASK},
        secret_link={"kind": "public_code", "submission_id": submission.pk},
    )


def send_public_received(submission: "PublicSubmission") -> OutboundEmail:
    """To the address typed on the page, when it is not the one on file for that client
    code (or the code does not exist): what was received, and what happens now."""
    return email_queue(
        template="public_received",
        to=submission.contact,
        language=submission.language,
        context={"submission": submission},
    )


def send_public_refused(submission: "PublicSubmission") -> OutboundEmail:
    return email_queue(
        template="public_refused",
        to=submission.contact,
        language=submission.language,
        context={"submission": submission},
    )


# --- To the customer, about access and mailboxes -------------------------------------------


def send_access_link(
    customer: "Customer", *, user_id: int, url_with_mask: str, first_access: bool
) -> OutboundEmail:
    """ "Pas encore d'accès ?" (activation) or "Mot de passe oublié" (password reset)."""
    assert MASK in url_with_mask  # the live token must never be written here
    return email_queue(
        template="activation" if first_access else "password_reset",
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"customer": customer, "url": url_with_mask},
        secret_link={"kind": "access", "user_id": user_id},
    )


def _about_mailboxes(mailboxes: "Sequence[Mailbox]", template: str) -> None:
    """The notices of a batch of the daily run about kept mailboxes, rendered at delivery."""
    emails_queue_rendered_at_delivery(
        [
            OutboundEmail(
                template=template,
                language=mailbox.subscription.customer.language,
                to=mailbox.subscription.customer.email,
                customer=mailbox.subscription.customer,
                related_reference=mailbox.subscription.reference,
                reply_to=settings.RESILIA_BRAND["support_email"],
                render_ref={"mailbox": mailbox.pk},
            )
            for mailbox in mailboxes
        ]
    )


def send_mailbox_reminders(mailboxes: "Sequence[Mailbox]") -> None:
    _about_mailboxes(mailboxes, "mailbox_reminder")


def send_mailboxes_deleted(mailboxes: "Sequence[Mailbox]") -> None:
    _about_mailboxes(mailboxes, "mailbox_deleted")


# --- To the operator -------------------------------------------------------------------------


def send_operator_batch(
    batch: "ForwardingBatch",
    *,
    forms: list["AccessLineForm"],
    recalls: list["AccessLineForm"],
    attachments: list[dict[str, str]],
) -> OutboundEmail:
    """The batch of signed forms and recalls; the operator answers to a staff mailbox."""
    return email_queue(
        template="operator_batch",
        to=batch.recipient,
        language="fr",
        context={"batch": batch, "forms": forms, "count": len(forms), "recalls": recalls},
        related_reference=batch.reference,
        attachments=attachments,
        reply_to=settings.RESILIA_OPERATOR_REPLY_TO,
    )


# --- To staff --------------------------------------------------------------------------------


def send_webhook_disabled(endpoint: "WebhookEndpoint", *, to: str) -> OutboundEmail:
    """A supervisor is told that an endpoint failing for three days was disabled."""
    return email_queue(
        template="webhook_disabled",
        to=to,
        language=settings.LANGUAGE_CODE,
        context={"endpoint": endpoint},
    )
