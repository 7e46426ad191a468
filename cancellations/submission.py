"""A new cancellation request (R2-R8): recorded once, whatever the channel, with its
form, history, audit entry, webhook event and acknowledgement in one transaction."""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_forms.models import FormKind
from access_forms.services import form_for_new_request
from accounts.models import User
from audit.services import audit_entry, audit_log_entries
from cancellations import emails
from cancellations.drafts import Draft, quote_draft
from cancellations.errors import RequestError
from cancellations.models import CancellationRequest, Channel, Kind, RequestEvent, Status
from cancellations.references import REQUESTS, next_reference
from customers.models import Customer, Subscription, SubscriptionStatus
from rules import REQUEST_OPEN_STATUSES, Quote
from states import AuditAction
from toolbox.noumea import NOUMEA
from webhooks.services import request_data, webhook_emit_events


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


def _record_submission(
    request: CancellationRequest,
    *,
    actor: User | None,
    ip: str | None,
    objection_link: dict[str, object] | None,
) -> None:
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
    emails.send_request_received(request, objection_link=objection_link)


def request_submit(
    *,
    customer: Customer,
    draft: Draft,
    channel: str = Channel.WEB,
    actor: User | None,
    ip: str | None = None,
    idempotency_key: str = "",
    now: datetime | None = None,
    objection_link: dict[str, object] | None = None,
) -> CancellationRequest:
    """Record a cancellation request (R2–R8) and acknowledge it by e-mail.

    A repeated idempotency key returns the first request instead of a second one. The
    partial unique index refuses a second open request even when two arrive at once.
    A request ordered by a new provider passes the `objection_link` its acknowledgement
    carries (notifications.secret_links: the customer stops it without logging in).
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
            request = _new_request(customer, subscription, draft, result, received_at)
            request.channel, request.idempotency_key = channel, idempotency_key
            request.created_by = actor
            request.save()
            subscription.status = SubscriptionStatus.TERMINATION_SCHEDULED
            subscription.ends_on = result.effective_date
            subscription.save(update_fields=["status", "ends_on"])
            form_for_new_request(
                request_id=request.pk,
                kind=FormKind.ISP_RELEASE
                if request.kind == Kind.ISP_CHANGE
                else FormKind.CANCELLATION,
                customer=customer,
                subscription=subscription,
                phone_line_cancelled=request.phone_line_cancelled,
                form_date=request.desired_date,
            )
            # The receipt (a PDF) is written outside this transaction, where it would hold
            # the database's write lock for most of a submission: by the delivery of the
            # acknowledgement, which attaches it, or by a download that comes first.
            _record_submission(request, actor=actor, ip=ip, objection_link=objection_link)
    except IntegrityError:
        # Lost a race: another submission for this subscription (or with this key)
        # committed first. Answer with that request, never with a second one.
        winner = _the_winner(customer, draft.subscription, idempotency_key)
        if winner is None:
            raise
        return winner
    return request


def _new_request(
    customer: Customer,
    subscription: Subscription,
    draft: Draft,
    result: Quote,
    received_at: datetime,
) -> CancellationRequest:
    """The request's row, not yet saved: what the customer chose and what the rules
    quoted. Received and taken into account in the same instant (RESILIA_AUTO_CONFIRM,
    processed today): one e-mail says both."""
    confirm = settings.RESILIA_AUTO_CONFIRM and result.processing_date <= result.received_on
    return CancellationRequest(
        reference=next_reference(REQUESTS, received_at.astimezone(NOUMEA).year),
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
    )


def _the_winner(
    customer: Customer, subscription: Subscription, idempotency_key: str
) -> CancellationRequest | None:
    """After a lost race: the request sent first with the same key, or a refusal naming
    the subscription's open request (None when neither is found)."""
    if idempotency_key:
        first = CancellationRequest.objects.filter(
            customer=customer, idempotency_key=idempotency_key
        ).first()
        if first is not None:
            return first
    existing = _open_request(subscription)
    if existing is None:
        return None
    raise _already_open(existing) from None
