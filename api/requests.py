"""Requests in the integration API: list (the back office's filters, cursor pages),
read, the final invoice's data, the quote of a subscription's cancellation received now;
record one on a customer's behalf, confirm, reject or withdraw it. Every change goes
through the web's services, with the key's account as the actor."""

import base64
import binascii
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from accounts.models import User
from api.auth import read_key, write_key
from api.errors import ApiError
from api.idempotency import idempotent
from api.public import _parse_date
from api.schemas import (
    ERRORS,
    IDEMPOTENCY,
    BilledMonth,
    FinalInvoiceOut,
    MailboxFate,
    QuoteOut,
    QuoteQuery,
    ReasonIn,
    RequestFilters,
    RequestIn,
    RequestOut,
    RequestPage,
)
from cancellations.drafts import Draft, kind_problems, quote_draft
from cancellations.errors import RequestError
from cancellations.filters import RequestFilter
from cancellations.models import CancellationRequest, Channel
from cancellations.services import request_confirm, request_reject, request_withdraw
from cancellations.submission import request_submit
from customers.models import Customer, Mailbox, Subscription
from rules import mailbox_kept_until, months_still_billed
from switching.objection import ALREADY_STOPPED, switch_object
from switching.refusals import SwitchError
from toolbox.client_address import client_ip
from toolbox.filters import ignored_filters
from toolbox.noumea import NOUMEA

router = Router(tags=["integration"])


def _request_out(r: CancellationRequest) -> RequestOut:
    form = getattr(r, "access_form", None)
    return RequestOut(
        reference=r.reference,
        client_code=r.customer.client_code,
        subscription=r.subscription.reference,
        status=r.status,
        status_reason=r.status_reason,
        kind=r.kind,
        new_isp=r.new_isp,
        kind_detail=r.kind_detail,
        channel=r.channel,
        received_at=r.received_at,
        desired_date=r.desired_date,
        processing_date=r.processing_date,
        effective_date=r.effective_date,
        billing_end=r.billing_end,
        last_month_amount_xpf=r.last_month_amount_xpf,
        on_time_for_month_end=r.on_time_for_month_end,
        mailbox_retention_months=r.mailbox_retention_months,
        form_status=form.status if form is not None else None,
    )


def _requests() -> QuerySet[CancellationRequest]:
    return CancellationRequest.objects.select_related("customer", "subscription", "access_form")


def _get_request(reference: str) -> CancellationRequest:
    found = _requests().filter(reference=reference.strip().upper()).first()
    if found is None:
        raise ApiError(404, "not_found", _("No request has this reference."))
    return found


def _cursor(request: CancellationRequest) -> str:
    raw = f"{request.received_at.isoformat()}|{request.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after_cursor(cursor: str) -> Q:
    """Newest first, then by id: a cursor is the last row seen, so rows inserted since
    (newer) never shift the pages still to read."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        instant, pk = raw.rsplit("|", 1)
        received = datetime.fromisoformat(instant)
        last_id = int(pk)
        if received.utcoffset() is None or not 2000 <= received.year <= 2100:
            raise ValueError(instant)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(422, "invalid_cursor", _("This cursor is not one the API gave.")) from None
    return Q(received_at__lt=received) | Q(received_at=received, id__lt=last_id)


@router.get(
    "/requests",
    auth=read_key,
    response={200: RequestPage, **ERRORS},
    summary="Requests, newest first, with the back office's filters and cursor pagination",
)
def list_requests(request: HttpRequest, filters: Query[RequestFilters]) -> RequestPage:
    data = QueryDict(mutable=True)
    for name, value in filters.model_dump(exclude={"cursor", "limit"}).items():
        if value is not None:
            data[name] = "on" if value is True else "" if value is False else str(value)
    filterset = RequestFilter(data, queryset=_requests().order_by("-received_at", "-id"))
    ignored = ignored_filters(filterset)
    if ignored:
        raise ApiError(
            422,
            "invalid_filter",
            _("These filters are not valid: %(filters)s.") % {"filters": ", ".join(ignored)},
        )
    rows = filterset.qs
    if filters.cursor:
        rows = rows.filter(_after_cursor(filters.cursor))
    page = list(rows[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return RequestPage(
        items=[_request_out(r) for r in page],
        next_cursor=_cursor(page[-1]) if more else None,
    )


@router.get(
    "/requests/{reference}",
    auth=read_key,
    response={200: RequestOut, **ERRORS},
    summary="A request",
)
def get_request(request: HttpRequest, reference: str) -> RequestOut:
    return _request_out(_get_request(reference))


def _billed(received_on: date, billing_end: date, monthly: int) -> list[BilledMonth]:
    return [
        BilledMonth(month=month.strftime("%Y-%m"), amount_xpf=monthly)
        for month in months_still_billed(received_on, billing_end)
    ]


def _fates(subscription: Subscription, effective: date, months: int) -> list[MailboxFate]:
    kept = mailbox_kept_until(effective, months) if months else None
    return [
        MailboxFate(address=m.address, kept_until=kept, deleted_after=None if kept else effective)
        for m in Mailbox.objects.filter(subscription=subscription).order_by("address")
    ]


@router.get(
    "/requests/{reference}/final-invoice",
    auth=read_key,
    response={200: FinalInvoiceOut, **ERRORS},
    summary="What the final invoice bills: the end of billing, the months and the mailboxes",
)
def get_final_invoice(request: HttpRequest, reference: str) -> FinalInvoiceOut:
    r = _get_request(reference)
    received_on = r.received_at.astimezone(NOUMEA).date()
    billed = _billed(received_on, r.billing_end, r.last_month_amount_xpf)
    return FinalInvoiceOut(
        reference=r.reference,
        status=r.status,
        applies=not r.keeps_subscription,
        billing_end=r.billing_end,
        months_still_billed=billed,
        total_still_billed_xpf=sum(m.amount_xpf for m in billed),
        mailboxes=_fates(r.subscription, r.effective_date, r.mailbox_retention_months),
    )


@router.get(
    "/subscriptions/{reference}/quote",
    auth=read_key,
    response={200: QuoteOut, **ERRORS},
    summary="The live summary of a cancellation of this subscription, received now",
)
def get_subscription_quote(
    request: HttpRequest, reference: str, params: Query[QuoteQuery]
) -> QuoteOut:
    subscription = (
        Subscription.objects.select_related("plan")
        .filter(reference__iexact=reference.strip())
        .first()
    )
    if subscription is None:
        raise ApiError(404, "not_found", _("No subscription has this reference."))
    draft = Draft(
        subscription=subscription,
        desired_date=_parse_date(params.desired_date),
        kind=params.kind,
        new_isp=params.new_isp,
        mailbox_retention_months=params.mailbox_retention_months,
    )
    now = timezone.now()
    try:
        result = quote_draft(draft, now)
    except RequestError as exc:
        raise ApiError(422, exc.code, exc.message) from None
    billed = _billed(result.received_on, result.billing_end, subscription.plan.monthly_price_xpf)
    return QuoteOut(
        subscription=subscription.reference,
        desired_date=draft.desired_date,
        processing_date=result.processing_date,
        effective_date=result.effective_date,
        billing_end=result.billing_end,
        month_end_deadline=result.month_end_deadline.isoformat(timespec="seconds"),
        on_time_for_month_end=result.on_time_for_month_end,
        months_still_billed=billed,
        total_still_billed_xpf=sum(m.amount_xpf for m in billed),
        mailboxes=_fates(subscription, result.effective_date, params.mailbox_retention_months),
    )


def _request_error(exc: RequestError) -> ApiError:
    status = 409 if exc.code in {"already_open", "changed", "not_open", "not_submitted"} else 422
    extra = {"existing": exc.existing.reference} if exc.existing is not None else {}
    return ApiError(status, exc.code, exc.message, **extra)


@contextmanager
def _refusals_as_api_errors() -> Iterator[None]:
    """What the rules or the request's state refuse, as the API's JSON error."""
    try:
        yield
    except RequestError as exc:
        raise _request_error(exc) from None
    except SwitchError as exc:  # a switch's request stopped on the customer's behalf
        conflict = exc.code in {ALREADY_STOPPED, "not_open", "too_late"}
        status = 409 if conflict or exc.code.startswith("switch_") else 422
        raise ApiError(status, exc.code, exc.message) from None


def _withdraw(
    *, request: CancellationRequest, actor: User, ip: str | None, on_behalf_reason: str
) -> None:
    """Withdrawn on the customer's behalf; a switch's request is the customer's "Je n'ai
    rien demandé" said through the ISP (its provider told and kept away for a while)."""
    if request.channel == Channel.SWITCH:
        switch_object(
            match=request.switch.match, actor=actor, ip=ip, on_behalf_reason=on_behalf_reason
        )
    else:
        request_withdraw(request=request, actor=actor, ip=ip, on_behalf_reason=on_behalf_reason)


def _act(
    request: HttpRequest, reference: str, action: Callable[..., object], **data: Any
) -> RequestOut:
    """One of the staff actions on a request, by the key's account, then the request."""
    with _refusals_as_api_errors():
        action(
            request=_get_request(reference),
            actor=request.user,
            ip=client_ip(request),
            **data,
        )
    return _request_out(_get_request(reference))


@router.post(
    "/requests",
    auth=write_key,
    response={201: RequestOut, **ERRORS},
    summary="Record a cancellation request on a customer's behalf (channel `api`)",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def create_request(request: HttpRequest, payload: RequestIn) -> Status[RequestOut]:
    customer = Customer.objects.filter(client_code=payload.client_code.strip().upper()).first()
    subscription = (
        Subscription.objects.filter(customer=customer, reference=payload.subscription).first()
        if customer is not None
        else None
    )
    if customer is None or subscription is None:
        raise ApiError(
            404, "not_found", _("No subscription with this reference for this customer.")
        )
    draft = Draft(
        subscription=subscription,
        desired_date=_parse_date(payload.desired_date),
        kind=payload.kind,
        new_isp=payload.new_isp,
        kind_detail=payload.kind_detail,
        mailbox_retention_months=payload.mailbox_retention_months,
        phone_line_cancelled=payload.phone_line_cancelled,
        wants_phone_line_ended=payload.wants_phone_line_ended,
    )
    with _refusals_as_api_errors():
        problems = kind_problems(
            kind=draft.kind, new_isp=draft.new_isp, kind_detail=draft.kind_detail
        )
        if problems:
            raise problems[0]
        created = request_submit(
            customer=customer,
            draft=draft,
            channel=Channel.API,
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
        )
    return Status(201, _request_out(_get_request(created.reference)))


@router.post(
    "/requests/{reference}/confirm",
    auth=write_key,
    response={200: RequestOut, **ERRORS},
    summary="Take a received request into account",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def confirm_request(request: HttpRequest, reference: str) -> RequestOut:
    return _act(request, reference, request_confirm)


@router.post(
    "/requests/{reference}/reject",
    auth=write_key,
    response={200: RequestOut, **ERRORS},
    summary="Reject an open request, with the reason e-mailed to the customer",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def reject_request(request: HttpRequest, reference: str, payload: ReasonIn) -> RequestOut:
    return _act(request, reference, request_reject, reason=payload.reason)


@router.post(
    "/requests/{reference}/withdraw",
    auth=write_key,
    response={200: RequestOut, **ERRORS},
    summary="Withdraw an open request on the customer's behalf (until R9's deadline)",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def withdraw_request(request: HttpRequest, reference: str, payload: ReasonIn) -> RequestOut:
    return _act(request, reference, _withdraw, on_behalf_reason=payload.reason)
