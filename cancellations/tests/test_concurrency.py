"""R8 under concurrency: the database, not only Python, keeps one open request."""

import threading
from datetime import date, datetime

import pytest
from django.db import IntegrityError, connection, connections, transaction

from cancellations.drafts import Draft
from cancellations.errors import RequestError
from cancellations.models import CancellationRequest
from cancellations.submission import request_submit
from customers.models import Customer
from toolbox.noumea import NOUMEA

NOW = datetime(2026, 11, 26, 10, tzinfo=NOUMEA)


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_request(alice: Customer) -> None:
    first = request_submit(
        customer=alice,
        draft=Draft(
            subscription=alice.subscriptions.get(reference="SUB-A-1"),
            desired_date=date(2026, 12, 31),
            kind="definitive",
        ),
        actor=None,
        now=NOW,
    )
    clone = CancellationRequest.objects.get(pk=first.pk)
    clone.pk = None
    clone.reference = "RES-2026-999999"
    clone.idempotency_key = ""
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_simultaneous_submissions_create_exactly_one_request(alice: Customer) -> None:
    subscription = alice.subscriptions.get(reference="SUB-A-1")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def submit(key: str) -> None:
        try:
            barrier.wait(timeout=10)
            request_submit(
                customer=alice,
                draft=Draft(
                    subscription=subscription, desired_date=date(2026, 12, 31), kind="definitive"
                ),
                actor=None,
                idempotency_key=key,
                now=NOW,
            )
            outcomes.append("created")
        except RequestError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(f"key-{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already_open"] * 7 + ["created"]
    assert CancellationRequest.objects.filter(subscription=subscription).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_the_same_key_submitted_at_once_returns_one_request(alice: Customer) -> None:
    subscription = alice.subscriptions.get(reference="SUB-A-1")
    barrier = threading.Barrier(4)
    references: list[str] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            request = request_submit(
                customer=alice,
                draft=Draft(
                    subscription=subscription, desired_date=date(2026, 12, 31), kind="definitive"
                ),
                actor=None,
                idempotency_key="double-click",
                now=NOW,
            )
            references.append(request.reference)
        except RequestError as exc:
            references.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert CancellationRequest.objects.count() == 1
    assert set(references) == {CancellationRequest.objects.get().reference}
