"""Signing the OPTimo form: online (drawn or typed), by a scanned upload, or as a switch
order's signed copy. The signed document is kept with its evidence and never
regenerated; a new date makes a signed form be signed again."""

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from access_forms import emails
from access_forms.documents import Upload, checked_upload, drawn_signature_png, is_pdf
from access_forms.errors import FormError
from access_forms.models import (
    AccessLineForm,
    FormStatus,
    PdfToRead,
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
from rules import UPLOADS_PER_ADDRESS_PER_HOUR, UPLOADS_PER_CUSTOMER_PER_HOUR
from states import AuditAction
from toolbox.client_address import client_network
from toolbox.links import site_url
from toolbox.noumea import NOUMEA
from toolbox.throttle import over_limit, refused
from webhooks.services import form_events, webhook_emit_events

logger = logging.getLogger(__name__)

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
            audit_action=AuditAction.FORM_SIGN,
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
            audit_action=AuditAction.FORM_ORDER,
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
    *, request_id: int, form_date: date, actor: User | None, ip: str | None = None
) -> AccessLineForm | None:
    """The request's date changed (it had not left for the operator): the form carries
    the new date. One signed with the old date must be signed again; one that stands on
    a switch order is written again with the new date."""
    form = (
        AccessLineForm.objects.select_for_update(of=("self",))
        .select_related("request")
        .filter(request_id=request_id)
        .first()
    )
    if form is None or form.status in FORM_UNTOUCHED_BY_A_NEW_DATE:
        return form
    form.form_date = form_date
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
        action=AuditAction.FORM_NEW_DATE,
        target=form,
        ip=ip,
        reference=form.request.reference,
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
    audit_action: AuditAction,
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
    _drop_pdf_to_read(form)  # the latest signature counts, a PDF still being read too
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
    webhook_emit_events(form_events("form.signed", [form]))
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
) -> AccessLineForm | PdfToRead:
    """An uploaded scan: an image signs the form now; a PDF is kept for the worker to read
    (PdfToRead, returned), which signs the form or tells the customer why it cannot."""
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
    # Counted before the file is read (reading a PDF takes seconds of a web process).
    if over_limit(
        f"upload:customer:{form.request.customer_id}",
        limit=UPLOADS_PER_CUSTOMER_PER_HOUR,
        window_seconds=3600,
    ) or over_limit(
        f"upload:address:{client_network(ip)}",
        limit=UPLOADS_PER_ADDRESS_PER_HOUR,
        window_seconds=3600,
    ):
        refused("uploads")
        raise FormError(
            "too_many_uploads",
            _("Too many files sent in the last hour: try again later, or call us."),
        )
    if is_pdf(content):
        return _pdf_to_read(form, content, actor=actor, ip=ip, user_agent=user_agent)
    upload = checked_upload(content)  # an image: decoded under a pixel cap, in a moment
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        _receive_upload(form, upload, actor=actor, ip=ip, user_agent=user_agent)
    return form


def _receive_upload(
    form: AccessLineForm,
    upload: Upload,
    *,
    actor: User | None,
    ip: str | None,
    user_agent: str,
    sent_at: datetime | None = None,
) -> None:
    form.signer_name = ""
    form.signed_at = sent_at or timezone.now()
    _receive_document(
        form,
        content=upload.content,
        extension=upload.extension,
        mimetype=upload.mimetype,
        source=SignatureSource.UPLOAD,
        actor=actor,
        ip=ip,
        user_agent=user_agent,
        audit_action=AuditAction.FORM_UPLOAD,
        original=upload.original,
        type=upload.mimetype,
    )


# A PDF is read by the worker (`handle_one_pdf_to_read`), each try within RENDER_SECONDS.
PDF_READ_LEASE = timedelta(minutes=2)
PDF_READ_TRIES = 3


def _pdf_to_read(
    form: AccessLineForm, content: bytes, *, actor: User | None, ip: str | None, user_agent: str
) -> PdfToRead:
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        _drop_pdf_to_read(form)
        waiting = PdfToRead(
            form=form, sender=actor, sender_ip=ip, sender_user_agent=user_agent[:500]
        )
        waiting.content.save(
            f"{form.request.reference}-{secrets.token_hex(8)}.pdf", ContentFile(content), save=False
        )
        waiting.save()
    return waiting


def _drop_pdf_to_read(form: AccessLineForm) -> None:
    """Forget the form's PDF waiting to be read (or refused), and its file once committed."""
    for waiting in PdfToRead.objects.filter(form=form):
        _delete_file_once_committed(waiting)
        waiting.delete()


def _delete_file_once_committed(waiting: PdfToRead) -> None:
    if waiting.content.name:
        name, storage = waiting.content.name, waiting.content.storage
        transaction.on_commit(lambda: storage.delete(name))


def handle_one_pdf_to_read() -> bool:
    """The worker's step: read the oldest PDF waiting, then sign the form with it or tell
    the customer why it could not be read. False when none is waiting."""
    now = timezone.now()
    with transaction.atomic():
        waiting = (
            PdfToRead.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("form__request__customer")
            .filter(refusal="")
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .order_by("received_at", "pk")
            .first()
        )
        if waiting is None:
            return False
        waiting.tries += 1
        waiting.leased_until = now + PDF_READ_LEASE
        waiting.save(update_fields=["tries", "leased_until"])
    # Read outside any transaction: seconds of poppler hold no lock.
    with translation.override(waiting.form.request.customer.language):
        try:
            if waiting.tries > PDF_READ_TRIES:  # it stopped a worker each time it was read
                raise FormError(
                    "pdf_unreadable",
                    _("Send a scan or a photo of the signed form instead."),
                )
            with waiting.content.open("rb") as file:
                upload = checked_upload(file.read())
        except FormError as exc:
            _pdf_refused(waiting, exc.message)
        except Exception:  # a file gone, a tool missing: tried again when the lease ends
            logger.exception(
                "The PDF to read %s could not be read (try %s)", waiting.pk, waiting.tries
            )
        else:
            _pdf_read(waiting, upload)
    return True


def _still_waiting(waiting: PdfToRead) -> AccessLineForm | None:
    """The form locked, if `waiting` is still its PDF to read and it can still be signed
    (no new file, no signature, no withdrawal since); otherwise None."""
    form = locked_form(waiting.form)
    # Still this try's: not replaced, not refused, and no later try took it over.
    if not PdfToRead.objects.filter(pk=waiting.pk, refusal="", tries=waiting.tries).exists():
        return None
    if not form.can_be_signed:
        _drop_pdf_to_read(form)
        return None
    return form


def _pdf_read(waiting: PdfToRead, upload: Upload) -> None:
    with transaction.atomic():
        form = _still_waiting(waiting)
        if form is None:
            return
        _receive_upload(
            form,
            upload,
            actor=waiting.sender,
            ip=waiting.sender_ip,
            user_agent=waiting.sender_user_agent,
            sent_at=waiting.received_at,  # signed when it was sent, not when it was read
        )


def _pdf_refused(waiting: PdfToRead, reason: str) -> None:
    with transaction.atomic():
        form = _still_waiting(waiting)
        if form is None:
            return
        _delete_file_once_committed(waiting)  # nothing to keep of it
        PdfToRead.objects.filter(pk=waiting.pk).update(
            refusal=reason[:500], leased_until=None, content=""
        )
        emails.send_pdf_refused(
            form, reason=reason, url=site_url("access_forms:form_page", form.request.reference)
        )
