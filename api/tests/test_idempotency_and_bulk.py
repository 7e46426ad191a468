"""Idempotency-Key on every POST, and the bulk upsert that shares the CSV import's code."""

import io
import threading
from collections.abc import Callable
from datetime import datetime

import pytest
import time_machine
from django.db import DatabaseError, connection, connections, transaction

from cancellations.models import CancellationRequest
from customers.import_rows import HEADER
from customers.importer import import_csv
from customers.models import Customer, Mailbox, Plan, Subscription
from notifications.models import OutboundEmail
from testing.helpers import Call, submit
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db
PAYLOAD = {
    "client_code": "C100001",
    "subscription": "SUB-A-1",
    "desired_date": "2026-12-31",
    "kind": "definitive",
}


@pytest.fixture(autouse=True)
def _friday() -> object:
    with time_machine.travel(datetime(2026, 11, 27, 9, tzinfo=NOUMEA), tick=True):
        yield


def test_the_same_key_and_body_replays_the_first_answer(api: Call, alice: Customer) -> None:
    headers = {"Idempotency-Key": "create-1"}
    first = api("post", "/api/v1/requests", json_body=PAYLOAD, headers=headers)
    again = api("post", "/api/v1/requests", json_body=PAYLOAD, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    # Byte for byte, whatever the database does to JSON (PostgreSQL's jsonb reorders keys).
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json; charset=utf-8"
    assert CancellationRequest.objects.count() == 1
    assert OutboundEmail.objects.filter(template="request_received").count() == 1


def test_the_same_key_with_another_body_is_refused(api: Call, alice: Customer) -> None:
    headers = {"Idempotency-Key": "create-2"}
    api("post", "/api/v1/requests", json_body=PAYLOAD, headers=headers)
    other = api(
        "post",
        "/api/v1/requests",
        json_body={**PAYLOAD, "subscription": "SUB-A-2"},
        headers=headers,
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert CancellationRequest.objects.count() == 1


def test_a_refusal_is_replayed_too(api: Call, alice: Customer) -> None:
    request = submit(alice, "SUB-A-1")
    headers = {"Idempotency-Key": "confirm-1"}
    path = f"/api/v1/requests/{request.reference}/reject"
    first = api("post", path, json_body={"reason": ""}, headers=headers)
    again = api("post", path, json_body={"reason": ""}, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


def test_keys_are_per_api_key(api: Call, alice: Customer, keys: dict[str, str]) -> None:
    from api.keys import api_key_create
    from api.models import ApiKey

    other_user = ApiKey.objects.get(name="Facturation").created_by
    _, other = api_key_create(name="Autre", scope="write", expires_at=None, actor=other_user)  # type: ignore[arg-type]
    headers = {"Idempotency-Key": "same"}
    api("post", "/api/v1/requests", json_body=PAYLOAD, headers=headers)
    second = api(
        "post",
        "/api/v1/requests",
        key=other,
        json_body={**PAYLOAD, "subscription": "SUB-A-2"},
        headers=headers,
    )
    assert second.status_code == 201


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_two_concurrent_calls_with_one_key_have_one_effect(api: Call, alice: Customer) -> None:
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def call() -> None:
        try:
            barrier.wait(timeout=10)
            response = api(
                "post", "/api/v1/requests", json_body=PAYLOAD, headers={"Idempotency-Key": "race"}
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert CancellationRequest.objects.count() == 1
    assert OutboundEmail.objects.filter(template="request_received").count() == 1
    # The later calls waited for the first to commit, then replayed its answer.
    assert statuses == [201] * 4


ROWS = [
    {
        "client_code": "C200001",
        "name": "Hoàng Thị Mai",
        "email": "mai@example.nc",
        "phone": "25 43 18",
        "language": "fr",
        "plan": "Fibre 300",
        "monthly_price_xpf": 8900,
        "subscription_ref": "SUB-M-1",
        "started_on": "2024-02-01",
        "access_line": "254399",
        "line_holder": "Hoàng Thị Mai",
        "mailboxes": ["mai@mls.nc"],
    },
    {
        "client_code": "C200002",
        "name": "Paul Wamytan",
        "email": "not-an-email",
        "plan": "Fibre 300",
        "monthly_price_xpf": 8900,
        "subscription_ref": "SUB-P-1",
        "started_on": "2024-02-01",
    },
]


def _csv(rows: list[dict[str, object]]) -> bytes:
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    for row in rows:
        values = {**row, "mailboxes": " ".join(row.get("mailboxes", []))}  # type: ignore[arg-type]
        out.write(",".join(str(values.get(column, "")) for column in HEADER) + "\n")
    return out.getvalue().encode()


def _snapshot() -> list[tuple[object, ...]]:
    return sorted(
        [
            *Customer.objects.values_list("client_code", "name", "email", "phone", "language"),
            *Subscription.objects.values_list(
                "reference", "customer__client_code", "plan__name", "started_on", "access_line"
            ),
            *Mailbox.objects.values_list("address", "subscription__reference", "status"),
            *Plan.objects.values_list("name", "monthly_price_xpf"),
        ],
        key=repr,
    )


def test_bulk_upsert_writes_what_the_csv_import_writes(api: Call, db: None) -> None:
    response = api("post", "/api/v1/customers", json_body={"items": ROWS})
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert body["items"][0]["result"] == "created"
    assert body["items"][1]["result"] == "rejected" and "email" in body["items"][1]["error"]
    through_api = _snapshot()
    # The same rows through the CSV import, on an empty database: the same result.
    Mailbox.objects.all().delete()
    Subscription.objects.all().delete()
    Customer.objects.all().delete()
    Plan.objects.all().delete()
    summary = import_csv(io.BytesIO(_csv(ROWS)))
    assert (summary.created, len(summary.errors)) == (1, 1)
    assert _snapshot() == through_api
    # Sent again, changed: per item, updated or unchanged.
    again = api(
        "post",
        "/api/v1/customers",
        json_body={"items": [ROWS[0], {**ROWS[0], "subscription_ref": "SUB-M-2", "mailboxes": []}]},
    ).json()
    assert [i["result"] for i in again["items"]] == ["unchanged", "created"]


def test_bulk_upsert_takes_at_most_1000_items(api: Call, db: None) -> None:
    response = api("post", "/api/v1/customers", json_body={"items": [ROWS[0]] * 1001})
    assert response.status_code == 422 and response.json()["code"] == "too_many_items"


def _drop_the_connection() -> None:
    """The database goes away under the request: PostgreSQL ends its session."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def _post_through_a_dropped_connection(api: Call, side_effect: Callable[..., object]) -> None:
    from unittest import mock

    patched = mock.patch("api.requests.request_submit", side_effect=side_effect)
    with patched, pytest.raises(DatabaseError):
        api("post", "/api/v1/requests", json_body=PAYLOAD, headers={"Idempotency-Key": "k-1"})
    connection.close()  # as Django does at the end of a request whose connection broke


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="ends a PostgreSQL session")
def test_a_retry_after_the_database_dropped_mid_work_does_the_work(
    api: Call, alice: Customer
) -> None:
    from cancellations.submission import request_submit

    def dropped_mid_work(**kwargs: object) -> object:
        request_submit(**kwargs)  # type: ignore[arg-type]
        _drop_the_connection()  # before the commit
        raise AssertionError("unreachable")

    _post_through_a_dropped_connection(api, side_effect=dropped_mid_work)
    assert not CancellationRequest.objects.exists()
    retry = api("post", "/api/v1/requests", json_body=PAYLOAD, headers={"Idempotency-Key": "k-1"})
    assert retry.status_code == 201, retry.json()  # not 409 "in progress" for a day
    assert CancellationRequest.objects.get().reference == retry.json()["reference"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="ends a PostgreSQL session")
def test_a_retry_after_the_answer_was_lost_gets_the_first_answer(
    api: Call, alice: Customer
) -> None:
    from cancellations.submission import request_submit

    def answer_lost(**kwargs: object) -> object:
        created = request_submit(**kwargs)  # type: ignore[arg-type]
        transaction.on_commit(_drop_the_connection)  # committed, then the client hears nothing
        return created

    _post_through_a_dropped_connection(api, side_effect=answer_lost)
    (created,) = CancellationRequest.objects.all()
    retry = api("post", "/api/v1/requests", json_body=PAYLOAD, headers={"Idempotency-Key": "k-1"})
    assert retry.status_code == 201 and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["reference"] == created.reference
    assert CancellationRequest.objects.count() == 1
