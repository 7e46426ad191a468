"""The API's documentation page works offline and under the site's CSP."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_with_no_blocked_script_or_style(
    live_server: object, desktop: Page
) -> None:
    desktop.goto(f"{live_server}/api/v1/docs")
    expect(
        desktop.get_by_text("POST /api/v1/quote").or_(
            desktop.locator(".opblock-summary-path").first
        )
    ).to_be_visible()
    expect(desktop.locator(".swagger-ui .info .title")).to_contain_text("Résilia API")


def test_the_admin_and_back_office_work_under_the_csp(
    live_server: object, desktop: Page, agent: object
) -> None:
    from accounts.models import User
    from testing.helpers import PASSWORD

    User.objects.create_superuser(username="root", password=PASSWORD)
    desktop.goto(f"{live_server}/admin/login/")
    desktop.locator("#id_username").fill("root")
    desktop.locator("#id_password").fill(PASSWORD)
    desktop.locator("input[type=submit]").click()
    desktop.goto(f"{live_server}/admin/cancellations/cancellationrequest/")
    expect(desktop.locator("#changelist")).to_be_visible()
    desktop.context.clear_cookies()
    desktop.goto(f"{live_server}/backoffice/connexion/")
    desktop.locator("#id_username").fill("agent")
    desktop.locator("#id_password").fill(PASSWORD)
    desktop.get_by_role("button", name="Se connecter").click()
    for path in ("bons/", "demandes/", "tableau-de-bord/"):
        desktop.goto(f"{live_server}/backoffice/{path}")
        expect(desktop.get_by_role("heading", level=1)).to_be_visible()
