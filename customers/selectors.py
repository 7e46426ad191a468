"""The customer's subscriptions, as the client area's pages and the cancellation form
show them: each with its plan and its mailboxes."""

from django.db.models import Prefetch

from customers.models import Customer, Mailbox, Subscription, SubscriptionStatus


def subscriptions_for_customer(
    customer: Customer, *, active_only: bool = False
) -> list[Subscription]:
    """The customer's subscriptions (or only the active ones) by start date, each with its
    plan and its mailboxes by address: two queries, whatever their number."""
    subscriptions = (
        Subscription.objects.filter(customer=customer)
        .select_related("plan")
        .prefetch_related(Prefetch("mailboxes", queryset=Mailbox.objects.order_by("address")))
        .order_by("started_on", "reference")
    )
    if active_only:
        subscriptions = subscriptions.filter(status=SubscriptionStatus.ACTIVE)
    return list(subscriptions)
