from datetime import date

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from audit.models import AuditEntry
from customers.models import Customer, Mailbox, MailboxStatus, Plan, Subscription
from notifications.models import OutboundEmail
from resilia.rows import among, columns, insert, read


def _customer(code: str) -> Customer | None:
    """A customer by client code, read the way the session and subscription reads are."""
    selected = columns("default", Customer, "c")
    sql = (
        f"SELECT {selected.sql} FROM {selected.from_table()}"  # noqa: S608
        f" WHERE {selected.column('client_code')} = %s"
    )
    rows = read("default", sql, [code])
    return selected.make(rows[0]) if rows else None


@pytest.mark.django_db
def test_it_reads_the_matching_row_with_its_values_converted(alice: Customer) -> None:
    found = _customer(alice.client_code)
    assert found is not None and found.pk == alice.pk
    assert found.created_at == Customer.objects.get(pk=alice.pk).created_at
    assert found._state.adding is False and found._state.db == "default"


@pytest.mark.django_db
def test_it_answers_none_when_no_row_matches(alice: Customer) -> None:
    assert _customer("C999999") is None


@pytest.mark.django_db
def test_the_missing_side_of_an_outer_join_is_none(alice: Customer) -> None:
    staff = User.objects.create_user(username="agent", password="x-long-enough-1")
    users, customers = columns("default", User, "u"), columns("default", Customer, "c")
    sql = (
        f"SELECT {users.sql}, {customers.sql} FROM {users.from_table()}"  # noqa: S608
        f" LEFT JOIN {customers.from_table()} ON {customers.column('user')} = {users.column('id')}"
        f" WHERE {users.column('id')} IN (%s, %s) ORDER BY {users.column('id')}"
    )
    found = {
        row[0]: (users.make(row), customers.make(row, users.width))
        for row in read("default", sql, [alice.user_id, staff.pk])
    }
    alices_customer = found[alice.user_id][1]
    assert alices_customer is not None and alices_customer.pk == alice.pk
    assert found[staff.pk][0] is not None and found[staff.pk][1] is None


def test_it_refuses_a_name_that_is_not_a_column() -> None:
    with pytest.raises(ValueError, match="not a column"):
        columns("default", Customer, "c").column("subscriptions")


@pytest.mark.django_db
def test_its_reads_are_logged_as_every_query(alice: Customer) -> None:
    with CaptureQueriesContext(connection) as queries:
        _customer(alice.client_code)
    assert len(queries) == 1 and '"client_code" = ' in queries[0]["sql"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_on_postgresql_a_text_run_often_is_prepared_and_still_answers(alice: Customer) -> None:
    for _ in range(settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] + 1):
        found = _customer(alice.client_code)
        assert found is not None and found.pk == alice.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert [s for s in prepared if '"customers_customer"' in s and "client_code" in s]
    assert _customer("C999999") is None


@pytest.mark.django_db
def test_inserted_rows_read_back_as_the_orm_wrote_them(plans: dict[str, Plan]) -> None:
    """`insert` (the billing import's writer) against `bulk_create`: the same values,
    the defaults and the auto dates included, and the ids given to the instances."""
    written = [
        Customer(client_code=f"C9{n}", name=f"Client {n}", email=f"c{n}@example.nc")
        for n in range(3)
    ]
    insert("default", written, "client_code")
    assert all(customer.pk for customer in written)
    subscription = Subscription(
        reference="SUB-X", customer=written[1], plan=plans["fibre"], started_on=date(2024, 2, 29)
    )
    insert("default", [subscription], "reference")
    insert("default", [Mailbox(subscription=subscription, address="x@mls.nc")])

    read_back = Customer.objects.get(client_code="C91")
    assert read_back.pk == written[1].pk and read_back.name == "Client 1"
    assert read_back.language == "fr" and read_back.user_id is None  # the model's defaults
    assert read_back.created_at == written[1].created_at  # aware, to the microsecond
    assert read_back.updated_at == read_back.created_at
    stored = Subscription.objects.get(pk=subscription.pk)
    assert stored.customer_id == read_back.pk and stored.plan_id == plans["fibre"].pk
    assert stored.started_on == date(2024, 2, 29) and stored.status == "active"
    box = Mailbox.objects.get(address="x@mls.nc")
    assert box.subscription_id == subscription.pk and box.status == MailboxStatus.ACTIVE


@pytest.mark.django_db
def test_without_returning_the_ids_are_read_back_by_key(
    plans: dict[str, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database that cannot return the inserted rows (SQLite before 3.35)."""
    monkeypatch.setattr(connection.features, "can_return_rows_from_bulk_insert", False)
    written = [Customer(client_code=f"C8{n}", name="N", email="n@example.nc") for n in range(3)]
    insert("default", written, "client_code")
    assert [c.pk for c in written] == [
        Customer.objects.get(client_code=f"C8{n}").pk for n in range(3)
    ]


@pytest.mark.django_db
def test_among_reads_the_rows_of_the_keys_given_as_the_orm_would(
    alice: Customer, bob: Customer
) -> None:
    """`among` (the billing import's lookups) against `in_bulk` and `select_related`:
    the same rows by key, the related row joined, unknown keys left out, in one query."""
    with CaptureQueriesContext(connection) as queries:
        found = among(
            "default", Subscription, "reference", ["SUB-A-2", "SUB-B-1", "SUB-Z"], "customer"
        )
    assert len(queries) == 1
    assert set(found) == {"SUB-A-2", "SUB-B-1"}
    expected = Subscription.objects.select_related("customer").get(reference="SUB-B-1")
    got = found["SUB-B-1"]
    assert (got.pk, got.customer_id, got.plan_id, got.started_on, got.access_line) == (
        expected.pk,
        expected.customer_id,
        expected.plan_id,
        expected.started_on,
        expected.access_line,
    )
    with CaptureQueriesContext(connection) as queries:
        assert got.customer.client_code == bob.client_code  # joined: no query
        assert found["SUB-A-2"].customer.created_at == alice.created_at  # converted
    assert len(queries) == 0
    boxes = among("default", Mailbox, "address", ["alice@mls.nc", "bob@mls.nc"], "subscription")
    assert boxes["alice@mls.nc"].subscription.reference == "SUB-A-1"
    customers = among("default", Customer, "client_code", [alice.client_code, "C999999"])
    assert list(customers) == [alice.client_code] and customers[alice.client_code].pk == alice.pk
    assert among("default", Customer, "client_code", []) == {}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's arrays")
def test_the_arrays_bind_on_django_s_own_postgresql_backend_too(
    alice: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without this project's backend (its cursors binding on the server), Django's
    client-side cursors write the binary-bound (`%b`) arrays into the text."""
    monkeypatch.delattr(type(connections["default"]), "prepared_cursor")
    assert among("default", Customer, "client_code", [alice.client_code])[alice.client_code]
    written = [Customer(client_code="C70", name="N", email="n@example.nc")]
    insert("default", written, "client_code")
    assert written[0].pk == Customer.objects.get(client_code="C70").pk


@pytest.mark.django_db
def test_inserted_json_text_and_addresses_read_back_as_written(alice: Customer) -> None:
    """The daily run's writers (audit entries, queued e-mails) through `insert`: JSON,
    long text and an IP address, as the ORM reads them back."""
    entries = [
        AuditEntry(
            actor_label="system",
            action="request.complete",
            object_type="x",
            object_id="1",
            ip="10.0.0.1",
            data={"months": [1, 3], "note": "é — œ"},
        ),
        AuditEntry(actor_label="system", action="request.complete", object_type="x", object_id="2"),
    ]
    insert("default", entries)
    first, second = AuditEntry.objects.order_by("object_id")
    assert (first.ip, first.data, first.at is not None) == (
        "10.0.0.1",
        {"months": [1, 3], "note": "é — œ"},
        True,
    )
    assert (second.ip, second.data) == (None, {})
    email = OutboundEmail(
        template="request_completed",
        language="fr",
        to="a@example.nc",
        body_text="ligne\n" * 2000,
        customer=alice,
        render_ref={"request": 7},
    )
    insert("default", [email])
    stored = OutboundEmail.objects.get(to="a@example.nc")
    assert stored.render_ref == {"request": 7} and stored.body_text == "ligne\n" * 2000
    assert stored.attachments == [] and stored.status == "queued"
