"""Django's database sessions and the user backend (accounts/backends.py): what every
logged-in page reads first."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
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


def test_the_user_comes_with_their_customer_record(alice: Customer) -> None:
    """The client area and its menu ask `user.customer` on every page: it comes with
    the user, not from a query of its own."""
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    response = client.get(HOME)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert response.wsgi_request.user.customer == alice  # type: ignore[union-attr]
    assert len(queries) == 0


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
