"""The customer's subscriptions, as the client area's pages and the cancellation form
show them: each with its plan and its mailboxes."""

from django.db.models import Prefetch

from customers.models import Customer, Mailbox, Subscription, SubscriptionStatus

MAILBOXES = Prefetch("mailboxes", queryset=Mailbox.objects.order_by("address"))


def subscriptions_for_customer(
    customer: Customer, *, active_only: bool = False, with_mailboxes: bool = True
) -> list[Subscription]:
    """The customer's subscriptions (or only the active ones) by start date, each with its
    plan and (unless the caller shows none) its mailboxes by address: one query, and one
    more for the mailboxes, whatever their number."""
    subscriptions = (
        Subscription.objects.filter(customer=customer)
        .select_related("plan")
        .order_by("started_on", "reference")
    )
    if active_only:
        subscriptions = subscriptions.filter(status=SubscriptionStatus.ACTIVE)
    if with_mailboxes:
        subscriptions = subscriptions.prefetch_related(MAILBOXES)
    return list(subscriptions)
