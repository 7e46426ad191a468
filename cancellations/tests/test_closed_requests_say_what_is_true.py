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
from cancellations.services import request_reject, request_withdraw
from customers.models import Customer
from notifications.models import OutboundEmail
from testing.helpers import submit
from toolbox.noumea import NOUMEA

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
    return submit(customer, reference, wants_phone_line_ended=True, now=NOW)


def test_a_withdrawn_requests_page_and_email_say_the_subscription_continues(
    alice: Customer, alice_client: Client
) -> None:
    request = _request(alice, "SUB-A-1")
    request_withdraw(request=request, actor=alice.user, now=NOW)
    page = alice_client.get(reverse("cancellations:request_detail", args=[request.reference]))
    text = page.content.decode()
    assert "Votre abonnement Fibre 100 continue." in text
    assert "Rien ne sera facturé au-delà de votre forfait habituel." in text
    assert "Vos boîtes mail alice@mls.nc, famille@mls.nc restent comme elles sont." in text
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


def test_the_mailbox_sentence_is_one_on_page_email_receipt_and_withdrawal(
    alice: Customer, alice_client: Client
) -> None:
    import html
    import io

    from pypdf import PdfReader

    from cancellations.receipts import receipt_bytes
    from cancellations.summary import request_mailbox_sentence
    from testing.helpers import run_worker

    def flat(text: str) -> str:
        return " ".join(html.unescape(text).split())

    from django.utils import translation

    request = _request(alice, "SUB-A-1")
    with translation.override(alice.language):
        sentence = request_mailbox_sentence(request)
    assert sentence.startswith("alice@mls.nc, famille@mls.nc : elles fonctionnent jusqu'au")
    page = alice_client.get(reverse("cancellations:request_detail", args=[request.reference]))
    assert sentence in flat(page.content.decode())
    run_worker()
    acknowledgement = OutboundEmail.objects.get(template="request_received")
    assert sentence in flat(acknowledgement.body_text)
    assert sentence in flat(acknowledgement.body_html)
    pdf = PdfReader(io.BytesIO(receipt_bytes(request))).pages
    assert sentence in flat(" ".join(page.extract_text() for page in pdf))
    request_withdraw(request=request, actor=alice.user, now=NOW)
    unchanged = "Vos boîtes mail alice@mls.nc, famille@mls.nc restent comme elles sont."
    page = alice_client.get(reverse("cancellations:request_detail", args=[request.reference]))
    assert unchanged in flat(page.content.decode())
    assert unchanged in flat(OutboundEmail.objects.get(template="request_withdrawn").body_text)


def test_one_mailbox_is_spoken_of_in_the_singular() -> None:

    from django.utils import translation

    from cancellations.summary import mailbox_sentence

    with translation.override("fr"):
        assert mailbox_sentence(["bob@mls.nc"], ends_on=date(2026, 12, 31)) == (
            "bob@mls.nc : elle fonctionne jusqu'au jeudi 31 décembre 2026 inclus, puis est "
            "supprimée avec le service."
        )
        assert mailbox_sentence(["bob@mls.nc"], unchanged=True) == (
            "Votre boîte mail bob@mls.nc reste comme elle est."
        )
        assert mailbox_sentence([], ends_on=date(2026, 12, 31)) == (
            "Cet abonnement n'a pas de boîte mail."
        )
