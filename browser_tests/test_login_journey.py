import pytest
from playwright.sync_api import Page, expect

from customers.models import Customer
from testing.browser import screenshot
from testing.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_logs_in_on_a_phone_and_sees_their_subscriptions(
    live_server: object, phone: Page, alice: Customer, bob: Customer
) -> None:
    phone.goto(f"{live_server}/")
    expect(phone.get_by_role("heading", name="Connexion à myMLS")).to_be_visible()
    screenshot(phone, "01-login")

    phone.get_by_label("Code client").fill("c100001")
    phone.get_by_label("Mot de passe").fill("wrong password")
    phone.get_by_role("button", name="Se connecter").click()
    expect(phone.get_by_role("alert")).to_contain_text("ne correspondent pas")
    screenshot(phone, "02-login-error")

    phone.get_by_label("Mot de passe").fill(PASSWORD)
    phone.get_by_label("Mot de passe").press("Enter")  # the keyboard alone is enough
    expect(phone.get_by_role("heading", name="Bonjour Alice Wayaridri")).to_be_visible()
    expect(phone.get_by_text("254318 (titulaire : Alice Wayaridri)")).to_be_visible()
    expect(phone.get_by_text("SUB-B-1")).to_have_count(0)
    # Nothing sticks out of a 360-px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "03-home")

    phone.get_by_role("button", name="English").click()
    expect(phone.get_by_role("heading", name="Hello Alice Wayaridri")).to_be_visible()
    screenshot(phone, "04-home-english")


def test_forgotten_password_page_answers_without_revealing_anything(
    live_server: object, phone: Page, alice: Customer
) -> None:
    phone.goto(f"{live_server}/connexion/")
    phone.get_by_role("link", name="Mot de passe oublié ?").click()
    phone.get_by_label("Code client").fill("C999999")
    phone.get_by_label("Adresse e-mail connue de nos services").fill("someone@example.nc")
    phone.get_by_role("button", name="M'envoyer un lien").click()
    expect(phone.get_by_role("heading", name="Consultez vos e-mails")).to_be_visible()
    screenshot(phone, "05-link-sent")


def test_the_rules_page_reads_well_on_a_phone(live_server: object, phone: Page) -> None:
    phone.goto(f"{live_server}/connexion/")
    phone.get_by_role("link", name="Résiliation : comment ça marche ?").click()
    expect(phone.get_by_role("heading", name="Comment ça marche ?")).to_be_visible()
    expect(phone.get_by_text("Aucun frais de résiliation")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "06-how-it-works")
