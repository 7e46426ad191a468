"""The e-mails about the OPTimo form, to the customer, the line holder and the operator,
one function per message, queued in the caller's transaction."""

from typing import Any

from django.conf import settings

from access_forms.models import AccessLineForm, ForwardingBatch
from notifications.models import OutboundEmail
from notifications.services import email_queue


def _about_form(form: AccessLineForm, template: str, **context: Any) -> OutboundEmail:
    customer = form.request.customer
    return email_queue(
        template=template,
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"form": form, "request": form.request, "customer": customer, **context},
        related_reference=form.request.reference,
    )


def send_form_received(form: AccessLineForm) -> OutboundEmail:
    return _about_form(form, "form_received")


def send_form_invalid(form: AccessLineForm, *, resign_url: str) -> OutboundEmail:
    return _about_form(form, "form_invalid", url=resign_url)


def send_pdf_refused(form: AccessLineForm, *, reason: str, url: str) -> OutboundEmail:
    """The PDF sent as the signed form could not be read (the worker read it)."""
    return _about_form(form, "form_pdf_refused", reason=reason, url=url)


def send_form_reminder(form: AccessLineForm, *, url: str) -> OutboundEmail:
    return _about_form(form, "form_reminder", url=url)


def send_form_acknowledged(form: AccessLineForm) -> OutboundEmail:
    return _about_form(form, "form_acknowledged")


def send_form_refused(form: AccessLineForm) -> OutboundEmail:
    return _about_form(form, "form_refused")


def send_form_sign_link(form: AccessLineForm, *, to: str, url_with_mask: str) -> OutboundEmail:
    """To the line holder: the link to sign (its token made at delivery)."""
    customer = form.request.customer
    # The holder may be the customer, link sent to their own address: spoken to as the
    # customer, with their request's link. Anyone else reads about "a customer of the
    # ISP", and nothing about a request that is not theirs to follow or withdraw.
    to_customer = bool(customer.email) and to.strip().lower() == customer.email.strip().lower()
    return email_queue(
        template="form_sign_link",
        to=to,
        language=customer.language,
        customer=customer,
        context={
            "form": form,
            "customer": customer,
            "url": url_with_mask,
            "days": settings.RESILIA_SIGNING_LINK_DAYS,
            "to_customer": to_customer,
            **({"request": form.request} if to_customer else {}),
        },
        related_reference=form.request.reference,
        secret_link={"kind": "signing", "form_id": form.pk, "nonce": form.link_nonce},
    )


def send_operator_batch(
    batch: ForwardingBatch,
    *,
    forms: list[AccessLineForm],
    recalls: list[AccessLineForm],
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
