"""The supervisors' "Santé" page at 360 px and 1280 px: a worker gone silent and an e-mail
waiting stand out as alerts; the page never scrolls sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from notifications.models import OutboundEmail
from operations.models import WorkerBeat
from testing.browser import assert_accessible, assert_no_sideways_scroll, screenshot
from testing.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_health_page_shows_what_is_wrong(
    live_server: object, request: pytest.FixtureRequest, supervisor: object, width: int
) -> None:
    now = timezone.now()
    WorkerBeat.objects.create(name="worker-1.mls.nc:4242", started_at=now, beat_at=now)
    WorkerBeat.objects.create(
        name="worker-2.mls.nc:977", started_at=now, beat_at=now - timedelta(minutes=7)
    )
    email = OutboundEmail.objects.create(
        template="form_received", language="fr", to="a@example.nc", subject="s",
        body_text="t", body_html="h",
    )  # fmt: skip
    OutboundEmail.objects.filter(pk=email.pk).update(created_at=now - timedelta(minutes=25))
    page: Page = request.getfixturevalue("phone" if width == 360 else "desktop")
    page.goto(f"{live_server}/backoffice/connexion/")
    page.get_by_label("Nom d'utilisateur").fill("superviseur")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server}/backoffice/sante/")
    expect(page.get_by_role("heading", name="Santé de Résilia")).to_be_visible()
    expect(page.get_by_text("chiffres ont passé leur seuil d'alerte")).to_be_visible()
    silent = page.locator(".health div", has_text="worker-2.mls.nc:977")
    expect(silent).to_contain_text("Alerte :")
    expect(page.locator(".health div", has_text="worker-1.mls.nc:4242")).not_to_contain_text(
        "Alerte"
    )
    expect(page.locator(".health div", has_text="E-mail le plus ancien")).to_contain_text(
        "25 minutes"
    )
    assert_no_sideways_scroll(page, "health")
    assert_accessible(page, "health page")
    screenshot(page, f"74-health-{width}")
