"""A gaining provider is one account whatever its keys: the customer's "no" stops the
provider, its failure budget is shared by its keys, and a new key takes over the
switches and webhook endpoint of the key it replaces."""

import html
import io
import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client
from pypdf import PdfReader

from accounts.models import User
from api.keys import api_key_create, api_key_revoke
from api.models import ApiKey
from cancellations.models import CancellationRequest
from customers.models import Customer
from switching.models import Provider, Switch
from testing.helpers import SWITCHING_MORNING as MORNING
from testing.helpers import delivered_link, logged_in
from webhooks.services import webhook_endpoint_create
from webhooks.tests.test_delivery import Receiver, drain

pytestmark = pytest.mark.django_db


def new_key(supervisor: User, name: str, provider: str = "") -> str:
    _, secret = api_key_create(
        name=name, scope="switching", expires_at=None, actor=supervisor, provider=provider
    )
    return secret


def call(key: str, method: str, path: str, body: object = None) -> Any:
    sent = {"Authorization": f"Bearer {key}"}
    if method == "get":
        return Client().get(f"/api/v1{path}", headers=sent)
    return Client().post(
        f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=sent
    )


def match(key: str, customer: Customer, last_name: str = "Wayaridri") -> Any:
    code = customer.subscriptions.get(reference="SUB-A-1").switching_code
    return call(
        key, "post", "/switches/match", {"switching_code": code, "holder_last_name": last_name}
    )


def order(key: str, match_id: str, planned: str = "2026-12-15") -> Any:
    return call(key, "post", "/switches", {"match_id": match_id, "planned_date": planned})


def test_keys_of_one_name_are_one_provider(supervisor: User) -> None:
    new_key(supervisor, "Lagoon")
    new_key(supervisor, "Lagoon (secours)", provider="lagoon")  # case aside
    out = io.StringIO()
    call_command("create_api_key", "--scope", "switching", "--provider", " Lagoon ", stdout=out)
    assert out.getvalue().startswith("rsl_")
    assert list(Provider.objects.values_list("name", flat=True)) == ["Lagoon"]
    assert ApiKey.objects.filter(provider__name="Lagoon").count() == 3
    # A second provider of the same name is refused by the database itself.
    with pytest.raises(IntegrityError):
        Provider.objects.create(name="LAGOON")


def test_a_provider_option_is_for_switching_keys_only(supervisor: User) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_key", "--name", "Billing", "--provider", "Lagoon")
    with pytest.raises(ValueError):
        api_key_create(
            name="Billing", scope="write", expires_at=None, actor=supervisor, provider="Lagoon"
        )
    assert not Provider.objects.exists()


def test_the_customers_no_stops_every_key_of_the_provider(
    alice: Customer, supervisor: User
) -> None:
    first = new_key(supervisor, "Lagoon")
    second = new_key(supervisor, "Lagoon", provider="Lagoon")
    matched = match(first, alice).json()
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)").removeprefix("http://127.0.0.1:8000")
    Client().post(link, {"action": "object", "confirmed": "yes"})
    # Neither key can match or order for thirty days.
    again = match(second, alice)
    assert again.status_code == 409 and again.json()["code"] == "objected"
    assert order(second, matched["match_id"]).json()["code"] == "objected"
    with time_machine.travel(MORNING + timedelta(days=29), tick=False):
        assert match(first, alice).json()["code"] == "objected"
    with time_machine.travel(MORNING + timedelta(days=31), tick=False):
        assert match(second, alice).status_code == 200


def test_a_provider_guessing_names_with_many_keys_has_one_budget(
    alice: Customer, supervisor: User
) -> None:
    keys = [new_key(supervisor, f"Lagoon {n}", provider="Lagoon") for n in range(5)]
    for key, name in zip(keys, ("Dupont", "Martin", "Nguyen", "Tein", "Kaloi"), strict=True):
        assert match(key, alice, name).status_code == 404
    # Five wrong names across five keys: the code matches nothing for Lagoon today.
    fresh = new_key(supervisor, "Lagoon 6", provider="Lagoon")
    assert match(fresh, alice).json()["code"] == "no_match"
    # Another provider is not blocked by Lagoon's guesses.
    assert match(new_key(supervisor, "Can'l"), alice).status_code == 200


def test_a_new_key_takes_over_the_switches_and_endpoint_of_the_old(
    alice: Customer, supervisor: User, settings: Any
) -> None:
    settings.RESILIA_WEBHOOK_TIMEOUT = 1
    settings.RESILIA_WEBHOOK_ALLOW_PRIVATE = True
    old = new_key(supervisor, "Lagoon")
    lagoon = Provider.objects.get(name="Lagoon")
    receiver = Receiver()
    _, receiver.secret = webhook_endpoint_create(
        url=receiver.url, event_types=[], description="", actor=supervisor, provider_id=lagoon.pk
    )
    placed = order(old, match(old, alice).json()["match_id"]).json()
    reference = placed["reference"]

    # Lagoon rotates its key: a new one, then the old one revoked.
    new = new_key(supervisor, "Lagoon 2027", provider="Lagoon")
    api_key_revoke(api_key=ApiKey.objects.get(name="Lagoon"), actor=supervisor)
    assert call(old, "get", f"/switches/{reference}").status_code == 401
    assert call(new, "get", f"/switches/{reference}").json()["reference"] == reference
    moved = call(new, "post", f"/switches/{reference}/reschedule", {"planned_date": "2026-12-22"})
    assert moved.status_code == 200 and moved.json()["planned_date"] == "2026-12-22"
    cancelled = call(new, "post", f"/switches/{reference}/cancel", {"reason": "Client injoignable"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # Another provider still sees none of it.
    other = new_key(supervisor, "Can'l")
    assert call(other, "get", f"/switches/{reference}").status_code == 404

    drain()
    receiver.server.shutdown()
    assert [event["type"] for event in receiver.received] == [
        "switch.ordered",
        "switch.rescheduled",
        "switch.cancelled",
    ]
    assert Switch.objects.get().provider == lagoon


def test_agents_read_the_providers_name_never_a_key(alice: Customer, supervisor: User) -> None:
    key = new_key(supervisor, "Lagoon — clé de production", provider="Lagoon")
    placed = order(key, match(key, alice).json()["match_id"]).json()
    client = logged_in(supervisor)
    for url in (
        f"/backoffice/demandes/{placed['request']}/",
        "/backoffice/transferts/",
    ):
        page = client.get(url).content.decode()
        assert "Lagoon" in page and "api:rsl_" not in page, url


def test_the_mailboxes_stay_a_choice_after_the_order(
    alice: Customer, alice_client: Client, supervisor: User
) -> None:
    key = new_key(supervisor, "Lagoon")
    placed = order(key, match(key, alice).json()["match_id"]).json()
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)").removeprefix("http://127.0.0.1:8000")
    page = Client().get(link).content.decode()
    assert "Conserver mes boîtes mail alice@mls.nc, famille@mls.nc" in page
    Client().post(link, {"action": "retention", "months": "3"})
    request = CancellationRequest.objects.get(reference=placed["request"])
    assert request.mailbox_retention_months == 3
    # The client area offers the same choice on the request's page.
    detail = f"/mes-demandes/{placed['request']}/"
    assert 'value="3" selected' in alice_client.get(detail).content.decode()
    alice_client.post(f"{detail}boites-mail/", {"months": "0"})
    request.refresh_from_db()
    assert request.mailbox_retention_months == 0


def test_stopping_from_the_client_area_is_the_same_objection(
    alice: Customer, alice_client: Client, supervisor: User
) -> None:
    key = new_key(supervisor, "Lagoon")
    placed = order(key, match(key, alice).json()["match_id"]).json()
    client = alice_client
    # The old withdrawal address leads to the switch's own page.
    confirm = client.get(f"/mes-demandes/{placed['request']}/retirer/", follow=True)
    page = confirm.content.decode()
    assert "Arrêter le transfert vers Lagoon" in page and "30 jours" in page
    stop = f"/mes-demandes/{placed['request']}/arreter-le-transfert/"
    assert client.post(stop).status_code == 302
    answer = call(key, "get", f"/switches/{placed['reference']}").json()
    assert answer["status"] == "objected" and answer["objected_at"]
    assert match(key, alice).json()["code"] == "objected"


def test_the_receipt_of_a_switch_says_who_ordered_it_and_how_to_stop_it(
    alice: Customer, alice_client: Client, supervisor: User
) -> None:
    key = new_key(supervisor, "Lagoon")
    placed = order(key, match(key, alice).json()["match_id"]).json()
    pdf = alice_client.get(f"/mes-demandes/{placed['request']}/recu.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.getvalue())).pages)
    text = " ".join(text.split())
    assert "Commandé par Lagoon, votre nouveau fournisseur" in text
    assert "Vous n'avez rien demandé ?" in text and "Lagoon est prévenu" in text
    assert "retirer cette demande" not in text.lower()


def test_stopping_a_switch_its_provider_called_off_says_it_is_stopped(
    alice: Customer, supervisor: User
) -> None:
    key = new_key(supervisor, "Lagoon")
    placed = order(key, match(key, alice).json()["match_id"]).json()
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)").removeprefix("http://127.0.0.1:8000")
    call(key, "post", f"/switches/{placed['reference']}/cancel", {"reason": "Client injoignable"})
    client = Client()
    answer = client.post(link, {"action": "object", "confirmed": "yes"}, follow=True)
    page = html.unescape(answer.content.decode())
    assert "Le transfert vers Lagoon est déjà arrêté : rien ne change" in page
    assert "plus en cours" not in page


def test_a_switch_stopped_through_the_isp_is_the_customers_objection(
    alice: Customer, bob: Customer, supervisor: User, agent: User
) -> None:
    """An agent (the customer called) or the ISP's billing system stops a switch: the
    provider is told and kept away, as from the e-mail's link."""
    key = new_key(supervisor, "Lagoon")
    placed = order(key, match(key, alice).json()["match_id"]).json()
    client = logged_in(agent)
    url = f"/backoffice/demandes/{placed['request']}/withdraw/"
    data = {"withdraw-reason": "Client au téléphone", "confirmed": "yes"}
    page = client.post(url, data, follow=True).content.decode()
    assert "Transfert arrêté ; Lagoon est prévenu" in html.unescape(page)
    answer = call(key, "get", f"/switches/{placed['reference']}").json()
    assert answer["status"] == "objected" and answer["objected_at"]
    assert match(key, alice).json()["code"] == "objected"

    _, billing = api_key_create(name="Billing", scope="write", expires_at=None, actor=supervisor)
    code = bob.subscriptions.get().switching_code
    bobs = call(
        key, "post", "/switches/match", {"switching_code": code, "holder_last_name": "Tein"}
    )
    placed = order(key, bobs.json()["match_id"]).json()
    stopped = call(billing, "post", f"/requests/{placed['request']}/withdraw", {"reason": "Appel"})
    assert stopped.status_code == 200 and stopped.json()["status"] == "withdrawn"
    answer = call(key, "get", f"/switches/{placed['reference']}").json()
    assert answer["status"] == "objected" and answer["objected_at"]
    again = call(billing, "post", f"/requests/{placed['request']}/withdraw", {"reason": "Appel"})
    assert again.status_code == 409 and again.json()["code"] == "already_stopped"


def test_a_rejected_switch_takes_its_held_move_message_with_it(
    alice: Customer, supervisor: User
) -> None:
    from cancellations.services import request_reject
    from notifications.models import OutboundEmail
    from testing.helpers import run_worker

    key = new_key(supervisor, "Lagoon")
    placed = order(key, match(key, alice).json()["match_id"]).json()
    run_worker()
    for planned in ("2026-12-16", "2026-12-17"):
        call(key, "post", f"/switches/{placed['reference']}/reschedule", {"planned_date": planned})
    run_worker()  # the first move told at once, the second held for the morning
    held = OutboundEmail.objects.filter(template="switch_moved", sent_at__isnull=True)
    assert held.count() == 1
    request = CancellationRequest.objects.get(reference=placed["request"])
    request_reject(request=request, actor=supervisor, reason="Ligne en travaux")
    assert not held.exists()
