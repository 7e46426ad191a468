"""State changes of the OPTimo line-access form that go with its request (called by the
request's own services, in their transaction): creation (R10), closing with a withdrawn
or rejected request; and the staff check. Signing lives in
signing.py, forwarding to the operator in forwarding.py, document checks in documents.py.

Like every service: one transaction writes the change, its audit entry and its e-mail.
"""

import unicodedata
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access_forms import emails
from access_forms.errors import FormError
from access_forms.models import (
    AccessLineForm,
    FormKind,
    FormStatus,
    SignatureSource,
)
from access_forms.pdf import (
    FormContent,
    render_form,
)
from accounts.models import User
from audit.services import audit_log
from customers.models import Customer, Subscription
from rules import form_first_status, form_status_when_request_closes
from states import AuditAction
from toolbox.links import site_url

# --- Creation with the request (R10) ---------------------------------------------------


def form_for_new_request(
    *,
    request_id: int,
    kind: FormKind,
    customer: Customer,
    subscription: Subscription,
    phone_line_cancelled: bool,
    form_date: date,
) -> AccessLineForm:
    """The form a new request needs, in its first status (R10): pre-filled with the line
    and its holder (their contact details when the holder is the customer)."""
    status = form_first_status(
        access_line=subscription.access_line, phone_line_cancelled=phone_line_cancelled
    )
    holder = subscription.holder_name
    is_customer = holder.casefold() == customer.name.casefold()
    return AccessLineForm.objects.create(
        request_id=request_id,
        kind=kind,
        status=status,
        line_number=subscription.access_line,
        holder_name=holder,
        holder_phone=customer.phone if is_customer else "",
        holder_email=customer.email if is_customer else "",
        form_date=form_date,
    )


def form_close_with_request(
    *, request_id: int, actor: User | None, ip: str | None = None
) -> AccessLineForm | None:
    """The request was withdrawn or rejected: its form is cancelled in the same
    transaction, and recalled from the operator if it had already left (SPEC §5)."""
    form = (
        AccessLineForm.objects.select_for_update(of=("self",))
        .select_related("request")
        .filter(request_id=request_id)
        .first()
    )
    if form is None:
        return None
    status, recall = form_status_when_request_closes(form.status)
    if status == form.status:
        return form
    form.status = status
    form.link_nonce = ""  # a signing link sent earlier stops working
    if recall:
        form.recall_requested_at = timezone.now()
    form.save()
    audit_log(
        actor=actor,
        action=AuditAction.FORM_RECALL if recall else AuditAction.FORM_CANCEL,
        target=form,
        ip=ip,
        reference=form.request.reference,
    )
    return form


def form_content(form: AccessLineForm, signature_png: bytes | None = None) -> FormContent:
    """What the PDF prints. Text is composed (NFC): "ễ" typed as e + two accents is
    printed as the one letter the font draws."""
    brand = settings.RESILIA_BRAND

    def text(value: str) -> str:
        return unicodedata.normalize("NFC", value)

    return FormContent(
        operator_name=text(brand["operator_name"]),
        access_service_name=text(brand["access_service_name"]),
        isp_name=text(brand["isp_name"]),
        kind=form.kind,
        request_reference=form.request.reference,
        holder_name=text(form.holder_name),
        holder_address=text(form.holder_address),
        holder_phone=text(form.holder_phone),
        holder_email=form.holder_email,
        line_number=form.line_number,
        form_date=form.form_date,
        new_isp=text(form.request.new_isp),
        switch_reference=form.switch_reference,
        by_order=form.source == SignatureSource.ORDER,
        signer_name=text(form.signer_name),
        signed_at=form.signed_at,
        signature_png=signature_png,
    )


def preview_pdf(form: AccessLineForm) -> bytes:
    """The pre-filled, unsigned form, to read before signing."""
    return render_form(form_content(form), Path(settings.RESILIA_PDF_FONT_DIR))


def locked_form(form: AccessLineForm) -> AccessLineForm:
    return (
        AccessLineForm.objects.select_for_update()
        .select_related("request__customer", "request__subscription")
        .get(pk=form.pk)
    )


# --- Staff check ------------------------------------------------------------------------


def form_check(
    *,
    form: AccessLineForm,
    valid: bool,
    reason: str = "",
    actor: User,
    ip: str | None = None,
) -> AccessLineForm:
    if not valid and not reason.strip():
        raise FormError("reason_required", _("Give the reason why the form is not valid."))
    with transaction.atomic():
        form = locked_form(form)
        if form.status != FormStatus.SIGNED or form.checked_at is not None:
            raise FormError(
                "not_checkable", _("Only a signed form waiting for a check can be checked.")
            )
        if valid:
            form.checked_at = timezone.now()
            form.checked_by = actor
            form.save(update_fields=["checked_at", "checked_by", "updated_at"])
            audit_log(actor=actor, action=AuditAction.FORM_VALID, target=form, ip=ip)
        else:
            form.status = FormStatus.INVALID
            form.invalid_reason = reason.strip()[:500]
            form.save(update_fields=["status", "invalid_reason", "updated_at"])
            audit_log(
                actor=actor, action=AuditAction.FORM_INVALID, target=form, ip=ip, reason=reason
            )
            emails.send_form_invalid(
                form, resign_url=site_url("access_forms:form_page", form.request.reference)
            )
    return form
