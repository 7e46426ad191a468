"""Forwarding to the operator: batches of checked forms and recalls with their CSV
manifest, the daily automatic batch, and the operator's answers (one by one or a file)."""

import csv
import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from access_forms import emails
from access_forms.errors import FormError
from access_forms.models import (
    AccessLineForm,
    FormKind,
    FormStatus,
    ForwardingBatch,
)
from access_forms.services import locked_form
from accounts.models import User
from audit.services import audit_log
from rules import Calendar
from states import AuditAction
from toolbox.csv_export import csv_text
from toolbox.noumea import NOUMEA
from webhooks.services import form_events, webhook_emit_events

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
            .prefetch_related("request__switch")  # its new provider is told (form_events)
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
        batch.email = emails.send_operator_batch(
            batch, forms=forms, recalls=recalls, attachments=attachments
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
            action=AuditAction.FORMS_FORWARD,
            target=batch,
            ip=ip,
            forms=[f.request.reference for f in forms],
            recalls=[f.request.reference for f in recalls],
        )
        for form in forms:
            form.status = FormStatus.FORWARDED
        webhook_emit_events(form_events("form.forwarded", forms))
    return batch


def scheduled_forwarding(calendar: Calendar, now: datetime | None = None) -> ForwardingBatch | None:
    """The automatic batch: each business day of `calendar` (the ISP's, with its
    overrides), from the configured time (Nouméa)."""
    local = (now or timezone.now()).astimezone(NOUMEA)
    at = datetime.strptime(settings.RESILIA_FORWARD_TIME, "%H:%M").time()
    if not calendar.is_business_day(local.date()) or local.time() < at:
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
        form = locked_form(form)
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
            action=AuditAction.FORM_ACKNOWLEDGED if accepted else AuditAction.FORM_REFUSED,
            target=form,
            ip=ip,
            operator_reference=form.operator_reference,
            reason=form.operator_refusal_reason,
        )
        webhook_emit_events(
            form_events("form.acknowledged" if accepted else "form.refused", [form])
        )
        (emails.send_form_acknowledged if accepted else emails.send_form_refused)(form)
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
        action=AuditAction.FORM_RECALL_CONFIRMED if accepted else AuditAction.FORM_RECALL_REFUSED,
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
