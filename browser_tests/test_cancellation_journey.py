"""The whole cancellation journey as a customer on a phone (SPEC §3, steps 2–4 and 7)."""

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import time_machine
from django.utils import translation
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from cancellations.models import CancellationRequest, Status
from customers.models import Customer
from rules import add_months
from testing.browser import assert_accessible, assert_clickable, calm_business_day, screenshot
from testing.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


MORNING = calm_business_day()
# A desired date some five weeks ahead, and how the French pages write it.
DESIRED = MORNING.date() + timedelta(days=38)
RETAINED = add_months(DESIRED, 6)


def french(day: date, pattern: str) -> str:
    with translation.override("fr"):
        return date_format(day, pattern)


@pytest.fixture
def business_morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=True):
        yield


def test_a_customer_cancels_on_a_phone_then_withdraws(
    live_server: object, phone: Page, alice: Customer, settings: object, business_morning: None
) -> None:
    settings.RESILIA_DEMO_MAILBOX = True  # type: ignore[attr-defined]
    phone.goto(f"{live_server}/")
    phone.get_by_label("Code client").fill("C100001")
    phone.get_by_label("Mot de passe").fill(PASSWORD)
    phone.get_by_role("button", name="Se connecter").click()
    expect(phone.get_by_role("heading", name="Bonjour Alice Wayaridri")).to_be_visible()
    assert_accessible(phone, "home")

    # Two clicks: the phone's menu, then the leaflet's "Résiliation de forfait".
    phone.get_by_text("Menu", exact=True).click()
    phone.get_by_role("link", name="Résiliation de forfait").click()
    expect(phone.get_by_role("heading", name="Résiliation de forfait", level=1)).to_be_visible()
    phone.get_by_label("Fibre 100 — SUB-A-1").check()
    summary = phone.locator("#summary")
    expect(summary).to_contain_text("Fin du service le")
    expect(summary).to_contain_text("Aucun frais de résiliation")
    assert_accessible(phone, "form")
    screenshot(phone, "10-form")

    # The live summary follows the desired date.
    before = summary.inner_text()
    phone.get_by_label("Date de résiliation souhaitée").fill(DESIRED.isoformat())
    phone.get_by_label("Date de résiliation souhaitée").dispatch_event("change")
    expect(summary).to_contain_text(french(DESIRED, "l j F Y"))
    expect(summary).to_contain_text(french(DESIRED, "F Y") + " : 6\u00a0900\u00a0F")
    assert summary.inner_text() != before
    phone.get_by_label("Conservation des e-mails").check()
    phone.get_by_label("Durée de conservation").select_option("6")
    expect(summary).to_contain_text("conservées jusqu'au " + french(RETAINED, "l j F Y"))
    screenshot(phone, "11-form-summary")

    # A missing new provider's name is explained, not lost.
    phone.get_by_label("Changement de FAI").check()
    phone.get_by_role("button", name="Continuer").click()
    expect(phone.get_by_text("indiquez le nom du nouveau fournisseur").first).to_be_visible()
    phone.get_by_label("Nom de votre nouveau fournisseur d'accès").fill("Lagoon")
    phone.get_by_role("button", name="Continuer").click()

    expect(phone.get_by_role("heading", name="Confirmer la résiliation")).to_be_visible()
    assert_accessible(phone, "confirm")
    screenshot(phone, "12-confirm")
    phone.get_by_role("button", name="Demander la résiliation de mon forfait").click()

    expect(phone.get_by_role("heading", name="Votre demande a bien été reçue")).to_be_visible()
    reference = phone.locator(".reference strong").inner_text()
    assert re.fullmatch(r"RES-\d{4}-\d{6}", reference)
    assert_accessible(phone, "sent")
    screenshot(phone, "13-sent")
    request = CancellationRequest.objects.get(reference=reference)
    assert request.kind == "isp_change" and request.new_isp == "Lagoon"
    assert request.mailbox_retention_months == 6

    # The acknowledgement e-mail, in the demo mailbox: received and taken into account at
    # once on a business day, so one e-mail says both.
    phone.goto(f"{live_server}/demo/boite-mail/")
    expect(
        phone.get_by_text(f"Votre demande de résiliation {reference} est reçue et prise en compte")
    ).to_be_visible()
    # Its text too, though the worker (not running here) renders it when it sends it.
    expect(phone.get_by_text("et l'avons prise en compte", exact=False)).to_be_visible()
    screenshot(phone, "14-email")

    # "Mes demandes" → the request → withdraw.
    phone.goto(f"{live_server}/")
    phone.get_by_text("Menu", exact=True).click()
    phone.get_by_role("link", name="Mes demandes").click()
    phone.get_by_role("link", name=reference).click()
    expect(phone.get_by_role("heading", name=f"Demande {reference}")).to_be_visible()
    assert_accessible(phone, "detail")
    screenshot(phone, "15-request")
    phone.get_by_role("link", name="Retirer ma demande").click()
    phone.get_by_role("button", name="Oui, retirer ma demande").click()
    expect(phone.get_by_text(f"Votre demande {reference} est retirée")).to_be_visible()
    screenshot(phone, "16-withdrawn")
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_forms_buttons_are_never_covered(
    live_server: object,
    alice: Customer,
    business_morning: None,
    screen: str,
    request: pytest.FixtureRequest,
) -> None:
    page: Page = request.getfixturevalue(screen)
    page.goto(f"{live_server}/connexion/")
    page.get_by_label("Code client").fill("C100001")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server}/resiliation/")
    page.get_by_label("Fibre 100 — SUB-A-1").check()
    expect(page.locator("#summary")).to_contain_text("Fin du service le")
    page.get_by_label("Conservation des e-mails").check()
    continue_button = page.get_by_role("button", name="Continuer")
    assert_clickable(continue_button)
    if screen == "desktop":
        screenshot(page, "30-form-desktop")
        # Every width from a small laptop to a wide screen.
        for width in (1024, 1366, 1600, 1920):
            page.set_viewport_size({"width": width, "height": 800})
            assert_clickable(continue_button)
    continue_button.click()
    confirm = page.get_by_role("button", name="Demander la résiliation de mon forfait")
    assert_clickable(confirm)
    if screen == "desktop":
        screenshot(page, "31-confirm-desktop")
