from django.db.models import Prefetch, QuerySet

from cancellations.models import CancellationRequest, RequestEvent
from customers.models import Customer, Mailbox, Subscription
from customers.selectors import subscriptions_for_customer
from notifications.models import OutboundEmail


def cancellable_subscriptions(
    customer: Customer, *, with_mailboxes: bool = True
) -> list[Subscription]:
    """The customer's active subscriptions (with an open request they are not active)."""
    return subscriptions_for_customer(customer, active_only=True, with_mailboxes=with_mailboxes)


def requests_for_customer(customer: Customer) -> QuerySet[CancellationRequest]:
    # `switch`: a change of provider placed by the new provider (the switching app).
    return CancellationRequest.objects.filter(customer=customer).select_related(
        "subscription__plan", "switch"
    )


def request_of_customer(customer: Customer, reference: str) -> CancellationRequest | None:
    """The customer's request with this reference and what its page shows, or None (the
    one way the client area reaches a request: another's is never found)."""
    return (
        requests_for_customer(customer)
        .select_related("access_form")
        .prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.order_by("at", "id")),
            Prefetch("subscription__mailboxes", queryset=Mailbox.objects.order_by("address")),
        )
        .filter(reference=reference)
        .first()
    )


def emails_for_request(request: CancellationRequest) -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(
        customer_id=request.customer_id, related_reference=request.reference
    ).order_by("created_at", "id")
