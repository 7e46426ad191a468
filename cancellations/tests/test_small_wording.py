"""The small things people read: the favicon, the receipt's file name in the customer's
language, no lone "Step 1", and where the receipt sends for the form's current state."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cancellations.receipts import receipt_bytes, receipt_filename
from customers.models import Customer
from testing.helpers import submit

pytestmark = pytest.mark.django_db


def test_every_page_has_an_icon_and_favicon_ico_leads_to_it(alice: Customer) -> None:
    page = Client().get(reverse("portal:login")).content.decode()
    assert 'rel="icon"' in page and "favicon" in page
    answer = Client().get("/favicon.ico")
    assert answer.status_code == 301 and "favicon" in answer["Location"]


def test_the_receipt_is_named_in_the_customers_language(alice: Customer, bob: Customer) -> None:
    assert receipt_filename(submit(alice, "SUB-A-1")).endswith("-accuse-de-reception.pdf")
    assert receipt_filename(submit(bob, "SUB-B-1")).endswith("-receipt.pdf")


def test_no_next_steps_list_for_a_lone_step_one(alice_client: Client) -> None:
    fields = {"subscription": "SUB-A-2", "desired_date": "2026-12-31", "kind": "definitive"}
    page = alice_client.get(reverse("cancellations:summary"), fields).content.decode()
    assert "Étape 1" not in page and "Prochaines étapes" not in page
    fibre = alice_client.get(
        reverse("cancellations:summary"), {**fields, "subscription": "SUB-A-1"}
    )
    assert "Étape 1" in fibre.content.decode()


def test_the_receipt_says_where_the_forms_current_state_is(alice: Customer) -> None:
    request = submit(alice, "SUB-A-1")
    pages = PdfReader(io.BytesIO(receipt_bytes(request))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "son état à jour (signé, transmis, accepté) est sur la page de la demande" in text
    assert f"/mes-demandes/{request.reference}/" in text.replace(" ", "")
