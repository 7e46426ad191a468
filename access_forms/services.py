"""State changes of the OPTimo line-access form (SPEC R10, §3.5, §4 forwarding).

Like every service: one transaction writes the change, its audit entry and its e-mail.
"""

import csv
import hashlib
import io
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from access_forms.documents import checked_upload, drawn_signature_png
from access_forms.errors import FormError
from access_forms.models import (
    AccessLineForm,
    FormKind,
    FormStatus,
    ForwardingBatch,
    SignatureSource,
)
from access_forms.pdf import (
    SIGNATURE_FONT,
    TEXT_FONT,
    FormContent,
    printing_refusal,
    render_form,
    typed_signature_png,
)
from accounts.models import User
from audit.services import audit_log
from cancellations.models import CancellationRequest, Kind
from cancellations.rules import NOUMEA, form_first_status, form_status_when_request_closes
from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from notifications.services import email_queue
from resilia.csv_export import csv_text

LINK_SALT = "access-forms.signing-link"


# --- Creation with the request (R10) ---------------------------------------------------


def initial_status(*, access_line: str, phone_line_cancelled: bool) -> str:
    """R10, decided in the rules module."""
    return form_first_status(access_line=access_line, phone_line_cancelled=phone_line_cancelled)


def form_for_new_request(request: CancellationRequest) -> AccessLineForm:
    """Called inside request_submit's transaction."""
    subscription = request.subscription
    customer = request.customer
    status = initial_status(
        access_line=subscription.access_line, phone_line_cancelled=request.phone_line_cancelled
    )
    holder = subscription.line_holder or customer.name
    is_customer = holder.casefold() == customer.name.casefold()
    return AccessLineForm.objects.create(
        request=request,
        kind=FormKind.ISP_RELEASE if request.kind == Kind.ISP_CHANGE else FormKind.CANCELLATION,
        status=status,
        line_number=subscription.access_line,
        holder_name=holder,
        holder_phone=customer.phone if is_customer else "",
        holder_email=customer.email if is_customer else "",
        form_date=request.desired_date,
    )


def form_close_with_request(
    *, request: CancellationRequest, actor: User | None, ip: str | None = None
) -> AccessLineForm | None:
    """The request was withdrawn or rejected: its form is cancelled in the same
    transaction, and recalled from the operator if it had already left (SPEC §5)."""
    form = AccessLineForm.objects.select_for_update().filter(request=request).first()
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
        action="form.recall" if recall else "form.cancel",
        target=form,
        ip=ip,
        reference=request.reference,
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
        signer_name=text(form.signer_name),
        signed_at=form.signed_at,
        signature_png=signature_png,
    )


def preview_pdf(form: AccessLineForm) -> bytes:
    """The pre-filled, unsigned form, to read before signing."""
    return render_form(form_content(form), Path(settings.RESILIA_PDF_FONT_DIR))


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


def _store_document(form: AccessLineForm, content: bytes, extension: str) -> None:
    name = f"{form.request.reference}-{secrets.token_hex(8)}.{extension}"
    form.document.save(name, ContentFile(content), save=False)
    form.document_sha256 = hashlib.sha256(content).hexdigest()


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


def _locked(form: AccessLineForm) -> AccessLineForm:
    return (
        AccessLineForm.objects.select_for_update()
        .select_related("request__customer", "request__subscription")
        .get(pk=form.pk)
    )


def _email_customer(form: AccessLineForm, template: str, **context: object) -> None:
    customer = form.request.customer
    email_queue(
        template=template,
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"form": form, "request": form.request, "customer": customer, **context},
        related_reference=form.request.reference,
    )


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
        form = _locked(form)
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
    **audit_data: object,
) -> None:
    """Keep a signed document with its evidence: the form waits for an agent's check.

    Called inside the signing or upload transaction, with the form locked.
    """
    _store_document(form, content, extension)
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
        **audit_data,
    )
    _email_customer(form, "form_received")


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
    content, mimetype, extension = checked_upload(content)
    with transaction.atomic():
        form = _locked(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        form.signer_name = ""
        form.signed_at = timezone.now()
        _receive_document(
            form,
            content=content,
            extension=extension,
            mimetype=mimetype,
            source=SignatureSource.UPLOAD,
            actor=actor,
            ip=ip,
            user_agent=user_agent,
            audit_action="form.upload",
            type=mimetype,
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
        form = _locked(form)
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
        email_queue(
            template="form_sign_link",
            to=email,
            language=customer.language,
            customer=customer,
            context={
                "form": form,
                "request": form.request,
                "customer": customer,
                # The token is made at delivery (signing_link_token): never stored.
                "url": build_url(MASK),
                "days": settings.RESILIA_SIGNING_LINK_DAYS,
            },
            related_reference=form.request.reference,
            secret_link={"kind": "signing", "form_id": form.pk, "nonce": form.link_nonce},
        )
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


# --- Staff check ------------------------------------------------------------------------


def form_check(
    *,
    form: AccessLineForm,
    valid: bool,
    reason: str = "",
    actor: User,
    ip: str | None = None,
    resign_url: str = "",
) -> AccessLineForm:
    if not valid and not reason.strip():
        raise FormError("reason_required", _("Give the reason why the form is not valid."))
    with transaction.atomic():
        form = _locked(form)
        if form.status != FormStatus.SIGNED or form.checked_at is not None:
            raise FormError(
                "not_checkable", _("Only a signed form waiting for a check can be checked.")
            )
        if valid:
            form.checked_at = timezone.now()
            form.checked_by = actor
            form.save(update_fields=["checked_at", "checked_by", "updated_at"])
            audit_log(actor=actor, action="form.valid", target=form, ip=ip)
        else:
            form.status = FormStatus.INVALID
            form.invalid_reason = reason.strip()[:500]
            form.save(update_fields=["status", "invalid_reason", "updated_at"])
            audit_log(actor=actor, action="form.invalid", target=form, ip=ip, reason=reason)
            _email_customer(form, "form_invalid", url=resign_url)
    return form


# --- Forwarding to the operator --------------------------------------------------------

FORWARDABLE_REQUEST_STATUSES = ["submitted", "confirmed", "completed"]
MANIFEST_HEADER = ["reference", "kind", "line_number", "holder", "date", "document"]


KIND_LABELS = {FormKind.CANCELLATION: "Résiliation", FormKind.ISP_RELEASE: "Résiliation FAI"}


def _manifest(forms: list[AccessLineForm], recalls: list[AccessLineForm]) -> str:
    """One line per form to act on, then one per recall ("do not cut": the customer
    withdrew after the form had left)."""
    rows = [
        [
            form.request.reference,
            KIND_LABELS[FormKind(form.kind)],
            form.line_number,
            form.holder_name,
            form.form_date.strftime("%d/%m/%Y"),
            _attachment_name(form),
        ]
        for form in forms
    ]
    rows += [
        [
            form.request.reference,
            f"ANNULATION de la {KIND_LABELS[FormKind(form.kind)]} (ne pas traiter)",
            form.line_number,
            form.holder_name,
            form.form_date.strftime("%d/%m/%Y"),
            "",
        ]
        for form in recalls
    ]
    return csv_text(MANIFEST_HEADER, rows)


def _attachment_name(form: AccessLineForm) -> str:
    extension = Path(form.document.name or "").suffix or ".pdf"
    return f"{form.request.reference}-{form.line_number}{extension}"


def forwardable_forms() -> list[AccessLineForm]:
    return list(
        AccessLineForm.objects.filter(
            status=FormStatus.SIGNED,
            checked_at__isnull=False,
            batch__isnull=True,
            request__status__in=FORWARDABLE_REQUEST_STATUSES,
        )
        .select_related("request")
        .order_by("id")
    )


def recalls_to_send() -> QuerySet[AccessLineForm]:
    return AccessLineForm.objects.filter(
        status=FormStatus.CANCELLED, recall_requested_at__isnull=False, recall_batch__isnull=True
    )


def batch_forward(
    *, actor: User | None, ip: str | None = None, automatic_on: date | None = None
) -> ForwardingBatch | None:
    """One e-mail to the operator with every checked form, every recall and a CSV manifest.

    Returns None when nothing is waiting. An automatic batch is made at most once a day.
    """
    now = timezone.now()
    with transaction.atomic():
        forms = list(
            AccessLineForm.objects.select_for_update()
            .filter(
                status=FormStatus.SIGNED,
                checked_at__isnull=False,
                batch__isnull=True,
                # A withdrawn or rejected request's form must never reach the operator.
                request__status__in=FORWARDABLE_REQUEST_STATUSES,
            )
            .select_related("request")
            .order_by("id")
        )
        recalls = list(
            recalls_to_send().select_for_update().select_related("request").order_by("id")
        )
        if not forms and not recalls:
            return None
        if automatic_on and ForwardingBatch.objects.filter(automatic_on=automatic_on).exists():
            return None
        local = now.astimezone(NOUMEA)
        batch = ForwardingBatch.objects.create(
            reference=f"FWD-{local:%Y%m%d-%H%M%S}-{secrets.token_hex(2).upper()}",
            created_by=actor,
            recipient=settings.RESILIA_OPERATOR_EMAIL,
            automatic_on=automatic_on,
        )
        attachments: list[dict[str, str]] = [
            {
                "filename": _attachment_name(form),
                "mimetype": form.document_type or "application/pdf",
                "path": form.document.name or "",
            }
            for form in forms
        ]
        attachments.append(
            {
                "filename": f"{batch.reference}.csv",
                "mimetype": "text/csv",
                "content": _manifest(forms, recalls),
            }
        )
        batch.email = email_queue(
            template="operator_batch",
            to=batch.recipient,
            language="fr",
            context={"batch": batch, "forms": forms, "count": len(forms), "recalls": recalls},
            related_reference=batch.reference,
            attachments=attachments,
            reply_to=settings.RESILIA_OPERATOR_REPLY_TO,
        )
        batch.save(update_fields=["email"])
        AccessLineForm.objects.filter(pk__in=[f.pk for f in forms]).update(
            status=FormStatus.FORWARDED, batch=batch, forwarded_at=now, updated_at=now
        )
        AccessLineForm.objects.filter(pk__in=[f.pk for f in recalls]).update(
            recall_batch=batch, updated_at=now
        )
        audit_log(
            actor=actor,
            action="forms.forward",
            target=batch,
            ip=ip,
            forms=[f.request.reference for f in forms],
            recalls=[f.request.reference for f in recalls],
        )
    return batch


def scheduled_forwarding(now: datetime | None = None) -> ForwardingBatch | None:
    """The automatic batch: each business day, from the configured time (Nouméa)."""
    from cancellations.calendar import current_calendar

    local = (now or timezone.now()).astimezone(NOUMEA)
    at = datetime.strptime(settings.RESILIA_FORWARD_TIME, "%H:%M").time()
    if not current_calendar().is_business_day(local.date()) or local.time() < at:
        return None
    return batch_forward(actor=None, automatic_on=local.date())


# --- The operator's answer ------------------------------------------------------------


def form_record_answer(
    *,
    form: AccessLineForm,
    accepted: bool,
    operator_reference: str = "",
    reason: str = "",
    actor: User | None,
    ip: str | None = None,
) -> AccessLineForm:
    if not accepted and not reason.strip():
        raise FormError("reason_required", _("Give the operator's reason for the refusal."))
    with transaction.atomic():
        form = _locked(form)
        if form.awaits_recall_answer and form.recall_batch_id is not None:
            return _record_recall_answer(
                form, accepted=accepted, operator_reference=operator_reference, reason=reason,
                actor=actor, ip=ip,
            )  # fmt: skip
        if form.status != FormStatus.FORWARDED:
            raise FormError("not_forwarded", _("Only a forwarded form can get an answer."))
        form.status = FormStatus.ACKNOWLEDGED if accepted else FormStatus.REFUSED_BY_OPERATOR
        form.operator_reference = operator_reference.strip()[:100]
        form.operator_refusal_reason = "" if accepted else reason.strip()[:500]
        form.operator_answered_at = timezone.now()
        form.save()
        audit_log(
            actor=actor,
            action="form.acknowledged" if accepted else "form.refused",
            target=form,
            ip=ip,
            operator_reference=form.operator_reference,
            reason=form.operator_refusal_reason,
        )
        _email_customer(form, "form_acknowledged" if accepted else "form_refused")
    return form


def _record_recall_answer(
    form: AccessLineForm,
    *,
    accepted: bool,
    operator_reference: str,
    reason: str,
    actor: User | None,
    ip: str | None,
) -> AccessLineForm:
    """The operator's answer to a recall: the form leaves the back office's watch list
    either way; a refusal (the line was already cut) stays in the audit log for staff."""
    form.recall_answered_at = timezone.now()
    form.operator_reference = operator_reference.strip()[:100] or form.operator_reference
    form.operator_refusal_reason = "" if accepted else reason.strip()[:500]
    form.save()
    audit_log(
        actor=actor,
        action="form.recall_confirmed" if accepted else "form.recall_refused",
        target=form,
        ip=ip,
        operator_reference=form.operator_reference,
        reason=form.operator_refusal_reason,
    )
    return form


@dataclass
class AnswerImport:
    applied: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


ACCEPTED = {"accepted", "accepte", "accepté", "ok", "oui", "yes"}
REFUSED = {"refused", "refuse", "refusé", "ko", "non", "no"}


def _answer_rows(text: str, result: AnswerImport) -> Iterator[tuple[int, list[str]]]:
    """The answer file's rows; an unreadable row is reported and skipped."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            result.errors.append((reader.line_num, _("not readable as CSV: %(e)s") % {"e": exc}))
            continue
        yield reader.line_num, row


def answers_import(text: str, *, actor: User | None, ip: str | None = None) -> AnswerImport:
    """The operator's answer file: key (line number or reference), result, operator
    reference, reason. Unknown or unanswerable rows are reported; the rest applied.

    One transaction for the file: should anything fail unexpectedly, nothing of it is
    applied (the operator's file is then imported again, whole).
    """
    result = AnswerImport()
    with transaction.atomic():
        for line, row in _answer_rows(text, result):
            if not row or not any(cell.strip() for cell in row):
                continue
            if line == 1 and row[0].strip().lower() in {"key", "reference", "line_number", "ligne"}:
                continue
            if any("\x00" in cell or len(cell) > 500 for cell in row):
                result.errors.append((line, _("a cell holds a NUL byte or is too long")))
                continue
            cells = [cell.strip() for cell in row] + ["", "", "", ""]
            key, outcome, operator_reference, reason = cells[:4]
            outcome = outcome.lower()
            if outcome not in ACCEPTED | REFUSED:
                result.errors.append((line, _("unknown result %(value)r") % {"value": outcome}))
                continue
            candidates = AccessLineForm.objects.filter(
                Q(status=FormStatus.FORWARDED)
                | Q(recall_batch__isnull=False, recall_answered_at__isnull=True)
            )
            if key.upper().startswith("RES-"):
                candidates = candidates.filter(request__reference=key.upper())
            else:
                candidates = candidates.filter(line_number="".join(key.split()))
            matches = list(candidates[:2])
            if not matches:
                result.errors.append((line, _("no forwarded form for %(key)s") % {"key": key}))
                continue
            if len(matches) > 1:
                result.errors.append(
                    (
                        line,
                        _("several forwarded forms for %(key)s: use the reference") % {"key": key},
                    )
                )
                continue
            try:
                form_record_answer(
                    form=matches[0],
                    accepted=outcome in ACCEPTED,
                    operator_reference=operator_reference,
                    reason=reason,
                    actor=actor,
                    ip=ip,
                )
            except FormError as exc:
                result.errors.append((line, exc.message))
                continue
            result.applied += 1
    return result
