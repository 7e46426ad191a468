"""The integration API (SPEC §7): the billing system and support tools read customers,
requests, quotes, forms and final-invoice data, and act on requests, with an API key.
Every change goes through the same services as the web, with the key's account as the
actor; every POST honours an Idempotency-Key."""

import base64
import binascii
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt

from access_forms.errors import FormError
from access_forms.forwarding import form_record_answer
from access_forms.models import AccessLineForm
from access_forms.views import document_response
from api.auth import read_key, write_key
from api.errors import ApiError
from api.idempotency import idempotent
from api.public import ErrorOut, _parse_date
from api.types import text
from backoffice.filters import RequestFilter, ignored_filters
from cancellations.drafts import Draft
from cancellations.models import CancellationRequest, Channel
from cancellations.rules import NOUMEA, mailbox_kept_until, months_still_billed
from cancellations.services import (
    RequestError,
    kind_problems,
    quote_draft,
    request_confirm,
    request_reject,
    request_submit,
    request_withdraw,
)
from customers.importer import import_rows
from customers.models import Customer, Mailbox, Subscription
from resilia.client_address import client_ip

router = Router(tags=["integration"])

MAX_PAGE = 200
BULK_MAX = 1000
IDEMPOTENCY = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Send the same key again (with the same body) to get the first "
            "answer instead of a second effect; kept 24 hours.",
        }
    ]
}
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


# --- Schemas --------------------------------------------------------------------------------


class MailboxOut(Schema):
    address: str
    status: str
    retained_until: date | None


class SubscriptionOut(Schema):
    reference: str
    plan: str
    monthly_price_xpf: int
    started_on: date
    status: str
    ends_on: date | None
    access_line: str
    line_holder: str
    mailboxes: list[MailboxOut]


class CustomerOut(Schema):
    client_code: str
    name: str
    email: str
    phone: str
    language: str
    subscriptions: list[SubscriptionOut]


class RequestOut(Schema):
    reference: str
    client_code: str
    subscription: str
    status: str
    status_reason: str
    kind: str
    new_isp: str
    kind_detail: str
    channel: str
    received_at: datetime
    desired_date: date
    processing_date: date
    effective_date: date
    billing_end: date
    last_month_amount_xpf: int
    on_time_for_month_end: bool
    mailbox_retention_months: int
    form_status: str | None


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = Field(
        None, description="Pass it as `cursor` for the next page; null on the last page."
    )


class BilledMonth(Schema):
    month: str = Field(..., description="YYYY-MM")
    amount_xpf: int


class MailboxFate(Schema):
    address: str
    kept_until: date | None = Field(None, description="The last day it works, if kept")
    deleted_after: date | None = Field(None, description="Deleted after this day, if not kept")


class FinalInvoiceOut(Schema):
    reference: str
    status: str
    applies: bool = Field(..., description="False once the request is withdrawn or rejected")
    billing_end: date
    months_still_billed: list[BilledMonth]
    total_still_billed_xpf: int
    mailboxes: list[MailboxFate]


class QuoteOut(Schema):
    subscription: str
    desired_date: date
    processing_date: date
    effective_date: date
    billing_end: date
    month_end_deadline: str = Field(..., description="ISO 8601, Nouméa time")
    on_time_for_month_end: bool
    months_still_billed: list[BilledMonth]
    total_still_billed_xpf: int
    mailboxes: list[MailboxFate]


class FormOut(Schema):
    reference: str
    kind: str
    status: str
    line_number: str
    holder_name: str
    signed_at: datetime | None
    has_document: bool
    batch: str | None
    forwarded_at: datetime | None
    operator_answered_at: datetime | None
    operator_reference: str
    operator_refusal_reason: str


class RequestIn(Schema):
    client_code: text(20)  # type: ignore[valid-type]
    subscription: text(40)  # type: ignore[valid-type]
    desired_date: text(20) = Field(..., description="YYYY-MM-DD")  # type: ignore[valid-type]
    kind: text(20) = "definitive"  # type: ignore[valid-type]
    new_isp: text(100) = ""  # type: ignore[valid-type]
    kind_detail: text(500) = ""  # type: ignore[valid-type]
    mailbox_retention_months: StrictInt = 0
    phone_line_cancelled: StrictBool = False
    wants_phone_line_ended: StrictBool = False


class ReasonIn(Schema):
    reason: text(500)  # type: ignore[valid-type]


class AnswerIn(Schema):
    accepted: StrictBool
    operator_reference: text(100) = ""  # type: ignore[valid-type]
    reason: text(500) = ""  # type: ignore[valid-type]


class CustomerRowIn(Schema):
    """One customer's subscription, with the columns of the billing CSV import."""

    client_code: text(20)  # type: ignore[valid-type]
    name: text(200)  # type: ignore[valid-type]
    email: text(254)  # type: ignore[valid-type]
    phone: text(30) = ""  # type: ignore[valid-type]
    language: text(10) = "fr"  # type: ignore[valid-type]
    subscription_ref: text(40)  # type: ignore[valid-type]
    plan: text(100)  # type: ignore[valid-type]
    monthly_price_xpf: StrictInt
    started_on: text(20) = Field(..., description="YYYY-MM-DD")  # type: ignore[valid-type]
    access_line: text(20) = ""  # type: ignore[valid-type]
    line_holder: text(200) = ""  # type: ignore[valid-type]
    mailboxes: list[text(254)] = Field([], max_length=20)  # type: ignore[valid-type]


class BulkIn(Schema):
    items: list[CustomerRowIn]


class BulkItemOut(Schema):
    index: int
    client_code: str
    subscription_ref: str
    result: str = Field(..., description="created, updated, unchanged or rejected")
    error: str | None = None


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    items: list[BulkItemOut]


# --- Reads ----------------------------------------------------------------------------------


def _customer_out(customer: Customer) -> CustomerOut:
    subscriptions = customer.subscriptions.select_related("plan").prefetch_related("mailboxes")
    return CustomerOut(
        client_code=customer.client_code,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        subscriptions=[
            SubscriptionOut(
                reference=s.reference,
                plan=s.plan.name,
                monthly_price_xpf=s.plan.monthly_price_xpf,
                started_on=s.started_on,
                status=s.status,
                ends_on=s.ends_on,
                access_line=s.access_line,
                line_holder=s.line_holder,
                mailboxes=[
                    MailboxOut(address=m.address, status=m.status, retained_until=m.retained_until)
                    for m in s.mailboxes.all()
                ],
            )
            for s in subscriptions.order_by("started_on", "id")
        ],
    )


@router.get(
    "/customers/{client_code}",
    auth=read_key,
    response={200: CustomerOut, **ERRORS},
    summary="A customer with their subscriptions and mailboxes",
)
def get_customer(request: HttpRequest, client_code: str) -> CustomerOut:
    customer = Customer.objects.filter(client_code=client_code.strip().upper()).first()
    if customer is None:
        raise ApiError(404, "not_found", _("No customer has this client code."))
    return _customer_out(customer)


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


class RequestFilters(Schema):
    status: str | None = None
    kind: str | None = None
    channel: str | None = None
    form_status: str | None = None
    received_from: str | None = Field(None, description="YYYY-MM-DD (Nouméa)")
    received_to: str | None = Field(None, description="YYYY-MM-DD (Nouméa)")
    effective_from: str | None = None
    effective_to: str | None = None
    on_time: str | None = Field(None, description="yes or no")
    late: bool | None = None
    needs_action: bool | None = None
    q: str | None = Field(None, description="Reference, client code, name, e-mail, line")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)


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


class QuoteQuery(Schema):
    desired_date: str = Field(..., description="YYYY-MM-DD")
    kind: str = "definitive"
    new_isp: str = ""
    mailbox_retention_months: int = 0


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


def _form_out(form: AccessLineForm) -> FormOut:
    return FormOut(
        reference=form.request.reference,
        kind=form.kind,
        status=form.status,
        line_number=form.line_number,
        holder_name=form.holder_name,
        signed_at=form.signed_at,
        has_document=bool(form.document),
        batch=form.batch.reference if form.batch else None,
        forwarded_at=form.forwarded_at,
        operator_answered_at=form.operator_answered_at,
        operator_reference=form.operator_reference,
        operator_refusal_reason=form.operator_refusal_reason,
    )


def _get_form(reference: str) -> AccessLineForm:
    form = (
        AccessLineForm.objects.select_related("request", "batch")
        .filter(request__reference=reference.strip().upper())
        .first()
    )
    if form is None:
        raise ApiError(404, "not_found", _("This request has no line-access form."))
    return form


class FormFilters(Schema):
    status: str | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get(
    "/forms", auth=read_key, response={200: list[FormOut], **ERRORS}, summary="OPTimo forms"
)
def list_forms(request: HttpRequest, filters: Query[FormFilters]) -> list[FormOut]:
    forms = AccessLineForm.objects.select_related("request", "batch").order_by("-id")
    if filters.status:
        forms = forms.filter(status=filters.status)
    return [_form_out(f) for f in forms[filters.offset : filters.offset + filters.limit]]


@router.get(
    "/forms/{reference}",
    auth=read_key,
    response={200: FormOut, **ERRORS},
    summary="The OPTimo form of a request",
)
def get_form(request: HttpRequest, reference: str) -> FormOut:
    return _form_out(_get_form(reference))


@router.get(
    "/forms/{reference}/document",
    auth=read_key,
    response={200: None, **ERRORS},
    summary="The signed form (PDF or scan), as stored",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document, as a download",
                "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
            }
        }
    },
)
def get_form_document(request: HttpRequest, reference: str) -> HttpResponse:
    form = _get_form(reference)
    if not form.document:
        raise ApiError(404, "no_document", _("This form is not signed yet."))
    return document_response(form)


# --- Changes --------------------------------------------------------------------------------


@router.post(
    "/customers",
    auth=write_key,
    response={200: BulkOut, **ERRORS},
    summary="Create or update up to 1,000 customers' subscriptions (the CSV import's rules)",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def bulk_upsert(request: HttpRequest, payload: BulkIn) -> BulkOut:
    if len(payload.items) > BULK_MAX:
        raise ApiError(
            422, "too_many_items", _("At most %(max)s items per call.") % {"max": BULK_MAX}
        )
    rows = [
        (
            index,
            {
                **item.model_dump(exclude={"mailboxes", "monthly_price_xpf"}),
                "monthly_price_xpf": str(item.monthly_price_xpf),
                "mailboxes": " ".join(item.mailboxes),
            },
        )
        for index, item in enumerate(payload.items)
    ]
    summary, outcomes = import_rows(rows)
    errors = dict(summary.errors)
    items = [
        BulkItemOut(
            index=index,
            client_code=item.client_code,
            subscription_ref=item.subscription_ref,
            result="rejected" if index in errors else outcomes.get(index, "rejected"),
            error=errors.get(index),
        )
        for index, item in enumerate(payload.items)
    ]
    return BulkOut(
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=sum(1 for i in items if i.result == "rejected"),
        items=items,
    )


def _request_error(exc: RequestError) -> ApiError:
    status = 409 if exc.code in {"already_open", "changed", "not_open", "not_submitted"} else 422
    extra = {"existing": exc.existing.reference} if exc.existing is not None else {}
    return ApiError(status, exc.code, exc.message, **extra)


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
    try:
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
    except RequestError as exc:
        raise _request_error(exc) from None
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
    try:
        request_confirm(
            request=_get_request(reference),
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
        )
    except RequestError as exc:
        raise _request_error(exc) from None
    return _request_out(_get_request(reference))


@router.post(
    "/requests/{reference}/reject",
    auth=write_key,
    response={200: RequestOut, **ERRORS},
    summary="Reject an open request, with the reason e-mailed to the customer",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def reject_request(request: HttpRequest, reference: str, payload: ReasonIn) -> RequestOut:
    try:
        request_reject(
            request=_get_request(reference),
            actor=request.user,  # type: ignore[arg-type]
            reason=payload.reason,
            ip=client_ip(request),
        )
    except RequestError as exc:
        raise _request_error(exc) from None
    return _request_out(_get_request(reference))


@router.post(
    "/requests/{reference}/withdraw",
    auth=write_key,
    response={200: RequestOut, **ERRORS},
    summary="Withdraw an open request on the customer's behalf (until R9's deadline)",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def withdraw_request(request: HttpRequest, reference: str, payload: ReasonIn) -> RequestOut:
    try:
        request_withdraw(
            request=_get_request(reference),
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
            on_behalf_reason=payload.reason,
        )
    except RequestError as exc:
        raise _request_error(exc) from None
    return _request_out(_get_request(reference))


@router.post(
    "/forms/{reference}/answer",
    auth=write_key,
    response={200: FormOut, **ERRORS},
    summary="Record the operator's answer to a forwarded form",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def record_answer(request: HttpRequest, reference: str, payload: AnswerIn) -> FormOut:
    try:
        form_record_answer(
            form=_get_form(reference),
            accepted=payload.accepted,
            operator_reference=payload.operator_reference,
            reason=payload.reason,
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
        )
    except FormError as exc:
        raise ApiError(409 if exc.code.startswith("not_") else 422, exc.code, exc.message) from None
    return _form_out(_get_form(reference))
