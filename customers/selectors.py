"""The customer's subscriptions, as the client area's pages and the cancellation form
show them: each with its plan and its mailboxes."""

from functools import cache

from django.db import router

from customers.models import Customer, Mailbox, Plan, Subscription, SubscriptionStatus
from resilia.rows import Columns, columns, read

type _Query = tuple[str, Columns[Subscription], Columns[Plan], Columns[Mailbox]]


@cache
def _query(alias: str, *, active_only: bool) -> _Query:
    subscription = columns(alias, Subscription, "s")
    plan = columns(alias, Plan, "p")
    mailbox = columns(alias, Mailbox, "m")
    where = f"{subscription.column('customer')} = %s"
    if active_only:
        where += f" AND {subscription.column('status')} = %s"
    sql = (
        f"SELECT {subscription.sql}, {plan.sql}, {mailbox.sql}"  # noqa: S608
        f" FROM {subscription.from_table()}"
        f" INNER JOIN {plan.from_table()} ON {plan.column('id')} = {subscription.column('plan')}"
        f" LEFT JOIN {mailbox.from_table()}"
        f" ON {mailbox.column('subscription')} = {subscription.column('id')}"
        f" WHERE {where} ORDER BY {subscription.column('started_on')},"
        f" {subscription.column('reference')}, {mailbox.column('address')}"
    )
    return sql, subscription, plan, mailbox


def subscriptions_for_customer(
    customer: Customer, *, active_only: bool = False
) -> list[Subscription]:
    """The customer's subscriptions (or only the active ones) by start date, each with its
    plan and its mailboxes by address, in one query written once per process (`resilia.
    rows`): every page of the client area and every step of the form reads them."""
    alias = router.db_for_read(Subscription)
    sql, subscriptions, plans, mailboxes = _query(alias, active_only=active_only)
    values: list[object] = [customer.pk]
    if active_only:
        values.append(SubscriptionStatus.ACTIVE.value)
    found: dict[object, tuple[Subscription, list[Mailbox]]] = {}
    for row in read(alias, sql, values):
        key = row[subscriptions.key]
        if key not in found:
            subscription = subscriptions.make(row)
            assert subscription is not None  # the inner side of the join
            Subscription.plan.field.set_cached_value(
                subscription, plans.make(row, subscriptions.width)
            )
            found[key] = (subscription, [])
        subscription, boxes = found[key]
        mailbox = mailboxes.make(row, subscriptions.width + plans.width)
        if mailbox is not None:
            Mailbox.subscription.field.set_cached_value(mailbox, subscription)
            boxes.append(mailbox)
    for subscription, boxes in found.values():
        _prefetched(subscription, boxes)
    return [subscription for subscription, _boxes in found.values()]


def _prefetched(subscription: Subscription, boxes: list[Mailbox]) -> None:
    """`subscription.mailboxes.all()` answers `boxes` without a query, as after the ORM's
    `prefetch_related("mailboxes")`."""
    queryset = subscription.mailboxes.get_queryset()
    queryset._result_cache = boxes
    queryset._prefetch_done = True  # type: ignore[attr-defined]  # Django's own marks
    cache_name = Mailbox.subscription.field.remote_field.cache_name
    subscription._prefetched_objects_cache = {cache_name: queryset}  # type: ignore[attr-defined]
