"""Signing the OPTimo form: online (drawn or typed), by a scanned upload, or by the line
holder through an e-mailed link. The signed document is kept with its evidence and never
regenerated."""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from access_forms import emails
from access_forms.documents import checked_upload, drawn_signature_png
from access_forms.errors import FormError
from access_forms.models import (
    AccessLineForm,
    FormStatus,
    SignatureSource,
)
from access_forms.pdf import (
    SIGNATURE_FONT,
    TEXT_FONT,
    printing_refusal,
    render_form,
    typed_signature_png,
)
from access_forms.services import form_content, locked_form
from accounts.models import User
from audit.services import audit_log
from cancellations.models import CancellationRequest
from cancellations.rules import (
    NOUMEA,
    REQUEST_OPEN_STATUSES,
    end_of_day,
    unsigned_form_reminder_day,
)
from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from webhooks.services import form_data, webhook_emit

LINK_SALT = "access-forms.signing-link"


# --- Signing -------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    signer_name: str
    consent: bool
    drawn: str = ""  # data URL from the pad
    typed: str = ""  # or the name typed as a signature
    holder_address: str = ""
    holder_phone: str = ""
    holder_email: str = ""


def _store_document(
    form: AccessLineForm, content: bytes, extension: str, original: bytes | None
) -> None:
    """Our own file in `document`; a sender's PDF as it came in `original_document` (an
    earlier upload's original goes with the document it was the source of)."""
    name = f"{form.request.reference}-{secrets.token_hex(8)}.{extension}"
    form.document.save(name, ContentFile(content), save=False)
    form.document_sha256 = hashlib.sha256(content).hexdigest()
    if original is None:
        form.original_document = ""  # type: ignore[assignment]
        form.original_sha256 = ""
    else:
        form.original_document.save(name, ContentFile(original), save=False)
        form.original_sha256 = hashlib.sha256(original).hexdigest()


def unsignable_reason(form: AccessLineForm) -> FormError:
    """What to tell a person who wants to sign (or send a link for) a form that cannot be
    signed any more."""
    if form.status == FormStatus.CANCELLED or not form.request.is_open:
        return FormError(
            "form_cancelled",
            _("This cancellation request was withdrawn or rejected: there is nothing to sign."),
        )
    if form.signed_at is not None:
        return FormError(
            "already_signed",
            _("This form was already signed on %(date)s: there is nothing more to do.")
            % {"date": date_format(form.signed_at.astimezone(NOUMEA), "j F Y")},
        )
    return FormError("not_signable", _("This form does not need a signature any more."))


def form_sign(
    *,
    form: AccessLineForm,
    signature: Signature,
    actor: User | None,
    ip: str | None,
    user_agent: str,
    via_link: bool = False,
    now: datetime | None = None,
) -> AccessLineForm:
    """The line holder signs online: the PDF is generated, hashed and kept, never
    regenerated afterwards."""
    if not signature.consent:
        raise FormError(
            "consent_required", _("Tick the box to certify that you are the line holder.")
        )
    if not signature.signer_name.strip():
        raise FormError("signer_required", _("Enter the name of the person who signs."))
    for text, font in ((signature.signer_name, TEXT_FONT), (signature.typed, SIGNATURE_FONT)):
        if text and (refusal := printing_refusal(text, font=font, needs_letter=True)):
            raise FormError(*refusal)
    if signature.drawn:
        png, source = drawn_signature_png(signature.drawn), SignatureSource.DRAWN
    elif signature.typed.strip():
        png = typed_signature_png(signature.typed.strip()[:80], Path(settings.RESILIA_PDF_FONT_DIR))
        source = SignatureSource.TYPED
    else:
        raise FormError("signature_missing", _("Draw your signature or type your name."))
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        form.signer_name = signature.signer_name.strip()[:200]
        form.holder_address = signature.holder_address.strip()[:300] or form.holder_address
        form.holder_phone = signature.holder_phone.strip()[:30] or form.holder_phone
        form.holder_email = signature.holder_email.strip()[:254] or form.holder_email
        form.signed_at = now or timezone.now()
        content = render_form(form_content(form, png), Path(settings.RESILIA_PDF_FONT_DIR))
        _receive_document(
            form,
            content=content,
            extension="pdf",
            mimetype="application/pdf",
            source=source,
            actor=actor,
            ip=ip,
            user_agent=user_agent,
            audit_action="form.sign",
            signer=form.signer_name,
            via_link=via_link,
        )
    return form


def form_accept_order(
    *, form: AccessLineForm, actor: User | None, ip: str | None = None
) -> AccessLineForm:
    """Where the operator accepts a gaining provider's switch order instead of the line
    holder's signature (RESILIA_SWITCH_FORM = "order"): the form is written with the
    order's reference and no signature, and waits for an agent's check as a signed one."""
    with transaction.atomic():
        form = locked_form(form)
        form.source = SignatureSource.ORDER
        form.signer_name = ""
        form.signed_at = timezone.now()
        content = render_form(form_content(form), Path(settings.RESILIA_PDF_FONT_DIR))
        _receive_document(
            form,
            content=content,
            extension="pdf",
            mimetype="application/pdf",
            source=SignatureSource.ORDER,
            actor=actor,
            ip=ip,
            user_agent="",
            audit_action="form.order",
            order=form.switch_reference,
        )
    return form


# A form no new date changes: not needed, closing with the phone line, with the
# operator (the request refuses the change), or closed.
FORM_UNTOUCHED_BY_A_NEW_DATE = frozenset(
    {
        FormStatus.NOT_NEEDED,
        FormStatus.AUTO_CLOSED,
        FormStatus.FORWARDED,
        FormStatus.ACKNOWLEDGED,
        FormStatus.REFUSED_BY_OPERATOR,
        FormStatus.CANCELLED,
    }
)


def form_reschedule_with_request(
    *, request: CancellationRequest, actor: User | None, ip: str | None = None
) -> AccessLineForm | None:
    """The request's date changed (it had not left for the operator): the form carries
    the new date. One signed with the old date must be signed again; one that stands on
    a switch order is written again with the new date."""
    form = AccessLineForm.objects.select_for_update().filter(request=request).first()
    if form is None or form.status in FORM_UNTOUCHED_BY_A_NEW_DATE:
        return form
    form.form_date = request.desired_date
    if form.status == FormStatus.SIGNED and form.source == SignatureSource.ORDER:
        form.save(update_fields=["form_date", "updated_at"])
        form_accept_order(form=form, actor=actor, ip=ip)
        return form
    if form.status == FormStatus.SIGNED:
        form.status = FormStatus.INVALID
        form.invalid_reason = str(_("The date changed: the form must be signed again."))
        form.checked_at = None
    form.save(update_fields=["form_date", "status", "invalid_reason", "checked_at", "updated_at"])
    audit_log(
        actor=actor,
        action="form.new_date",
        target=form,
        ip=ip,
        reference=request.reference,
        form_date=str(form.form_date),
    )
    return form


def _receive_document(
    form: AccessLineForm,
    *,
    content: bytes,
    extension: str,
    mimetype: str,
    source: str,
    actor: User | None,
    ip: str | None,
    user_agent: str,
    audit_action: str,
    original: bytes | None = None,
    **audit_data: object,
) -> None:
    """Keep a signed document with its evidence: the form waits for an agent's check.

    Called inside the signing or upload transaction, with the form locked.
    """
    _store_document(form, content, extension, original)
    form.document_type = mimetype
    form.source = source
    form.signed_at = form.signed_at or timezone.now()
    form.signer_ip = ip
    form.signer_user_agent = user_agent[:500]
    form.status = FormStatus.SIGNED
    form.checked_at = None
    form.checked_by = None
    form.invalid_reason = ""
    form.link_nonce = ""  # a signing link works once: signing by any route spends it
    form.save()
    audit_log(
        actor=actor,
        action=audit_action,
        target=form,
        ip=ip,
        reference=form.request.reference,
        sha256=form.document_sha256,
        **({"original_sha256": form.original_sha256} if form.original_sha256 else {}),
        **audit_data,
    )
    webhook_emit("form.signed", form_data(form))
    emails.send_form_received(form)


# --- Upload of a scanned form ------------------------------------------------------------


def form_upload(
    *,
    form: AccessLineForm,
    chunks: Iterable[bytes],
    size: int,
    actor: User | None,
    ip: str | None,
    user_agent: str,
) -> AccessLineForm:
    limit = settings.RESILIA_UPLOAD_MAX_BYTES
    if size > limit:
        raise FormError(
            "file_too_large",
            _("The file is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
        )
    content = b"".join(chunks)
    if len(content) > limit:
        raise FormError(
            "file_too_large",
            _("The file is too large: at most %(mb)s MB.") % {"mb": limit // (1024 * 1024)},
        )
    if not content:
        raise FormError("empty_file", _("The file is empty."))
    upload = checked_upload(content)
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        form.signer_name = ""
        form.signed_at = timezone.now()
        _receive_document(
            form,
            content=upload.content,
            extension=upload.extension,
            mimetype=upload.mimetype,
            source=SignatureSource.UPLOAD,
            actor=actor,
            ip=ip,
            user_agent=user_agent,
            audit_action="form.upload",
            original=upload.original,
            type=upload.mimetype,
        )
    return form


# --- A signing link for a line holder who is someone else -------------------------------


# Signing links a customer may send in 24 hours: enough to fix a typo in the holder's
# address, too few to use Résilia to flood someone's mailbox.
LINKS_PER_REQUEST_PER_DAY = 5
LINKS_PER_CUSTOMER_PER_DAY = 20


def _links_sent_today(**filters: object) -> int:
    return OutboundEmail.objects.filter(
        template="form_sign_link", created_at__gte=timezone.now() - timedelta(days=1), **filters
    ).count()


def form_send_link(
    *,
    form: AccessLineForm,
    email: str,
    actor: User | None,
    ip: str | None,
    build_url: Callable[[str], str],
) -> AccessLineForm:
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        customer = form.request.customer
        if (
            _links_sent_today(related_reference=form.request.reference) >= LINKS_PER_REQUEST_PER_DAY
            or _links_sent_today(customer=customer) >= LINKS_PER_CUSTOMER_PER_DAY
        ):
            raise FormError(
                "too_many_links",
                _(
                    "Too many signing links were sent today for this form. Try again "
                    "tomorrow, or sign it yourself or upload a scan."
                ),
            )
        form.link_email = email
        form.link_nonce = secrets.token_hex(16)
        form.save(update_fields=["link_email", "link_nonce", "updated_at"])
        # The token is made at delivery (signing_link_token): never stored.
        emails.send_form_sign_link(form, to=email, url_with_mask=build_url(MASK))
        audit_log(actor=actor, action="form.send_link", target=form, ip=ip, to=email)
    return form


def signing_link_token(*, form_id: int, nonce: str) -> str:
    """The token of a holder's signing link, made when its e-mail is delivered. The nonce
    alone is useless: the token is signed with SECRET_KEY."""
    return signing.dumps({"f": form_id, "n": nonce}, salt=LINK_SALT)


def form_from_link(token: str) -> AccessLineForm:
    """The form a holder's link opens, or FormError if tampered, expired or used."""
    max_age = settings.RESILIA_SIGNING_LINK_DAYS * 86400
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise FormError("link_expired", _("This signing link has expired.")) from None
    except signing.BadSignature:
        raise FormError("link_invalid", _("This signing link is not valid.")) from None
    form = (
        AccessLineForm.objects.select_related("request__customer", "request__subscription")
        .filter(pk=data.get("f"))
        .first()
    )
    if form is None:
        raise FormError("link_invalid", _("This signing link is not valid."))
    if not form.can_be_signed:
        raise unsignable_reason(form)
    if not form.link_nonce or form.link_nonce != data.get("n"):
        raise FormError("link_used", _("This signing link has already been used."))
    return form


# --- Reminders to sign ----------------------------------------------------------------------


def form_page_url(form: AccessLineForm) -> str:
    """The client-area page of the form, for e-mails sent outside a web request."""
    path = reverse("access_forms:form_page", args=[form.request.reference])
    return settings.RESILIA_SITE_URL.rstrip("/") + path


def form_remind(*, form: AccessLineForm, actor: User | None, ip: str | None = None) -> None:
    """E-mail the customer a reminder to sign (an agent's click, or the daily run)."""
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        form.reminder_sent_at = timezone.now()
        form.save(update_fields=["reminder_sent_at", "updated_at"])
        emails.send_form_reminder(form, url=form_page_url(form))
        audit_log(actor=actor, action="form.remind", target=form, ip=ip)


def forms_unsigned_for_long(today: date) -> QuerySet[AccessLineForm]:
    """Awaiting signature since RESILIA_FORM_REMINDER_DAYS days or more (Nouméa days), for
    a request still open."""
    since = unsigned_form_reminder_day(today, settings.RESILIA_FORM_REMINDER_DAYS)
    return AccessLineForm.objects.filter(
        status=FormStatus.AWAITING_SIGNATURE,
        request__status__in=REQUEST_OPEN_STATUSES,
        request__received_at__lte=end_of_day(since),
    )


def handle_one_form_reminder(today: date) -> bool | None:
    """The daily run's step: one automatic reminder, claimed so it goes once."""
    now = timezone.now()
    with transaction.atomic():
        form = (
            forms_unsigned_for_long(today)
            .filter(reminder_sent_at__isnull=True)
            .select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
            )
            .order_by("id")
            .first()
        )
        if form is None:
            return None  # none due, or all held by another run (which does them)
        claimed = AccessLineForm.objects.filter(pk=form.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        if claimed:
            form = AccessLineForm.objects.select_related("request__customer").get(pk=form.pk)
            emails.send_form_reminder(form, url=form_page_url(form))
            audit_log(actor=None, action="form.remind", target=form, automatic=True)
    return bool(claimed)
