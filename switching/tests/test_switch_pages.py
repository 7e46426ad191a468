"""What people see of switching: the code beside each subscription (renewable), the
switch in "Mes demandes", the back office's "Transferts" and dashboard, the form that
stands on the order where the operator accepts it, and a new date after a signature."""

import html
import io
import re
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from access_forms.models import AccessLineForm
from accounts.models import User
from api.keys import api_key_create
from api.models import ApiKey
from customers.models import Customer
from customers.switching_codes import grouped
from switching.matching import switch_match
from switching.models import Switch
from switching.ordering import switch_reschedule
from testing.helpers import logged_in, place_switch, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def lagoon(supervisor: User) -> ApiKey:
    key, _secret = api_key_create(
        name="Lagoon", scope="switching", expires_at=None, actor=supervisor
    )
    return key


def place(alice: Customer, key: ApiKey, planned: date = date(2026, 12, 15)) -> Switch:
    return place_switch(key, alice, planned)


def test_the_client_area_shows_each_code_and_renews_it(
    alice_client: Client, alice: Customer, bob: Customer
) -> None:
    subscription = alice.subscriptions.get(reference="SUB-A-1")
    home = alice_client.get("/").content.decode()
    assert grouped(subscription.switching_code) in home
    assert "Code de transfert" in home and "Copier" in home
    answer = alice_client.post(f"/abonnements/{subscription.reference}/code-de-transfert/")
    assert answer.status_code == 302
    subscription.refresh_from_db()
    assert grouped(subscription.switching_code) not in home  # a new one
    assert grouped(subscription.switching_code) in alice_client.get("/").content.decode()
    # Another customer's subscription is not found; nothing changes.
    bobs = bob.subscriptions.get()
    before = bobs.switching_code
    assert alice_client.post(f"/abonnements/{bobs.reference}/code-de-transfert/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.switching_code == before


def test_renewing_the_code_says_first_what_it_breaks(
    alice_client: Client, alice: Customer, lagoon: ApiKey, supervisor: User
) -> None:
    subscription = alice.subscriptions.get(reference="SUB-A-1")
    renew = f"/abonnements/{subscription.reference}/code-de-transfert/"
    assert "Lagoon" not in alice_client.get(renew).content.decode()
    assert lagoon.provider is not None
    switch_match(
        provider=lagoon.provider,
        actor=lagoon.user,
        code_text=subscription.switching_code,
        last_name="Wayaridri",
    )
    page = html.unescape(alice_client.get(renew).content.decode())
    assert "Renouveler le code de transfert" in page
    assert "Lagoon a demandé votre ligne le 10 novembre 2026 avec ce code" in page
    subscription.refresh_from_db()
    code = subscription.switching_code
    assert subscription.switching_code == code  # nothing changed by looking
    switch = place(alice, lagoon)
    page = html.unescape(alice_client.get(renew).content.decode())
    assert switch.reference in page and "Je n'ai rien demandé" in page


def test_my_requests_says_who_asked_and_offers_to_stop_it(
    alice_client: Client, alice: Customer, lagoon: ApiKey
) -> None:
    switch = place(alice, lagoon)
    listing = alice_client.get("/mes-demandes/").content.decode()
    assert "Demandé par" in listing and "Lagoon, votre nouveau fournisseur" in listing
    page = alice_client.get(f"/mes-demandes/{switch.request.reference}/").content.decode()
    assert switch.reference in page and "Je n'ai rien demandé" in html.unescape(page)


def test_the_back_office_lists_and_counts_switches(
    alice: Customer, bob: Customer, lagoon: ApiKey, agent: User
) -> None:
    switch = place(alice, lagoon)
    client = logged_in(agent)
    page = client.get("/backoffice/transferts/").content.decode()
    assert switch.reference in page and "Lagoon" in page and "Commandé" in page
    assert (
        switch.reference
        not in client.get("/backoffice/transferts/?status=completed").content.decode()
    )
    assert (
        switch.reference
        in client.get("/backoffice/transferts/?status=ordered&provider=Lagoon").content.decode()
    )
    dashboard = client.get("/backoffice/tableau-de-bord/").content.decode()
    assert re.search(r"<th scope=\"row\">Lagoon</th><td>1</td><td>0</td>", dashboard)
    history = client.get(f"/backoffice/demandes/{switch.request.reference}/").content.decode()
    assert "<strong>Lagoon (API)</strong>" in history  # the key by its name, not api:rsl_…
    customer = client.get("/backoffice/clients/C100001/").content.decode()
    assert grouped(alice.subscriptions.get(reference="SUB-A-2").switching_code) in customer


def test_where_the_operator_accepts_the_order_it_stands_for_the_signature(
    alice: Customer, lagoon: ApiKey, settings: Any
) -> None:
    settings.RESILIA_SWITCH_FORM = "order"
    switch = place(alice, lagoon)
    form = AccessLineForm.objects.get(request=switch.request)
    assert (form.status, form.source, form.switch_reference) == (
        "signed",
        "order",
        switch.reference,
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(form.document.read())).pages)
    assert "ordre de transfert" in text and switch.reference in text and "Lagoon" in text
    # Moved: written again with the new date, still standing on the order.
    switch_reschedule(switch=switch, planned_date=date(2027, 1, 5), actor=lagoon.user)
    form.refresh_from_db()
    assert form.status == "signed" and form.form_date == date(2027, 1, 5)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(form.document.read())).pages)
    assert "05/01/2027" in text


def test_a_new_date_after_the_signature_asks_for_a_new_one(alice: Customer, lagoon: ApiKey) -> None:
    switch = place(alice, lagoon)
    form = sign(switch.request)
    assert form.status == "signed"
    switch_reschedule(switch=switch, planned_date=date(2027, 1, 5), actor=lagoon.user)
    form.refresh_from_db()
    assert form.status == "invalid" and form.form_date == date(2027, 1, 5)
    assert "signé à nouveau" in form.invalid_reason or "signed again" in form.invalid_reason


def test_the_acknowledgement_says_who_ordered_it_and_how_to_stop_it(
    alice: Customer, lagoon: ApiKey
) -> None:
    from django.core import mail

    from testing.helpers import run_worker

    switch = place(alice, lagoon)
    run_worker()
    acknowledgement = next(m for m in mail.outbox if switch.request.reference in str(m.subject))
    body = str(acknowledgement.body)
    ordered_by = "Lagoon, votre nouveau fournisseur, a commandé votre changement de fournisseur"
    assert f"{ordered_by} (transfert {switch.reference})" in body
    assert "Vous n'avez rien demandé à Lagoon ? Arrêtez-le jusqu'au" in body
    assert "sans vous connecter : http://127.0.0.1:8000/transfert/" in body


def test_the_customer_is_told_in_plain_words_when_the_provider_calls_it_off(
    alice: Customer, lagoon: ApiKey
) -> None:
    from django.core import mail

    from switching.ordering import switch_cancel
    from testing.helpers import run_worker

    switch = place(alice, lagoon)
    run_worker()
    assert any(
        str(m.subject).startswith("Lagoon a commandé votre changement de fournisseur")
        for m in mail.outbox
    )
    switch_cancel(switch=switch, reason="Installation reportée", actor=lagoon.user)
    run_worker()
    stopped = mail.outbox[-1]
    body = str(stopped.body)
    assert stopped.subject == "Votre changement de fournisseur vers Lagoon est arrêté"
    assert "Lagoon a annulé le changement de fournisseur qu'il avait commandé" in body
    assert "(Installation reportée)" in body and "votre ligne n'est pas libérée" in body
    # Nothing written for a customer's own request, nothing no longer true.
    for untrue in ("retirée", "libérée (« Résiliation FAI »)", "la suivre ou la retirer"):
        assert untrue not in body, untrue


def test_a_switch_the_customer_stops_is_told_as_such(alice: Customer, lagoon: ApiKey) -> None:
    from django.core import mail

    from switching.objection import switch_object
    from testing.helpers import run_worker

    switch = place(alice, lagoon)
    switch_object(match=switch.match, actor=None, ip=None)
    run_worker()
    stopped = mail.outbox[-1]
    body = str(stopped.body)
    assert stopped.subject == "Votre changement de fournisseur vers Lagoon est arrêté"
    assert "Vous nous avez dit n'avoir rien demandé à Lagoon" in body
    for untrue in ("retirée", "libérée (« Résiliation FAI »)", "la suivre ou la retirer"):
        assert untrue not in body, untrue


def test_the_emailed_link_expires_two_weeks_after_the_switch_ended(
    alice: Customer, lagoon: ApiKey
) -> None:
    from datetime import timedelta

    from django.urls import reverse

    from switching.objection import objection_link_token, switch_object

    switch = place(alice, lagoon)
    link = reverse(
        "switching:objection", args=[objection_link_token(switch.match.pk, switch.match.link_nonce)]
    )
    assert "Fibre 100" in Client().get(link).content.decode()  # while it is going on
    switch_object(match=switch.match, actor=None, ip=None)
    stopped = Switch.objects.get(pk=switch.pk).objected_at
    assert stopped is not None
    with time_machine.travel(stopped + timedelta(days=13), tick=False):
        assert Client().get(link).status_code == 200  # still readable for a while
    with time_machine.travel(stopped + timedelta(days=15), tick=False):
        page = Client().get(link)
    assert page.status_code == 410
    text = page.content.decode()
    assert "Ce lien a expiré" in text or "This link has expired" in text
    for personal in ("Wayaridri", "Fibre 100", "alice@mls.nc", "254318"):
        assert personal not in text, personal


def test_the_order_email_carries_the_link_to_stop_it_without_logging_in(
    alice: Customer, lagoon: ApiKey
) -> None:
    from django.core import mail

    from testing.helpers import run_worker

    place(alice, lagoon)
    run_worker()
    ordered = next(m for m in mail.outbox if str(m.subject).startswith("Lagoon a commandé"))
    found = re.search(r"http://127\.0\.0\.1:8000(/transfert/\S+/)", str(ordered.body))
    assert found, ordered.body
    page = Client().get(found.group(1))  # no login
    assert page.status_code == 200
    assert "rien demandé" in html.unescape(page.content.decode())
