from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Prefetch
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import (
    Customer,
    Mailbox,
    MailboxStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from customers.selectors import subscriptions_for_customer

pytestmark = pytest.mark.django_db


def _as_the_orm_reads_them(customer: Customer, **only: object) -> list[Subscription]:
    return list(
        Subscription.objects.filter(customer=customer, **only)
        .select_related("plan")
        .prefetch_related(Prefetch("mailboxes", queryset=Mailbox.objects.order_by("address")))
        .order_by("started_on", "reference")
    )


def _shown(subscriptions: list[Subscription]) -> list[tuple[object, ...]]:
    """Every value a page can show: the subscription's, its plan's, its mailboxes'."""
    fields = Subscription._meta.concrete_fields
    return [
        (
            tuple(getattr(s, f.attname) for f in fields),
            tuple(getattr(s.plan, f.attname) for f in Plan._meta.concrete_fields),
            [
                tuple(getattr(box, f.attname) for f in Mailbox._meta.concrete_fields)
                for box in s.mailboxes.all()
            ],
        )
        for s in subscriptions
    ]


@pytest.fixture
def varied(alice: Customer, bob: Customer, plans: dict[str, Plan]) -> Customer:
    """Alice with an ended subscription, a kept mailbox with its dates, three mailboxes
    on one subscription out of order, and none on another."""
    ended = Subscription.objects.create(
        reference="SUB-A-0",
        customer=alice,
        plan=plans["fibre"],
        started_on=date(2019, 1, 1),
        status=SubscriptionStatus.TERMINATED,
        ends_on=date(2020, 12, 31),
    )
    Mailbox.objects.create(
        subscription=ended,
        address="ancien@mls.nc",
        status=MailboxStatus.RETAINED,
        retained_until=date(2021, 3, 31),
        deletion_reminder_sent_at=timezone.now() - timedelta(days=3),
    )
    Mailbox.objects.create(
        subscription=alice.subscriptions.get(reference="SUB-A-1"), address="a@mls.nc"
    )
    return alice


def test_the_subscriptions_are_read_as_the_orm_reads_them(varied: Customer) -> None:
    assert _shown(subscriptions_for_customer(varied)) == _shown(_as_the_orm_reads_them(varied))
    assert [s.reference for s in subscriptions_for_customer(varied)] == [
        "SUB-A-0",
        "SUB-A-1",
        "SUB-A-2",
    ]
    first = subscriptions_for_customer(varied)[1]
    assert [box.address for box in first.mailboxes.all()] == [
        "a@mls.nc",
        "alice@mls.nc",
        "famille@mls.nc",
    ]


def test_only_the_active_ones_when_asked(varied: Customer) -> None:
    active = subscriptions_for_customer(varied, active_only=True)
    assert _shown(active) == _shown(_as_the_orm_reads_them(varied, status="active"))
    assert [s.reference for s in active] == ["SUB-A-1", "SUB-A-2"]


def test_one_query_and_nothing_more_when_the_page_reads_them(varied: Customer) -> None:
    with CaptureQueriesContext(connection) as queries:
        for subscription in subscriptions_for_customer(varied):
            [box.subscription.reference for box in subscription.mailboxes.all()]
            subscription.plan.name  # noqa: B018
            subscription.customer_id  # noqa: B018
    assert len(queries) == 1


def test_only_the_customers_own(varied: Customer, bob: Customer) -> None:
    assert [s.reference for s in subscriptions_for_customer(bob)] == ["SUB-B-1"]
    assert {s.customer_id for s in subscriptions_for_customer(varied)} == {varied.pk}
    nobody = Customer.objects.create(client_code="C100009", name="N", email="n@example.nc")
    assert subscriptions_for_customer(nobody) == []


def test_a_filter_on_the_mailboxes_still_reads_this_subscriptions_own(varied: Customer) -> None:
    first = subscriptions_for_customer(varied)[1]
    assert list(
        first.mailboxes.filter(address__startswith="a").values_list("address", flat=True)
    ) == [
        "a@mls.nc",
        "alice@mls.nc",
    ]
