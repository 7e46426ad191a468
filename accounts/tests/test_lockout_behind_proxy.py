"""Lockouts count the client's real address, behind the trusted proxies and only them."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from testing.helpers import PASSWORD
from toolbox.client_address import client_ip

pytestmark = pytest.mark.django_db
LOGIN = reverse("portal:login")
PROXY = "10.0.0.5"


def _through_proxy(client_address: str, forged: str = "") -> Client:
    """A browser behind the load balancer: the proxy appends the address it saw."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)


def _fail_five_times(client: Client, code: str = "C100001") -> None:
    for _ in range(5):
        client.post(LOGIN, {"username": code, "password": "wrong"})


def test_behind_a_proxy_the_attacker_is_locked_out_and_the_customer_still_logs_in(
    alice: Customer, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = _through_proxy("198.51.100.66")
    _fail_five_times(attacker)
    assert attacker.post(LOGIN, {"username": "C100001", "password": PASSWORD}).status_code == 429
    # Alice, at home, reaches the same proxy: she is not the attacker.
    alice_at_home = _through_proxy("203.0.113.10")
    response = alice_at_home.post(LOGIN, {"username": "C100001", "password": PASSWORD})
    assert response.status_code == 302


def test_a_forged_forwarded_header_does_not_dodge_the_lockout(
    alice: Customer, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(5):
        _through_proxy("198.51.100.66", forged=f"192.0.2.{n}").post(
            LOGIN, {"username": "C100001", "password": "wrong"}
        )
    attacker = _through_proxy("198.51.100.66", forged="192.0.2.99")
    assert attacker.post(LOGIN, {"username": "C100001", "password": PASSWORD}).status_code == 429


def test_without_a_trusted_proxy_the_header_changes_nothing(alice: Customer, settings: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(5):
        Client(REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            LOGIN, {"username": "C100001", "password": "wrong"}
        )
    again = Client(REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR="192.0.2.200")
    locked = again.post(LOGIN, {"username": "C100001", "password": PASSWORD})
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Trop de tentatives" in page and "15 minutes" in page
    assert reverse("portal:password_forgotten") in page  # the way out


def test_the_address_helper_takes_the_entry_the_trusted_proxies_wrote(settings: Any) -> None:
    from django.test import RequestFactory

    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 3.3.3.3")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == PROXY
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "3.3.3.3"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "2.2.2.2"
    settings.TRUSTED_PROXY_COUNT = 5  # fewer entries than proxies: the direct peer
    assert client_ip(request) == PROXY
    garbage = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-ip")
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(garbage) == PROXY


def test_the_audit_log_and_signing_evidence_record_the_real_address(
    alice: Customer, settings: Any
) -> None:
    from audit.models import AuditEntry

    settings.TRUSTED_PROXY_COUNT = 1
    client = _through_proxy("203.0.113.10")
    client.force_login(alice.user)  # type: ignore[arg-type]
    desired = (timezone.localdate() + timedelta(days=30)).isoformat()
    fields = {"subscription": "SUB-A-2", "desired_date": desired, "kind": "definitive"}
    client.post(reverse("cancellations:submit"), {**fields, "idempotency_key": "k"})
    entry = AuditEntry.objects.get(action="request.submit")
    assert entry.ip == "203.0.113.10"
