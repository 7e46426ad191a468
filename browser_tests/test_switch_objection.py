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
    phone.get_by_role("button", name="Oui, arrêter le transfert").click()
    expect(phone.locator(".messages")).to_contain_text("Arrêté : Lagoon ne peut pas reprendre")
    expect(phone.get_by_role("button", name="Je n'ai rien demandé")).to_have_count(0)
    assert_accessible(phone, "switch stopped")
    screenshot(phone, "71-switch-stopped")
    expect(phone.locator("main")).to_contain_text("continue comme avant")
    ordered_switch.refresh_from_db()
    assert ordered_switch.status == "objected"
    assert ordered_switch.request.status == "withdrawn"


WORDS = {
    "fr": {
        "keep": "Conserver mes boîtes mail",
        "save": "Enregistrer mon choix",
        "saved": "Votre choix pour vos boîtes mail est enregistré",
        "stop": "Je n'ai rien demandé",
        "confirm": "Oui, arrêter le transfert",
        "stopped": "Arrêté : Lagoon ne peut pas reprendre",
        "withdraw": "retirer",
    },
    "en": {
        "keep": "Keep my mailboxes",
        "save": "Save my choice",
        "saved": "Your choice for your mailboxes is recorded",
        "stop": "I did not ask for this",
        "confirm": "Yes, stop the switch",
        "stopped": "Stopped: Lagoon cannot take over your line",
        "withdraw": "withdraw",
    },
}


def test_the_whole_switch_read_and_stopped_from_the_moved_emails_link(
    live_server: object, screen: Page, alice: Customer, supervisor: User, settings: object
) -> None:
    """Match → order → move, every e-mail read; from the last one's link, the mailboxes
    kept after the order, then the switch stopped: at 360 and 1280 px, French and
    English."""
    from django.core import mail

    from switching.ordering import switch_reschedule

    language = "en" if screen.evaluate("navigator.language").startswith("en") else "fr"
    words = WORDS[language]
    alice.language = language
    alice.save(update_fields=["language"])
    settings.RESILIA_SITE_URL = str(live_server)  # type: ignore[attr-defined]
    with time_machine.travel(MORNING, tick=True):
        key, _secret = api_key_create(
            name="Lagoon", scope="switching", expires_at=None, actor=supervisor
        )
        switch = place_switch(key, alice, MORNING.date() + timedelta(days=30))
        delivered_link(r"(http://\S+/transfert/[^/\s]+/)")
        switch_reschedule(
            switch=switch, planned_date=MORNING.date() + timedelta(days=37), actor=key.user
        )
        link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)")
        # Matched, ordered, moved: each names Lagoon, none speaks of withdrawing a request.
        assert len(mail.outbox) == 3
        for message in mail.outbox:
            assert "Lagoon" in str(message.subject) and "Lagoon" in str(message.body)
            assert words["withdraw"] not in str(message.body).lower()
        screen.goto(link)
        expect(screen.get_by_role("heading", level=1)).to_contain_text("Lagoon")
        assert_no_sideways_scroll(screen, "switch page after the order")
        assert_accessible(screen, "switch page after the order")
        screen.get_by_label(words["keep"], exact=False).select_option("3")
        screen.get_by_role("button", name=words["save"]).click()
        expect(screen.locator(".messages")).to_contain_text(words["saved"])
        switch.request.refresh_from_db()
        assert switch.request.mailbox_retention_months == 3
        width = screen.viewport_size["width"] if screen.viewport_size else 0
        screenshot(screen, f"73-switch-mailboxes-{width}-{language}")
        screen.get_by_role("button", name=words["stop"]).click()
        expect(screen.get_by_role("heading", level=1)).to_contain_text("Lagoon")
        assert_no_sideways_scroll(screen, "switch stop confirmation")
        screen.get_by_role("button", name=words["confirm"]).click()
        expect(screen.locator(".messages")).to_contain_text(words["stopped"])
        switch.refresh_from_db()
        assert switch.status == "objected"
        delivered_link(r"(http://\S+/mes-demandes/\S+/)")
        stopped = mail.outbox[-1]
        assert "Lagoon" in str(stopped.subject) and len(mail.outbox) == 4
