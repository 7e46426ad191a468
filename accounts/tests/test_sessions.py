"""The session store (accounts/sessions.py) and the user backend (accounts/backends.py):
what every logged-in page reads first."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
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


def test_the_user_and_their_customer_are_read_in_one_query(alice_client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert alice_client.get(HOME).status_code == 200
    reads = [_tables(query["sql"]) for query in queries if query["sql"].startswith("SELECT")]
    assert [tables for tables in reads if "accounts_user" in tables] == [
        ["accounts_user", "customers_customer"]
    ]
    assert sum(tables.count("customers_customer") for tables in reads) == 1


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
