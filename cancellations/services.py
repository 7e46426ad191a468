"""Every state change of a cancellation request after it is received (SPEC §5) happens
here (a new request: cancellations.submission).

Each function runs in one transaction that writes the change, its history entry, its
audit entry and its queued e-mail together: all of it is committed, or none of it.
"""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import rules
from access_forms.services import form_close_with_request
from access_forms.signing import form_reschedule_with_request
from accounts.models import User
from audit.services import audit_log
from cancellations import emails
from cancellations.drafts import quote_date
from cancellations.errors import RequestError
from cancellations.models import (
    CancellationRequest,
    RequestEvent,
    Status,
)
from customers.models import (
    Subscription,
    SubscriptionStatus,
)
from notifications.services import email_held_drop
from states import AuditAction
from toolbox.noumea import NOUMEA
from webhooks.services import request_data, request_events, webhook_emit, webhook_emit_events


def _event(request: CancellationRequest, actor: User | None, note: str = "") -> None:
    RequestEvent.objects.create(
        request=request, at=timezone.now(), status=request.status, actor=actor, note=note
    )


def _confirm(
    request: CancellationRequest, *, actor: User | None, ip: str | None, email: bool = True
) -> None:
    request.status = Status.CONFIRMED
    request.confirmed_at = timezone.now()
    request.save(update_fields=["status", "confirmed_at", "updated_at"])
    _event(request, actor)
    audit_log(actor=actor, action=AuditAction.REQUEST_CONFIRM, target=request, ip=ip)
    webhook_emit("request.confirmed", request_data(request))
    if email:
        emails.send_request_confirmed(request)


def _locked(request: CancellationRequest, seen_status: str | None = None) -> CancellationRequest:
    """The request, locked until the end of the transaction. With `seen_status` (what the
    staff member saw when they chose the action), a request another agent has changed
    meanwhile is refused with what happened, and nothing is changed."""
    locked = (
        CancellationRequest.objects.select_for_update()
        .select_related("customer", "subscription")
        .get(pk=request.pk)
    )
    if seen_status is not None and locked.status != seen_status:
        raise changed_meanwhile(locked)
    return locked


def changed_meanwhile(request: CancellationRequest) -> RequestError:
    last = request.events.select_related("actor").order_by("-at", "-id").first()
    by = last.actor.get_username() if last is not None and last.actor is not None else "system"
    return RequestError(
        "changed",
        str(
            _(
                "%(reference)s was changed meanwhile: it is now “%(status)s” (by %(by)s at "
                "%(time)s). Nothing was changed; check the request and choose again."
            )
            % {
                "reference": request.reference,
                "status": request.get_status_display(),
                "by": by,
                "time": (last.at if last else request.updated_at)
                .astimezone(NOUMEA)
                .strftime("%d/%m/%Y %H:%M"),
            }
        ),
        existing=request,
    )


def request_confirm(
    *,
    request: CancellationRequest,
    actor: User | None,
    ip: str | None = None,
    seen_status: str | None = None,
) -> CancellationRequest:
    """Submitted → confirmed ("prise en compte"), with its e-mail."""
    with transaction.atomic():
        request = _locked(request, seen_status)
        if request.status != Status.SUBMITTED:
            raise RequestError("not_submitted", str(_("Only a received request can be confirmed.")))
        _confirm(request, actor=actor, ip=ip)
    return request


def last_withdrawal_day(request: CancellationRequest) -> date:
    return request.last_withdrawal_day


def withdrawal_allowed(request: CancellationRequest, today: date) -> bool:
    return rules.withdrawal_allowed(request.status, request.effective_date, today)


def _reopen_subscription(subscription: Subscription) -> None:
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.ends_on = None
    subscription.save(update_fields=["status", "ends_on"])


def request_withdraw(
    *,
    request: CancellationRequest,
    actor: User | None,
    ip: str | None = None,
    now: datetime | None = None,
    on_behalf_reason: str | None = None,
    seen_status: str | None = None,
) -> CancellationRequest:
    """Open → withdrawn (R9); the subscription goes on as if nothing happened.

    Staff withdrawing on the customer's behalf give `on_behalf_reason` (required)."""
    today = (now or timezone.now()).astimezone(NOUMEA).date()
    reason = (on_behalf_reason or "").strip()
    if on_behalf_reason is not None and not reason:
        raise RequestError("reason_required", str(_("Give the reason for the withdrawal.")))
    with transaction.atomic():
        request = _locked(request, seen_status)
        if not request.is_open:
            raise RequestError("not_open", str(_("This request is no longer open.")))
        if not withdrawal_allowed(request, today):
            raise RequestError(
                "too_late",
                str(
                    _(
                        "It is too late to withdraw this request: it could be withdrawn "
                        "until the day before %(date)s."
                    )
                    % {"date": request.effective_date.strftime("%d/%m/%Y")}
                ),
            )
        request.status = Status.WITHDRAWN
        request.status_reason = reason
        request.save(update_fields=["status", "status_reason", "updated_at"])
        _reopen_subscription(request.subscription)
        _event(request, actor, note=reason)
        audit_log(
            actor=actor,
            action=AuditAction.REQUEST_WITHDRAW,
            target=request,
            ip=ip,
            **({"reason": reason, "on_behalf": True} if on_behalf_reason is not None else {}),
        )
        form_close_with_request(request_id=request.pk, actor=actor, ip=ip)
        webhook_emit_events(request_events("request.withdrawn", [request]))
        email_held_drop(request.reference)  # a switch's move told tomorrow: moot now
        emails.send_request_withdrawn(request)
    return request


def request_reject(
    *,
    request: CancellationRequest,
    actor: User,
    reason: str,
    ip: str | None = None,
    seen_status: str | None = None,
) -> CancellationRequest:
    """Open → rejected, with the reason e-mailed to the customer."""
    if not reason.strip():
        raise RequestError("reason_required", str(_("Give the reason for the rejection.")))
    with transaction.atomic():
        request = _locked(request, seen_status)
        if not request.is_open:
            raise RequestError("not_open", str(_("This request is no longer open.")))
        request.status = Status.REJECTED
        request.status_reason = reason.strip()
        request.save(update_fields=["status", "status_reason", "updated_at"])
        _reopen_subscription(request.subscription)
        _event(request, actor, note=request.status_reason)
        audit_log(
            actor=actor, action=AuditAction.REQUEST_REJECT, target=request, ip=ip, reason=reason
        )
        form_close_with_request(request_id=request.pk, actor=actor, ip=ip)
        webhook_emit_events(request_events("request.rejected", [request]))
        email_held_drop(request.reference)
        emails.send_request_rejected(request)
    return request


def request_keep_mailboxes(
    *,
    request: CancellationRequest,
    months: int,
    actor: User | None,
    ip: str | None = None,
    now: datetime | None = None,
) -> CancellationRequest:
    """How long the customer keeps their mailboxes after the service ends (0: deleted
    with it), changed while the request is open, until the day before the effective
    date; the daily run reads it when the service ends."""
    if months and months not in settings.RESILIA_MAILBOX_RETENTION_MONTHS:
        raise RequestError("invalid_retention", str(_("Choose a mailbox retention period.")))
    today = (now or timezone.now()).astimezone(NOUMEA).date()
    with transaction.atomic():
        request = _locked(request)
        if not request.is_open:
            raise RequestError("not_open", str(_("This request is no longer open.")))
        if today >= request.effective_date:
            raise RequestError(
                "too_late",
                str(_("The service ends today: the mailboxes can no longer be kept.")),
            )
        if months == request.mailbox_retention_months:
            return request
        request.mailbox_retention_months = months
        request.save(update_fields=["mailbox_retention_months", "updated_at"])
        note = (
            str(_("Mailboxes kept %(months)s months after the service") % {"months": months})
            if months
            else str(_("Mailboxes deleted with the service"))
        )
        _event(request, actor, note=note)
        audit_log(
            actor=actor, action=AuditAction.REQUEST_RETENTION, target=request, ip=ip, months=months
        )
    return request


def request_reschedule(
    *,
    request: CancellationRequest,
    desired_date: date,
    actor: User | None,
    ip: str | None = None,
    now: datetime | None = None,
) -> CancellationRequest:
    """An open request's desired date changes (a switch moved by the new provider): its
    dates and bill are quoted again as an instruction received now, every consequence
    follows (the subscription's end, the form's date, the history, the audit log and a
    webhook). The customer is told by the caller: a switch's move has its own e-mail,
    at most one a day (switching.ordering.switch_reschedule). Refused once the
    withdrawal deadline has passed (R9), and once the form has left for the operator
    with the old date."""
    at = now or timezone.now()
    today = at.astimezone(NOUMEA).date()
    with transaction.atomic():
        request = _locked(request)
        if not request.is_open:
            raise RequestError("not_open", str(_("This request is no longer open.")))
        if not withdrawal_allowed(request, today):
            raise RequestError(
                "too_late",
                str(
                    _("It is too late to change the date: it could be changed until %(date)s.")
                    % {"date": request.last_withdrawal_day.strftime("%d/%m/%Y")}
                ),
            )
        form = getattr(request, "access_form", None)
        if form is not None and form.status in rules.FORM_STATUSES_WITH_THE_OPERATOR:
            raise RequestError(
                "form_with_operator",
                str(
                    _(
                        "The form has already left for the operator with the planned date: "
                        "cancel this switch and place a new one."
                    )
                ),
            )
        result = quote_date(desired_date, at)
        before = request.effective_date
        request.desired_date = desired_date
        request.processing_date = result.processing_date
        request.effective_date = result.effective_date
        request.billing_end = result.billing_end
        request.month_end_deadline = result.month_end_deadline
        request.on_time_for_month_end = result.on_time_for_month_end
        request.save(
            update_fields=[
                "desired_date",
                "processing_date",
                "effective_date",
                "billing_end",
                "month_end_deadline",
                "on_time_for_month_end",
                "updated_at",
            ]
        )
        request.subscription.ends_on = result.effective_date
        request.subscription.save(update_fields=["ends_on"])
        note = str(_("New date: %(date)s") % {"date": result.effective_date.strftime("%d/%m/%Y")})
        _event(request, actor, note=note)
        audit_log(
            actor=actor,
            action=AuditAction.REQUEST_RESCHEDULE,
            target=request,
            ip=ip,
            before=str(before),
            effective_date=str(result.effective_date),
        )
        form_reschedule_with_request(
            request_id=request.pk, form_date=request.desired_date, actor=actor, ip=ip
        )
        webhook_emit("request.rescheduled", request_data(request))
    return request


NOTE_MAX_LENGTH = 2000


def request_add_note(
    *, request: CancellationRequest, actor: User, note: str, ip: str | None = None
) -> None:
    """An internal note on a request: staff only, never shown to the customer; kept in the
    append-only audit log with the request's other entries."""
    text = note.strip()
    if not text:
        raise RequestError("note_required", str(_("Write the note first.")))
    if len(text) > NOTE_MAX_LENGTH:
        raise RequestError(
            "note_too_long",
            str(_("A note holds at most %(max)s characters.") % {"max": NOTE_MAX_LENGTH}),
        )
    audit_log(actor=actor, action=AuditAction.REQUEST_NOTE, target=request, ip=ip, note=text)
