"""An agent's month-end morning in the back office, at 1280×800: needs action, the queue
filtered, a request taken into account, one rejected with a reason, one recorded for a
customer who phoned, and the dashboard."""

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from cancellations.drafts import Draft
from cancellations.models import CancellationRequest, Status
from cancellations.submission import request_submit
from customers.models import Customer, Plan, Subscription
from testing.browser import assert_accessible, calm_business_day, screenshot
from testing.helpers import PASSWORD, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORNING = calm_business_day()


@pytest.fixture
def month_end_queue(
    alice: Customer, bob: Customer, agent: object, settings: object
) -> Iterator[Customer]:
    settings.RESILIA_AUTO_CONFIRM = False  # type: ignore[attr-defined]
    with time_machine.travel(MORNING - timedelta(days=1), tick=False):
        for customer, reference, kind, new_isp in (
            (alice, "SUB-A-1", "isp_change", "Lagoon"),
            (alice, "SUB-A-2", "definitive", ""),
            (bob, "SUB-B-1", "moving", ""),
        ):
            request_submit(
                customer=customer,
                draft=Draft(
                    subscription=customer.subscriptions.get(reference=reference),
                    desired_date=MORNING.date() + timedelta(days=20),
                    kind=kind,
                    new_isp=new_isp,
                    kind_detail="Départ en métropole" if kind == "moving" else "",
                ),
                actor=customer.user,
            )
    carol = make_customer("C100003", "Carole Nékiriai", "carole@example.nc")
    Subscription.objects.create(
        reference="SUB-C-1",
        customer=carol,
        plan=Plan.objects.get(name="Fibre 100"),
        started_on=date(2020, 5, 1),
    )
    with time_machine.travel(MORNING, tick=True):
        yield carol


def test_an_agents_morning(live_server: object, desktop: Page, month_end_queue: Customer) -> None:
    page = desktop
    page.goto(f"{live_server}/backoffice/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("connexion")
    page.get_by_label("Nom d'utilisateur").fill("agent")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # Needs action: three received requests wait to be taken into account.
    expect(page.get_by_role("heading", level=1)).to_contain_text("À traiter")
    expect(page.locator(".bo-header")).to_contain_text("Back office — MLS")
    tile = page.get_by_role("link", name="3 à prendre en compte")
    expect(tile).to_be_visible()
    assert_accessible(page, "back office today")
    screenshot(page, "backoffice-1280-today")
    tile.click()

    # The queue, filtered then searched.
    expect(page.locator("table.bo-table tbody tr")).to_have_count(3)
    page.get_by_label("Rechercher").fill("Wayaridri")
    page.get_by_label("Nature", exact=True).select_option("isp_change")
    page.get_by_role("button", name="Filtrer").click()
    rows = page.locator("table.bo-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lagoon")
    assert_accessible(page, "back office queue")
    screenshot(page, "backoffice-1280-queue")

    # Take Alice's change of ISP into account.
    rows.first.get_by_role("link").click()
    page.get_by_role("button", name="Prendre en compte").click()
    expect(page.locator(".messages")).to_contain_text("Demande prise en compte")
    expect(page.locator("h1 .status")).to_have_text("Prise en compte")

    # Reject Bob's with a reason; an empty reason is refused first.
    page.goto(f"{live_server}/backoffice/demandes/?q=C100002")
    page.locator("table.bo-table tbody tr").first.get_by_role("link").click()
    page.get_by_role("button", name="Refuser").click()
    expect(page.locator(".messages")).to_contain_text("Indiquez le motif")
    page.locator("#id_reject-reason").fill("Le titulaire du contrat n'est pas le demandeur")
    page.get_by_role("button", name="Refuser").click()
    # Irreversible: a second step says what will happen and asks again.
    expect(page.locator("h1")).to_contain_text("Refuser RES-")
    page.get_by_role("button", name="Oui, refuser la demande").click()
    expect(page.locator(".messages")).to_contain_text("Demande refusée")
    screenshot(page, "backoffice-1280-request")
    bobs = CancellationRequest.objects.get(customer__client_code="C100002")
    assert bobs.status == Status.REJECTED

    # Carole phones: find her, record her request with the live summary.
    page.get_by_role("link", name="Clients").click()
    page.get_by_label("Rechercher").fill("Nékiriai")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name="C100003").click()
    page.get_by_role("link", name="Nouvelle demande de résiliation").click()
    page.get_by_label("Téléphone").check()
    page.get_by_label("Définitive").check()
    expect(page.locator("#summary")).to_contain_text("Fin du service")
    screenshot(page, "backoffice-1280-on-behalf")
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.locator(".messages")).to_contain_text("enregistrée")
    carols = CancellationRequest.objects.get(customer=month_end_queue)
    assert carols.channel == "phone" and carols.created_by is not None
    assert carols.created_by.username == "agent"

    # The dashboard: charts drawn, numbers beside them.
    page.get_by_role("link", name="Tableau de bord").click()
    expect(page.locator(".chart")).to_have_count(5)
    expect(page.locator(".tile").first).to_contain_text("4")
    assert_accessible(page, "back office dashboard")
    screenshot(page, "backoffice-1280-dashboard")


def test_the_back_office_is_usable_on_a_phone(
    live_server: object, phone: Page, month_end_queue: Customer
) -> None:
    """360 px: the navigation scrolls sideways, wide tables scroll inside their card, and
    the page itself never does."""
    from testing.browser import assert_clickable

    page = phone
    page.goto(f"{live_server}/backoffice/connexion/")
    page.get_by_label("Nom d'utilisateur").fill("agent")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    for path in ("", "demandes/", "tableau-de-bord/", "clients/C100001/"):
        page.goto(f"{live_server}/backoffice/{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    page.goto(f"{live_server}/backoffice/demandes/")
    # Each row shows its reference, customer and status within the screen: no swipe.
    row = page.locator("table.bo-table tbody tr").first
    for cell in (row.get_by_role("link"), row.locator(".status")):
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 360, box
    screenshot(page, "backoffice-360-queue")
    page.goto(f"{live_server}/backoffice/bons/")
    form_row = page.locator("table.bo-table tbody tr").first
    box = form_row.locator("td.key").last.bounding_box()  # the form's status
    assert box is not None and box["x"] + box["width"] <= 360, box
    screenshot(page, "backoffice-360-forms")
    page.goto(f"{live_server}/backoffice/demandes/")
    row = page.locator("table.bo-table tbody tr").first
    row.get_by_role("link").click()
    assert_clickable(page.get_by_role("button", name="Prendre en compte"))
    screenshot(page, "backoffice-360-request")
