"""After a refused submission the errors are found without searching: focus goes to a
list at the top whose links lead to each field; the live summary says what changed in a
short status line."""

import pytest
from playwright.sync_api import Page, expect

from customers.models import Customer
from testing.browser import screenshot
from testing.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, live_server: object) -> None:
    page.goto(f"{live_server}/connexion/")
    page.get_by_label("Code client").fill("C100001")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Bonjour Alice Wayaridri")).to_be_visible()


def test_a_refused_form_puts_focus_on_the_error_list_linked_to_the_fields(
    live_server: object, phone: Page, alice: Customer
) -> None:
    _log_in(phone, live_server)
    phone.goto(f"{live_server}/resiliation/")
    phone.get_by_label("Fibre 100 — SUB-A-1").check()
    phone.get_by_label("Changement de FAI").check()
    phone.get_by_label("Date de résiliation souhaitée").fill("2020-01-01")
    phone.get_by_role("button", name="Continuer").click()

    errors = phone.locator("[data-error-summary]")
    expect(errors).to_be_focused()
    expect(errors).to_contain_text("Il y a un problème")
    links = errors.get_by_role("link")
    assert links.count() >= 2  # the date in the past and the missing provider, at once
    screenshot(phone, "40-error-summary")
    errors.get_by_role("link", name="Nom de votre nouveau fournisseur").first.click()
    expect(phone.locator("#id_new_isp")).to_be_focused()
    assert phone.locator("#id_new_isp").get_attribute("aria-invalid") == "true"
    described = phone.locator("#id_new_isp").get_attribute("aria-describedby") or ""
    assert "id_new_isp_error" in described.split()


def test_the_live_summary_announces_only_what_changed(
    live_server: object, phone: Page, alice: Customer
) -> None:
    _log_in(phone, live_server)
    phone.goto(f"{live_server}/resiliation/")
    phone.get_by_label("Fibre 100 — SUB-A-1").check()
    status = phone.locator("#summary-status")
    expect(status).to_contain_text("Récapitulatif mis à jour : fin du service le")
    assert phone.locator("#summary").get_attribute("aria-live") is None
