"""A customer on a phone who never asked for a change of provider: from the e-mail's link
to "Je n'ai rien demandé", and the switch stopped (issue 32)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import Page, expect

from accounts.models import User
from api.keys import api_key_create
from customers.models import Customer
from switching.models import Switch
from testing.browser import (
    assert_accessible,
    assert_clickable,
    assert_no_sideways_scroll,
    calm_business_day,
    screenshot,
)
from testing.helpers import delivered_link, place_switch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORNING = calm_business_day()


@pytest.fixture
def ordered_switch(
    alice: Customer, supervisor: User, settings: object, live_server: object
) -> Iterator[Switch]:
    settings.RESILIA_SITE_URL = str(live_server)  # type: ignore[attr-defined]
    with time_machine.travel(MORNING, tick=True):
        key, _secret = api_key_create(
            name="Lagoon", scope="switching", expires_at=None, actor=supervisor
        )
        yield place_switch(key, alice, MORNING.date() + timedelta(days=30))


def test_the_customer_stops_a_switch_from_the_emails_link(
    live_server: object, phone: Page, ordered_switch: Switch
) -> None:
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)")
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Lagoon")
    expect(phone.locator("main")).to_contain_text(ordered_switch.reference)
    button = phone.get_by_role("button", name="Je n'ai rien demandé")
    assert_clickable(button)
    assert_accessible(phone, "switch page")
    assert_no_sideways_scroll(phone, "switch page")
    screenshot(phone, "70-switch-objection")
    # The mailboxes can still be kept once ordered.
    expect(
        phone.get_by_label(
            "Conserver mes boîtes mail alice@mls.nc, famille@mls.nc après le transfert"
        )
    ).to_be_visible()
    button.click()
    # Said before it is done: Lagoon told, and blocked for 30 days.
    expect(phone.get_by_role("heading", level=1)).to_contain_text(
        "Arrêter le transfert vers Lagoon"
    )
    expect(phone.locator("main")).to_contain_text("30 jours")
    assert_no_sideways_scroll(phone, "switch stop confirmation")
    screenshot(phone, "72-switch-stop-confirm")
    phone.get_by_role("button", name="Oui, arrêter Lagoon").click()
    expect(phone.locator(".messages")).to_contain_text("Arrêté : Lagoon ne peut pas reprendre")
    expect(phone.get_by_role("button", name="Je n'ai rien demandé")).to_have_count(0)
    assert_accessible(phone, "switch stopped")
    screenshot(phone, "71-switch-stopped")
    expect(phone.locator("main")).to_contain_text("continue comme avant")
    ordered_switch.refresh_from_db()
    assert ordered_switch.status == "objected"
    assert ordered_switch.request.status == "withdrawn"
