"""Supervisors create API keys and webhook endpoints; each secret is shown once."""

import pytest
from django.urls import reverse

from accounts.models import User
from api.models import ApiKey
from audit.models import AuditEntry
from testing.helpers import logged_in
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_an_api_key_is_shown_once_then_only_its_prefix(supervisor: User) -> None:
    client = logged_in(supervisor)
    url = reverse("backoffice:integrations")
    created = client.post(url, {"key-name": "Facturation", "key-scope": "write"})
    assert created.status_code == 200
    secret = created.context["shown_once"]["value"]
    assert secret.startswith("rsl_") and secret in created.content.decode()
    later = client.get(url).content.decode()
    api_key = ApiKey.objects.get()
    assert secret not in later and api_key.prefix in later
    client.post(reverse("backoffice:api_key_revoke", args=[api_key.pk]))
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"api_key.create", "api_key.revoke"} <= actions


def test_an_endpoint_on_a_private_network_is_refused(supervisor: User) -> None:
    client = logged_in(supervisor)
    for url in (
        "http://127.0.0.1:8000/admin/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "ftp://files.example.nc/x",
    ):
        response = client.post(reverse("backoffice:integrations"), {"hook-url": url})
        assert response.status_code == 400, url
    assert not WebhookEndpoint.objects.exists()


def test_a_webhook_endpoint_its_test_event_and_a_replay(supervisor: User, settings: object) -> None:
    settings.RESILIA_WEBHOOK_ALLOW_PRIVATE = True  # type: ignore[attr-defined]
    client = logged_in(supervisor)
    url = reverse("backoffice:integrations")
    bad = client.post(url, {"hook-url": "not a url"})
    assert bad.status_code == 400 and not WebhookEndpoint.objects.exists()
    created = client.post(
        url, {"hook-url": "https://crm.example.nc/hooks", "hook-event_types": ["request.completed"]}
    )
    secret = created.context["shown_once"]["value"]
    assert secret.startswith("whsec_")
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["request.completed"]
    assert (
        secret
        not in client.get(
            reverse("backoffice:endpoint_detail", args=[endpoint.pk])
        ).content.decode()
    )
    client.post(reverse("backoffice:endpoint_action", args=[endpoint.pk, "test"]))
    delivery = WebhookDelivery.objects.get()
    assert delivery.event.type == "test.ping"
    client.post(
        reverse("backoffice:endpoint_action", args=[endpoint.pk, "replay"]),
        {"delivery": str(delivery.pk)},
    )
    assert WebhookDelivery.objects.filter(event=delivery.event).count() == 2
    client.post(reverse("backoffice:endpoint_action", args=[endpoint.pk, "disable"]))
    endpoint.refresh_from_db()
    assert not endpoint.active
