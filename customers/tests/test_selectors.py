from datetime import date, timedelta

import pytest
from django.db import connection
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


def test_the_subscriptions_come_by_start_date_with_their_mailboxes_by_address(
    varied: Customer,
) -> None:
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
    assert [s.reference for s in active] == ["SUB-A-1", "SUB-A-2"]


def test_two_queries_whatever_the_number_of_subscriptions(
    varied: Customer, plans: dict[str, Plan]
) -> None:
    def read() -> int:
        with CaptureQueriesContext(connection) as queries:
            for subscription in subscriptions_for_customer(varied):
                [box.subscription.reference for box in subscription.mailboxes.all()]
                subscription.plan.name  # noqa: B018
        return len(queries)

    assert read() == 2
    for n in range(5):
        more = Subscription.objects.create(
            reference=f"SUB-A-X{n}",
            customer=varied,
            plan=plans["adsl"],
            started_on=date(2024, 1, 1),
        )
        Mailbox.objects.create(subscription=more, address=f"x{n}@mls.nc")
    assert read() == 2


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
