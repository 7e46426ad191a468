"""The e-mails about a cancellation request and the public cancellation page, one
function per message: each writes the message (subject / text / HTML templates under
notifications/emails/<name>, in the recipient's language) and queues its delivery in the
caller's transaction. The acknowledgement and the completion notices are rendered by the
sender (`render_ref`), from `request_context`, registered with the outbox."""

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects

from cancellations.models import CancellationRequest, Channel, PublicSubmission, Status
from cancellations.receipts import receipt_filename
from customers.models import Customer, Mailbox
from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from notifications.services import (
    email_queue,
    email_queue_rendered_at_delivery,
    emails_queue_rendered_at_delivery,
    render_subject,
)
from toolbox.links import site_url


def _about_request(
    request: CancellationRequest,
    template: str,
    attachments: list[dict[str, str]] | None = None,
    secret_link: dict[str, object] | None = None,
) -> OutboundEmail:
    """A message about the request rendered now; with `secret_link` (a switch's page),
    its `objection_url` is the link, its token made when it leaves."""
    customer = request.customer
    # The text and the HTML parts both list the mailboxes: read once.
    prefetch_related_objects([request.subscription], "mailboxes")
    link = {"objection_url": site_url("switching:objection", MASK)} if secret_link else {}
    return email_queue(
        template=template,
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"request": request, "customer": customer, **link},
        related_reference=request.reference,
        attachments=attachments,
        secret_link=secret_link,
    )


def _switch_link(request: CancellationRequest) -> dict[str, object] | None:
    """The no-login link of a switch's request (the match's page), or None."""
    if request.channel != Channel.SWITCH:
        return None
    match = request.switch.match
    return {"kind": "switch_objection", "match_id": match.pk, "nonce": match.link_nonce}


def send_request_received(
    request: CancellationRequest, *, objection_link: dict[str, object] | None = None
) -> OutboundEmail:
    """The acknowledgement ("reçue", or "reçue et prise en compte" when both at once),
    with the receipt attached (read, or written, when the message is delivered).

    Written with the submission but rendered by the sender (`render_ref`): rendering it
    here held the submission's transaction, and on SQLite the write lock, for a fifth
    of its time (docs/BENCHMARKS.md). Its subject is written now (the request's page
    lists it), and whether it says "prise en compte" is decided now. A switch's carries
    the link to stop it (`objection_link`, its token made when it leaves)."""
    receipt = {
        "filename": receipt_filename(request),
        "mimetype": "application/pdf",
        "receipt": str(request.pk),
    }
    taken_into_account = request.status == Status.CONFIRMED
    email = _rendered_when_sent(
        request,
        "request_received",
        subject=render_subject(
            "request_received",
            request.customer.language,
            {"request": request, "taken_into_account": taken_into_account},
        ),
        attachments=[receipt],
        taken_into_account=taken_into_account,
        objection_url=site_url("switching:objection", MASK) if objection_link else "",
    )
    if objection_link:
        email.secret_link, email.urgent = objection_link, True
    return email_queue_rendered_at_delivery(email)


def _rendered_when_sent(
    request: CancellationRequest,
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


def send_request_confirmed(request: CancellationRequest) -> OutboundEmail:
    """Taken into account; a switch's carries the link to stop it or keep the mailboxes."""
    return _about_request(request, "request_confirmed", secret_link=_switch_link(request))


def send_request_withdrawn(request: CancellationRequest) -> OutboundEmail:
    """The customer's own request withdrawn; a switch stopped (by the customer or called
    off by its provider) has its own message: the customer never made a request."""
    switch = request.channel == Channel.SWITCH
    return _about_request(request, "switch_stopped" if switch else "request_withdrawn")


def send_request_rejected(request: CancellationRequest) -> OutboundEmail:
    return _about_request(request, "request_rejected")


def send_requests_completed(requests: Sequence[CancellationRequest]) -> None:
    """The completion notices of a batch of the daily run, rendered at delivery."""
    emails_queue_rendered_at_delivery(
        [_rendered_when_sent(request, "request_completed") for request in requests]
    )


def request_context(render_ref: dict[str, Any]) -> dict[str, Any]:
    """What a message about a request queued with `render_ref` is rendered from, read
    when it is sent, with what was decided when it was queued (the acknowledgement's
    "taken_into_account": plain values kept in `render_ref`)."""
    request = (
        CancellationRequest.objects.select_related("customer", "subscription__plan")
        .prefetch_related("subscription__mailboxes")  # listed by the text and the HTML
        .get(pk=render_ref["request"])
    )
    decided = {name: value for name, value in render_ref.items() if name != "request"}
    return {**decided, "request": request, "customer": request.customer}


def send_public_code(submission: PublicSubmission, customer: Customer) -> OutboundEmail:
    """The 6-digit code, to the address on file (made at delivery: never stored)."""
    return email_queue(
        template="public_code",
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"submission": submission, "customer": customer, "code": MASK},
        secret_link={"kind": "public_code", "submission_id": submission.pk},
    )


def send_public_received(submission: PublicSubmission) -> OutboundEmail:
    """To the address typed on the page, when it is not the one on file for that client
    code (or the code does not exist): what was received, and what happens now."""
    return email_queue(
        template="public_received",
        to=submission.contact,
        language=submission.language,
        context={"submission": submission},
    )


def send_public_mismatch(submission: PublicSubmission, customer: Customer) -> OutboundEmail:
    """To the address on file: a submission with this client code did not match the file
    (a stranger, or the customer with other details): nothing is cancelled unverified."""
    return email_queue(
        template="public_mismatch",
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"submission": submission, "customer": customer},
    )


def send_public_refused(submission: PublicSubmission) -> OutboundEmail:
    return email_queue(
        template="public_refused",
        to=submission.contact,
        language=submission.language,
        context={"submission": submission},
    )


# --- The daily run's notices about kept mailboxes (rendered by the sender) ----------------


def _about_mailboxes(mailboxes: Sequence[Mailbox], template: str) -> None:
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


def send_mailbox_reminders(mailboxes: Sequence[Mailbox]) -> None:
    _about_mailboxes(mailboxes, "mailbox_reminder")


def send_mailboxes_deleted(mailboxes: Sequence[Mailbox]) -> None:
    _about_mailboxes(mailboxes, "mailbox_deleted")


def mailbox_context(render_ref: dict[str, Any]) -> dict[str, Any]:
    mailbox = Mailbox.objects.select_related("subscription__customer").get(pk=render_ref["mailbox"])
    return {"mailbox": mailbox, "customer": mailbox.subscription.customer}
