"""Every state change of a cancellation request (SPEC §5) happens here.

Each function runs in one transaction that writes the change, its history entry, its
audit entry and its queued e-mail together: all of it is committed, or none of it.
"""

from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import rules
from access_forms.models import FormKind
from access_forms.services import form_close_with_request, form_for_new_request
from access_forms.signing import form_reschedule_with_request
from accounts.models import User
from audit.services import audit_entry, audit_log, audit_log_entries
from cancellations import emails
from cancellations.calendar import current_calendar
from cancellations.drafts import Draft
from cancellations.errors import quote_error_message
from cancellations.models import (
    CancellationRequest,
    Channel,
    Kind,
    RequestEvent,
    Status,
)
from cancellations.references import next_reference
from customers.models import (
    Customer,
    Subscription,
    SubscriptionStatus,
)
from rules import (
    REQUEST_OPEN_STATUSES,
    Quote,
    QuoteError,
    quote,
)
from states import AuditAction
from toolbox.noumea import NOUMEA
from toolbox.refusals import Refusal
from webhooks.services import request_data, request_events, webhook_emit, webhook_emit_events


class RequestError(Refusal):
    """A request the rules or the current state refuse; `message` is for the user."""

    def __init__(self, code: str, message: str, existing: CancellationRequest | None = None):
        super().__init__(code, message)
        self.existing = existing


def quote_draft(draft: Draft, received_at: datetime) -> Quote:
    """The quote of a draft, or RequestError with a message in the active language."""
    validate_draft(draft)
    return quote_date(draft.desired_date, received_at)


def quote_date(desired_date: date, received_at: datetime) -> Quote:
    """The rules' quote for a desired date, or RequestError (a date in the past...)."""
    try:
        return quote(received_at, desired_date, current_calendar())
    except QuoteError as exc:
        raise RequestError(exc.code, quote_error_message(exc.code)) from None


def kind_problems(*, kind: str, new_isp: str, kind_detail: str) -> list[RequestError]:
    """What the kind of cancellation still needs, every problem at once (a form shows
    them all together)."""
    if kind not in Kind.values:
        return [RequestError("invalid_kind", str(_("Choose the kind of cancellation.")))]
    problems = []
    if kind == Kind.ISP_CHANGE and not new_isp.strip():
        problems.append(
            RequestError(
                "new_isp_required",
                str(_("For a change of provider, give the new provider's name.")),
            )
        )
    if kind == Kind.OTHER and not kind_detail.strip():
        problems.append(
            RequestError(
                "detail_required",
                str(_("Tell us in a few words the reason for the cancellation.")),
            )
        )
    return problems


def validate_draft(draft: Draft) -> None:
    problems = kind_problems(kind=draft.kind, new_isp=draft.new_isp, kind_detail=draft.kind_detail)
    if problems:
        raise problems[0]
    months = draft.mailbox_retention_months
    if months and months not in settings.RESILIA_MAILBOX_RETENTION_MONTHS:
        raise RequestError("invalid_retention", str(_("Choose a mailbox retention period.")))
    if draft.subscription.status == SubscriptionStatus.TERMINATED:
        raise RequestError("terminated", str(_("This subscription has already ended.")))


def _event(request: CancellationRequest, actor: User | None, note: str = "") -> None:
    RequestEvent.objects.create(
        request=request, at=timezone.now(), status=request.status, actor=actor, note=note
    )


def _open_request(subscription: Subscription) -> CancellationRequest | None:
    return CancellationRequest.objects.filter(
        subscription=subscription, status__in=REQUEST_OPEN_STATUSES
    ).first()


def _already_open(existing: CancellationRequest) -> RequestError:
    return RequestError(
        "already_open",
        str(
            _("A cancellation request is already open for this subscription: %(reference)s.")
            % {"reference": existing.reference}
        ),
        existing=existing,
    )


def _sent_or_open(
    customer: Customer, subscription: Subscription, idempotency_key: str
) -> tuple[CancellationRequest | None, CancellationRequest | None]:
    """(the customer's request sent with this key, the subscription's open request): the
    partial unique indexes allow at most one of each, read together."""
    wanted = Q(subscription=subscription, status__in=REQUEST_OPEN_STATUSES)
    if idempotency_key:
        wanted |= Q(customer=customer, idempotency_key=idempotency_key)
    found = list(CancellationRequest.objects.filter(wanted)[:2])
    first = next(
        (r for r in found if idempotency_key and r.idempotency_key == idempotency_key), None
    )
    existing = next((r for r in found if r.subscription_id == subscription.pk and r.is_open), None)
    return first, existing


def _record_submission(request: CancellationRequest, *, actor: User | None, ip: str | None) -> None:
    """A new request's history entry, audit entry, webhook event and acknowledgement. A
    request created already taken into account (received and confirmed in the same
    instant) also gets the confirmation's, as if confirmed at once by the system; each
    kind is written in one statement."""
    at = timezone.now()
    events = [RequestEvent(request=request, at=at, status=Status.SUBMITTED, actor=actor)]
    audits = [
        audit_entry(
            actor=actor,
            action=AuditAction.REQUEST_SUBMIT,
            target=request,
            ip=ip,
            reference=request.reference,
            channel=request.channel,
            effective_date=str(request.effective_date),
        )
    ]
    hooks = [("request.submitted", {**request_data(request), "status": Status.SUBMITTED})]
    if request.status == Status.CONFIRMED:
        events.append(RequestEvent(request=request, at=at, status=Status.CONFIRMED, actor=None))
        audits.append(audit_entry(actor=None, action=AuditAction.REQUEST_CONFIRM, target=request))
        hooks.append(("request.confirmed", request_data(request)))
    RequestEvent.objects.bulk_create(events)
    audit_log_entries(audits)
    webhook_emit_events(hooks)
    emails.send_request_received(request)


def request_submit(
    *,
    customer: Customer,
    draft: Draft,
    channel: str = Channel.WEB,
    actor: User | None,
    ip: str | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
) -> CancellationRequest:
    """Record a cancellation request (R2–R8) and acknowledge it by e-mail.

    A repeated idempotency key returns the first request instead of a second one. The
    partial unique index refuses a second open request even when two arrive at once.
    """
    received_at = now or timezone.now()
    if draft.subscription.customer_id != customer.pk:
        raise RequestError("not_found", str(_("This subscription is not yours.")))
    result = quote_draft(draft, received_at)
    try:
        with transaction.atomic():
            # Locked (on PostgreSQL, the subscription's row only): two submissions for
            # one subscription take turns from here.
            subscription = (
                Subscription.objects.select_for_update(of=("self",))
                .select_related("plan", "customer")
                .get(pk=draft.subscription.pk)
            )
            # A repeated key (a second click, a retry) answers with the first request;
            # another open request for the subscription refuses this one. Both checked
            # in one read, under the lock, where either may have won meanwhile.
            first, existing = _sent_or_open(customer, subscription, idempotency_key)
            if first is not None:
                return first
            if existing is not None:
                raise _already_open(existing)
            # Received and taken into account in the same instant: one e-mail says both.
            confirm = settings.RESILIA_AUTO_CONFIRM and result.processing_date <= result.received_on
            request = CancellationRequest.objects.create(
                reference=next_reference(received_at.astimezone(NOUMEA).year),
                status=Status.CONFIRMED if confirm else Status.SUBMITTED,
                confirmed_at=timezone.now() if confirm else None,
                customer=customer,
                subscription=subscription,
                received_at=received_at,
                desired_date=draft.desired_date,
                kind=draft.kind,
                new_isp=draft.new_isp.strip() if draft.kind == Kind.ISP_CHANGE else "",
                kind_detail=draft.kind_detail.strip(),
                mailbox_retention_months=draft.mailbox_retention_months,
                phone_line_cancelled=draft.phone_line_cancelled,
                wants_phone_line_ended=draft.wants_phone_line_ended,
                processing_date=result.processing_date,
                effective_date=result.effective_date,
                billing_end=result.billing_end,
                last_month_amount_xpf=subscription.plan.monthly_price_xpf,
                month_end_deadline=result.month_end_deadline,
                on_time_for_month_end=result.on_time_for_month_end,
                channel=channel,
                idempotency_key=idempotency_key,
                created_by=actor,
            )
            subscription.status = SubscriptionStatus.TERMINATION_SCHEDULED
            subscription.ends_on = result.effective_date
            subscription.save(update_fields=["status", "ends_on"])
            form_for_new_request(
                request_id=request.pk,
                kind=FormKind.ISP_RELEASE
                if draft.kind == Kind.ISP_CHANGE
                else FormKind.CANCELLATION,
                customer=customer,
                subscription=subscription,
                phone_line_cancelled=request.phone_line_cancelled,
                form_date=request.desired_date,
            )
            # The receipt (a PDF) is written outside this transaction, where it would hold
            # the database's write lock for most of a submission: by the delivery of the
            # acknowledgement, which attaches it, or by a download that comes first.
            _record_submission(request, actor=actor, ip=ip)
    except IntegrityError:
        # Lost a race: another submission for this subscription (or with this key)
        # committed first. Answer with that request, never with a second one.
        if idempotency_key:
            first = CancellationRequest.objects.filter(
                customer=customer, idempotency_key=idempotency_key
            ).first()
            if first is not None:
                return first
        existing = _open_request(draft.subscription)
        if existing is None:
            raise
        raise _already_open(existing) from None
    return request


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
        emails.send_request_rejected(request)
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
    follows (the subscription's end, the form's date, an e-mail to the customer, the
    history, the audit log and a webhook). Refused once the withdrawal deadline has
    passed (R9), and once the form has left for the operator with the old date."""
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
        emails.send_request_rescheduled(request)
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
