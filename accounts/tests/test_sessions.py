"""The session store (accounts/sessions.py) and the user backend (accounts/backends.py):
what every logged-in page reads first."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Session, User
from accounts.sessions import SessionStore
from customers.models import Customer

pytestmark = pytest.mark.django_db
HOME = reverse("portal:home")


def _the_session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_a_session_counts_until_its_expiry_and_not_a_second_after(
    alice_client: Client,
) -> None:
    expiry = _the_session(alice_client).expire_date
    with time_machine.travel(expiry - timedelta(seconds=1), tick=False):
        assert alice_client.get(HOME).status_code == 200
    with time_machine.travel(expiry + timedelta(seconds=1), tick=False):
        response = alice_client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))


def test_a_logged_out_session_cannot_be_replayed(alice: Customer) -> None:
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    stolen = client.cookies["sessionid"].value
    client.post(reverse("portal:logout"))
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(HOME).status_code == 302
    assert not Session.objects.filter(session_key=stolen).exists()


def test_an_unknown_session_key_is_an_anonymous_visitor(alice: Customer) -> None:
    visitor = Client()
    visitor.cookies["sessionid"] = "x" * 32
    assert visitor.get(HOME).status_code == 302


def _tables(sql: str) -> list[str]:
    """The tables a SELECT reads (after FROM and each JOIN)."""
    words = sql.replace("(", " ").split()
    return [words[i + 1].strip('"') for i, word in enumerate(words) if word in ("FROM", "JOIN")]


def _reads(client: Client) -> list[list[str]]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return [_tables(query["sql"]) for query in queries if query["sql"].startswith("SELECT")]


def test_the_session_its_user_and_their_customer_are_read_in_one_query(
    alice_client: Client,
) -> None:
    reads = _reads(alice_client)
    assert [tables for tables in reads if "accounts_user" in tables] == [
        ["accounts_session", "accounts_user", "customers_customer"]
    ]
    assert sum(tables.count("accounts_session") for tables in reads) == 1
    assert sum(tables.count("customers_customer") for tables in reads) == 1


def test_a_session_keeps_its_users_id_in_a_column(alice: Customer) -> None:
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    assert _the_session(client).user_id == alice.user.pk  # type: ignore[union-attr]
    anonymous = SessionStore()
    anonymous["seen"] = True
    anonymous.save()
    assert Session.objects.get(pk=anonymous.session_key).user_id is None  # type: ignore[attr-defined]


def test_a_session_without_its_users_column_still_finds_its_user(alice: Customer) -> None:
    """As a session saved before the column existed, had the migration not filled it:
    the user is read on their own, and the customer still logged in."""
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    Session.objects.filter(pk=client.cookies["sessionid"].value).update(user=None)
    reads = _reads(client)
    assert ["accounts_user", "customers_customer"] in reads
    assert alice.name in client.get(HOME).text


def test_a_session_whose_column_names_another_user_is_not_trusted(
    alice: Customer, bob: Customer
) -> None:
    """Only the signed data says who is logged in; the column is a way to read them
    sooner, and a column that disagrees is ignored."""
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    Session.objects.filter(pk=client.cookies["sessionid"].value).update(user=bob.user)
    page = client.get(HOME).text
    assert alice.name in page
    assert bob.name not in page


def test_a_disabled_account_is_logged_out_at_its_next_page(alice: Customer) -> None:
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    User.objects.filter(customer=alice).update(is_active=False)
    assert client.get(HOME).status_code == 302


def test_a_staff_member_is_loaded_without_a_customer(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    response = client.get(reverse("backoffice:dashboard"))
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert response.wsgi_request.user.is_customer is False  # type: ignore[union-attr]
    assert len(queries) == 0


def test_a_session_naming_a_deleted_user_is_an_anonymous_visitor(alice: Customer) -> None:
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    session = client.session
    session["_auth_user_id"] = "99999999"
    session.save()
    assert client.get(HOME).status_code == 302


def test_clearsessions_deletes_the_expired_sessions_and_keeps_the_live_ones(
    alice: Customer,
) -> None:
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    live = client.cookies["sessionid"].value
    expired = SessionStore()
    expired["seen"] = True
    expired.set_expiry(-60)
    expired.save()
    call_command("clearsessions")
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
