"""What people read, walked on a 360 px phone and a 1280 px desktop, in French and in
English (issue 31): a customer's request from the menu to the e-mail and back through the
e-mail's link; the page without login keeping the mailboxes; an agent's request on behalf
and a confirmed rejection, then the queue, the request and the dashboard. axe-core checks
every page walked; the page itself never scrolls sideways."""

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import Page, expect

from cancellations.models import CancellationRequest, Status
from customers.models import Customer
from testing.browser import (
    assert_accessible,
    assert_no_sideways_scroll,
    calm_business_day,
    language_of,
    screenshot,
)
from testing.helpers import PASSWORD, delivered_code, delivered_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORNING = calm_business_day()
DESIRED = MORNING.date() + timedelta(days=38)


@pytest.fixture
def business_morning(settings: object, live_server: object) -> Iterator[None]:
    settings.RESILIA_SITE_URL = str(live_server)  # type: ignore[attr-defined]
    with time_machine.travel(MORNING, tick=True):
        yield


def words(page: Page, french: str, english: str) -> str:
    return english if language_of(page) == "en" else french


def shot(page: Page, name: str) -> None:
    viewport = page.viewport_size
    assert viewport is not None
    screenshot(page, f"read-{name}-{viewport['width']}-{language_of(page)}")


def open_menu_on_a_phone(page: Page) -> None:
    viewport = page.viewport_size
    if viewport is not None and viewport["width"] < 800:
        page.get_by_text("Menu", exact=True).click()


def test_a_customer_follows_the_emails_link_back_to_the_request(
    live_server: object,
    screen: Page,
    alice: Customer,
    bob: Customer,
    business_morning: None,
) -> None:
    page = screen
    english = language_of(page) == "en"
    customer, subscription = (
        (bob, "ADSL Confort — SUB-B-1") if english else (alice, "Fibre 100 — SUB-A-1")
    )

    def log_in() -> None:
        page.get_by_label(words(page, "Code client", "Client code")).fill(customer.client_code)
        page.get_by_label(words(page, "Mot de passe", "Password")).fill(PASSWORD)
        page.get_by_role("button", name=words(page, "Se connecter", "Log in")).click()

    page.goto(f"{live_server}/connexion/")
    log_in()
    open_menu_on_a_phone(page)
    page.get_by_role(
        "link", name=words(page, "Résiliation de forfait", "Plan cancellation")
    ).click()
    page.get_by_label(subscription).check()
    page.get_by_label(
        words(page, "Date de résiliation souhaitée", "Desired cancellation date")
    ).fill(DESIRED.isoformat())
    page.get_by_label(words(page, "Conservation des e-mails", "Keep my e-mails")).check()
    page.get_by_label(words(page, "Durée de conservation", "For how long")).select_option("6")
    page.get_by_role("button", name=words(page, "Continuer", "Continue")).click()

    # The confirmation repeats every choice, labelled, and offers to change them.
    summary = page.locator(".summary")
    expect(summary).to_contain_text(words(page, "Nature de la résiliation", "Kind of cancellation"))
    expect(summary).to_contain_text(words(page, "Définitive", "Definitive"))
    expect(summary).to_contain_text(words(page, "Date souhaitée", "Desired date"))
    expect(
        page.get_by_role("button", name=words(page, "Modifier mes réponses", "Change my answers"))
    ).to_be_visible()
    assert_accessible(page, "confirm")
    assert_no_sideways_scroll(page, "confirm")
    shot(page, "confirm")
    page.get_by_role(
        "button",
        name=words(
            page, "Demander la résiliation de mon forfait", "Request the cancellation of my plan"
        ),
    ).click()
    expect(page.locator(".reference strong")).to_be_visible()
    reference = page.locator(".reference strong").inner_text()

    # The e-mail links to the request, to the signing page and to the withdrawal, in the
    # customer's language, in its text and its HTML.
    link = delivered_link(rf"(http://\S+/mes-demandes/{reference}/)(?:\s|$)")
    message = next(m for m in mail.outbox if reference in str(m.subject))
    text = str(message.body)
    html = str(message.alternatives[0][0])  # type: ignore[attr-defined]
    for path in (f"/mes-demandes/{reference}/", f"/mes-demandes/{reference}/retirer/"):
        assert f"{live_server}{path}" in text and f'href="{live_server}{path}"' in html
    assert ("Open your request" in html) if english else ("Ouvrir votre demande" in html)

    # Logged out, the link goes through the login page to that very request.
    page.get_by_role("button", name=words(page, "Se déconnecter", "Log out")).click()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        words(page, "Connexion à", "Log in to")
    )
    log_in()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    assert page.url.startswith(link)
    assert_accessible(page, "request")
    assert_no_sideways_scroll(page, "request")
    shot(page, "request")


def test_the_page_without_login_keeps_the_mailboxes(
    live_server: object,
    screen: Page,
    alice: Customer,
    bob: Customer,
    business_morning: None,
) -> None:
    page = screen
    english = language_of(page) == "en"
    customer, last_name, line = (
        (bob, "Tein", "287741") if english else (alice, "Wayaridri", "254318")
    )
    page.goto(f"{live_server}/connexion/")
    page.locator("footer").get_by_role(
        "link", name=words(page, "Résilier votre contrat", "Cancel your contract")
    ).click()
    page.get_by_label(words(page, "Code client", "Client code")).fill(customer.client_code)
    page.get_by_label(
        words(page, "Nom du titulaire du compte", "Last name of the account holder")
    ).fill(last_name)
    page.get_by_label(words(page, "E-mail ou téléphone", "E-mail or phone")).fill(customer.email)
    page.get_by_label(words(page, "Abonnement à résilier", "Subscription to cancel")).fill(line)
    page.get_by_label(words(page, "Conservation des e-mails", "Keep my e-mails")).check()
    page.get_by_label(words(page, "Durée de conservation", "For how long")).select_option("3")
    assert_accessible(page, "public form")
    assert_no_sideways_scroll(page, "public form")
    shot(page, "public-form")
    page.get_by_role("button", name=words(page, "Continuer", "Continue")).click()
    page.get_by_label(words(page, "Code reçu par e-mail", "Code received by e-mail")).fill(
        delivered_code()
    )
    page.get_by_role("button", name=words(page, "Confirmer", "Confirm"), exact=True).click()

    summary = page.locator(".summary")
    expect(summary).to_contain_text(words(page, "conservée", "kept"))
    expect(
        page.get_by_role("link", name=words(page, "Modifier mes réponses", "Change my answers"))
    ).to_be_visible()
    assert_accessible(page, "public confirm")
    assert_no_sideways_scroll(page, "public confirm")
    shot(page, "public-confirm")
    page.get_by_role(
        "button", name=words(page, "Résilier mon contrat maintenant", "Cancel my contract now")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        words(page, "Votre résiliation est enregistrée", "Your cancellation is recorded")
    )
    request = CancellationRequest.objects.get()
    assert request.customer == customer and request.mailbox_retention_months == 3
    assert_accessible(page, "public done")
    shot(page, "public-done")


def test_an_agent_records_a_request_rejects_one_and_reads_the_back_office(
    live_server: object,
    screen: Page,
    alice: Customer,
    agent: object,
    business_morning: None,
    settings: object,
) -> None:
    settings.RESILIA_AUTO_CONFIRM = False  # type: ignore[attr-defined]
    page = screen
    page.goto(f"{live_server}/backoffice/connexion/")
    page.get_by_label(words(page, "Nom d'utilisateur", "User name")).fill("agent")
    page.get_by_label(words(page, "Mot de passe", "Password")).fill(PASSWORD)
    page.get_by_role("button", name=words(page, "Se connecter", "Log in")).click()
    assert_accessible(page, "today")
    assert_no_sideways_scroll(page, "today")
    shot(page, "bo-today")

    # Alice phones: the agent finds her and records her request; the form speaks about
    # the customer, and the phone channel comes preselected.
    page.get_by_role("link", name=words(page, "Clients", "Customers"), exact=True).click()
    page.get_by_label(words(page, "Rechercher", "Search")).fill("Wayaridri")
    page.get_by_role("button", name=words(page, "Rechercher", "Search")).click()
    page.get_by_role("link", name="C100001").click()
    page.get_by_role(
        "link", name=words(page, "Nouvelle demande de résiliation", "New cancellation request")
    ).click()
    expect(page.get_by_label(words(page, "Téléphone", "Phone"), exact=True)).to_be_checked()
    expect(
        page.locator(
            "legend", has_text=words(page, "Les e-mails du client", "The customer's e-mails")
        )
    ).to_be_visible()
    page.get_by_label("Fibre 100 — SUB-A-1").check()
    expect(page.locator("#summary")).to_contain_text(
        words(page, "Fin du service le", "Service ends on")
    )
    assert_accessible(page, "on behalf")
    assert_no_sideways_scroll(page, "on behalf")
    shot(page, "bo-on-behalf")
    page.get_by_role(
        "button", name=words(page, "Enregistrer la demande", "Record the request")
    ).click()
    expect(page.locator(".messages")).to_be_visible()
    request = CancellationRequest.objects.get(customer=alice)
    assert request.channel == "phone" and request.status == Status.SUBMITTED

    # The same request, rejected: the reason goes with its own button, then a second step.
    page.goto(f"{live_server}/backoffice/demandes/{request.reference}/")
    page.locator("#id_reject-reason").fill(
        words(page, "Le demandeur n'est pas le titulaire", "The caller is not the holder")
    )
    page.get_by_role("button", name=words(page, "Refuser…", "Reject…")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(request.reference)
    assert_accessible(page, "reject step")
    assert_no_sideways_scroll(page, "reject step")
    shot(page, "bo-reject-step")
    page.get_by_role(
        "button", name=words(page, "Oui, refuser la demande", "Yes, reject the request")
    ).click()
    expect(page.locator("h1 .status")).to_have_text(words(page, "Refusée", "Rejected"))
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert_accessible(page, "request")
    assert_no_sideways_scroll(page, "request")
    shot(page, "bo-request")

    # The queue (filters folded on a phone) and the dashboard.
    page.get_by_role("link", name=words(page, "Demandes", "Requests"), exact=True).click()
    expect(page.locator("table.bo-table tbody tr")).to_have_count(1)
    more = page.locator(".bo-filter-more")
    if page.viewport_size and page.viewport_size["width"] < 800:
        expect(more.get_by_label(words(page, "Statut", "Status"))).to_be_hidden()
        more.locator("summary").click()
    expect(more.get_by_label(words(page, "Statut", "Status"))).to_be_visible()
    assert_accessible(page, "queue")
    assert_no_sideways_scroll(page, "queue")
    shot(page, "bo-queue")
    page.get_by_role("link", name=words(page, "Tableau de bord", "Dashboard")).click()
    expect(page.locator(".chart").first).to_be_visible()
    assert page.locator(".chart").count() == 4  # no new provider named: that card says so
    assert_accessible(page, "dashboard")
    assert_no_sideways_scroll(page, "dashboard")
    shot(page, "bo-dashboard")
    assert re.search(r"\d", page.locator(".tile").first.inner_text())
