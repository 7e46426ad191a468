"""Cancelling without logging in, on a phone and on a desktop (SPEC §3.8, §312k BGB):
from the footer link to the result in at most three screens after the code."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from cancellations.models import CancellationRequest
from customers.models import Customer
from testing.browser import assert_accessible, assert_clickable, calm_business_day, screenshot
from testing.helpers import delivered_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORNING = calm_business_day()


@pytest.fixture
def business_morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=True):
        yield


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_from_the_footer_link_to_the_receipt_without_logging_in(
    live_server: object,
    screen: str,
    request: pytest.FixtureRequest,
    alice: Customer,
    business_morning: None,
    tmp_path: Path,
) -> None:
    page: Page = request.getfixturevalue(screen)
    page.goto(f"{live_server}/connexion/")
    # On the login page, above the fold; and in the footer of every page.
    entry = page.locator(".cancel-entry").get_by_role("link", name="Résilier votre contrat")
    box = entry.bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"]  # type: ignore[index]
    expect(
        page.locator("footer").get_by_role("link", name="Résilier votre contrat")
    ).to_be_visible()
    page.locator("footer").get_by_role("link", name="Résilier votre contrat").click()

    expect(page.get_by_role("heading", name="Résilier votre contrat", level=1)).to_be_visible()
    page.get_by_label("Code client").fill("C100001")
    page.get_by_label("Nom du titulaire du compte").fill("Wayaridri")
    page.get_by_label("E-mail ou téléphone").fill("alice@example.nc")
    page.get_by_label("Abonnement à résilier").fill("254318")
    assert_accessible(page, "public form")
    if screen == "phone":
        screenshot(page, "50-public-form")
    page.get_by_role("button", name="Continuer").click()

    expect(page.get_by_role("heading", name="Votre demande est enregistrée")).to_be_visible()
    expect(page.get_by_text("heure de Nouméa, UTC+11:00").first).to_be_visible()
    assert_accessible(page, "code")
    if screen == "phone":
        screenshot(page, "51-public-code")
    page.get_by_label("Code reçu par e-mail").fill(delivered_code())
    page.get_by_role("button", name="Confirmer").click()

    # Screen 1 after the code: the summary and one button.
    screens_after_code = 1
    expect(page.get_by_role("heading", name="Vérifiez et confirmez")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("Fibre 100 (SUB-A-1)")
    expect(page.locator(".summary")).to_contain_text("Aucun frais de résiliation")
    button = page.get_by_role("button", name="Résilier mon contrat maintenant")
    assert_clickable(button)
    assert_accessible(page, "confirm")
    screenshot(page, f"52-public-confirm-{screen}")
    button.click()

    # Screen 2: the result, with the receipt to download.
    screens_after_code += 1
    expect(page.get_by_role("heading", name="Votre résiliation est enregistrée")).to_be_visible()
    reference = CancellationRequest.objects.get().reference
    expect(page.get_by_text(reference)).to_be_visible()
    assert_accessible(page, "done")
    screenshot(page, f"53-public-done-{screen}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'accusé de réception (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"{reference}-accuse-de-reception.pdf"
    assert saved.read_bytes() == Path(CancellationRequest.objects.get().receipt.path).read_bytes()
    assert screens_after_code <= 3
    assert CancellationRequest.objects.get().channel == "web_public"
