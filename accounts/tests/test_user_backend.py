"""The user backend (accounts/backends.py): what every logged-in page reads first.
Django's sessions themselves (expiry, logout, clearsessions) are Django's to test."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from customers.models import Customer

pytestmark = pytest.mark.django_db
HOME = reverse("portal:home")


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
