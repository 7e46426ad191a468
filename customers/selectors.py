from django.db.models import Prefetch, QuerySet

from customers.models import Customer, Mailbox, Subscription


def subscriptions_for_customer(customer: Customer) -> QuerySet[Subscription]:
    """The customer's subscriptions with their plan and mailboxes, in two queries."""
    return (
        Subscription.objects.filter(customer=customer)
        .select_related("plan")
        .prefetch_related(Prefetch("mailboxes", queryset=Mailbox.objects.order_by("address")))
        .order_by("started_on", "reference")
    )
