"""A withdrawn or rejected request's page and e-mail say what is now true, in French and
in English: never the old end date, last billed month, mailbox deletion or next steps."""

from collections.abc import Iterator
from datetime import date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cancellations.models import CancellationRequest
from cancellations.rules import NOUMEA
from cancellations.services import Draft, request_reject, request_submit, request_withdraw
from customers.models import Customer
from notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, tzinfo=NOUMEA)


@pytest.fixture(autouse=True)
def _a_november_day() -> Iterator[None]:
    """The pages show the history's times: on a December day they would say "décembre
    2026" for a reason other than the old plan."""
    with time_machine.travel(NOW, tick=True):
        yield


# The form's card stays, saying it is cancelled; nothing else of the old plan may.
OLD_FACTS_FR = ["31 décembre 2026", "décembre 2026", "supprimées", "contrôlons", "Étape 3"]
OLD_FACTS_EN = ["31 December 2026", "December 2026", "deleted", "checking it", "Step 3"]


def _request(customer: Customer, reference: str) -> CancellationRequest:
    draft = Draft(
        subscription=customer.subscriptions.get(reference=reference),
        desired_date=date(2026, 12, 31),
        kind="definitive",
        wants_phone_line_ended=True,
    )
    return request_submit(customer=customer, draft=draft, actor=customer.user, now=NOW)


def test_a_withdrawn_requests_page_and_email_say_the_subscription_continues(
    alice: Customer, alice_client: Client
) -> None:
    request = _request(alice, "SUB-A-1")
    request_withdraw(request=request, actor=alice.user, now=NOW)
    page = alice_client.get(reverse("cancellations:request_detail", args=[request.reference]))
    text = page.content.decode()
    assert "Votre abonnement Fibre 100 continue." in text
    assert "Rien ne sera facturé au-delà de votre forfait habituel." in text
    assert "Vos boîtes mail restent comme elles sont." in text
    assert "Annulé avec votre demande : rien à signer." in text
    for old in OLD_FACTS_FR:
        assert old not in text, old
    email = OutboundEmail.objects.get(template="request_withdrawn")
    assert "votre abonnement continue" in email.body_text
    for old in OLD_FACTS_FR[:3]:
        assert old not in email.body_text and old not in email.body_html, old


def test_a_rejected_request_says_the_same_in_english(
    bob: Customer, bob_client: Client, agent: User
) -> None:
    request = _request(bob, "SUB-B-1")
    request_reject(request=request, actor=agent, reason="Unpaid invoices")
    text = bob_client.get(
        reverse("cancellations:request_detail", args=[request.reference])
    ).content.decode()
    assert "Your subscription ADSL Confort continues." in text
    assert "Nothing will be billed beyond your usual plan." in text
    for old in OLD_FACTS_EN:
        assert old not in text, old
    email = OutboundEmail.objects.get(template="request_rejected")
    assert "your subscription continues" in email.body_text
    for old in OLD_FACTS_EN[:3]:
        assert old not in email.body_text, old
    listing = bob_client.get(reverse("cancellations:request_list")).content.decode()
    assert "continues as before" in listing and "31 December 2026" not in listing
