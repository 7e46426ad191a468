"""Customers in the integration API: one read with its subscriptions and mailboxes,
and the billing system's bulk upsert (the CSV import's rules)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from api.auth import read_key, write_key
from api.errors import ApiError
from api.idempotency import idempotent
from api.schemas import (
    BULK_MAX,
    ERRORS,
    IDEMPOTENCY,
    BulkIn,
    BulkItemOut,
    BulkOut,
    CustomerOut,
    MailboxOut,
    SubscriptionOut,
)
from customers.importer import import_rows
from customers.models import Customer

router = Router(tags=["integration"])


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
                switching_code=s.switching_code,
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
