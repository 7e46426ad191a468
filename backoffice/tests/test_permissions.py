"""Every back office URL, for every kind of visitor: anonymous users are sent to the staff
login, customers get 403 (never data), agents reach the agent pages and not the
supervisor's, supervisors reach everything. A new URL without its row here fails."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from testing.helpers import World, every_backoffice_url, logged_in

pytestmark = pytest.mark.django_db

AGENT, SUPERVISOR, PUBLIC = "agent", "supervisor", "public"
# name: (who may use it, HTTP method used to try it)
EXPECTED = {
    "today": (AGENT, "get"),
    "login": (PUBLIC, "get"),
    "logout": (PUBLIC, "post"),
    "dashboard": (AGENT, "get"),
    "request_list": (AGENT, "get"),
    "bulk_confirm": (AGENT, "post"),
    "request_detail": (AGENT, "get"),
    "request_receipt": (AGENT, "get"),
    "request_action": (AGENT, "post"),
    "verification_list": (AGENT, "get"),
    "verification_detail": (AGENT, "get"),
    "verification_action": (AGENT, "post"),
    "customer_list": (AGENT, "get"),
    "customer_detail": (AGENT, "get"),
    "new_request": (AGENT, "get"),
    "new_request_summary": (AGENT, "get"),
    "send_access_link": (AGENT, "post"),
    "forms_queue": (AGENT, "get"),
    "forward": (AGENT, "post"),
    "import_answers": (AGENT, "post"),
    "form_detail": (AGENT, "get"),
    "form_document": (AGENT, "get"),
    "form_original": (SUPERVISOR, "get"),
    "batch_list": (AGENT, "get"),
    "switch_list": (AGENT, "get"),
    "batch_detail": (AGENT, "get"),
    "calendar": (SUPERVISOR, "get"),
    "calendar_remove": (SUPERVISOR, "post"),
    "staff": (SUPERVISOR, "get"),
    "staff_change": (SUPERVISOR, "post"),
    "audit_log": (SUPERVISOR, "get"),
    "health": (SUPERVISOR, "get"),
    "mailboxes_export": (SUPERVISOR, "get"),
    "integrations": (SUPERVISOR, "get"),
    "api_key_revoke": (SUPERVISOR, "post"),
    "endpoint_detail": (SUPERVISOR, "get"),
    "endpoint_action": (SUPERVISOR, "post"),
}


def test_every_back_office_url_has_a_permission_row(world: World) -> None:
    assert set(every_backoffice_url(world)) == set(EXPECTED)


def _call(client: Client, method: str, url: str) -> int:
    response = client.post(url, {}) if method == "post" else client.get(url)
    return response.status_code


# One test per kind of visitor, each trying every URL (building the world once).


def test_anonymous_visitors_are_sent_to_the_staff_login(world: World) -> None:
    for name, url in every_backoffice_url(world).items():
        who, method = EXPECTED[name]
        response = Client().post(url, {}) if method == "post" else Client().get(url)
        if who == PUBLIC:
            assert response.status_code in {200, 302}, name
            continue
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("backoffice:login")), name


def test_a_customer_never_gets_in(world: World) -> None:
    # Bob, trying pages about Alice (and everyone): 403, and nothing of hers.
    client = logged_in(world.bob.user)  # type: ignore[arg-type]
    for name, url in every_backoffice_url(world).items():
        who, method = EXPECTED[name]
        if who == PUBLIC:
            continue
        response = client.post(url, {}) if method == "post" else client.get(url)
        assert response.status_code == 403, name
        body = response.content.decode()
        assert "Wayaridri" not in body and "alice@example.nc" not in body, name
        assert "254318" not in body, name


def test_agents_reach_agent_pages_and_only_those(world: World, agent: User) -> None:
    client = logged_in(agent)
    for name, url in every_backoffice_url(world).items():
        who, method = EXPECTED[name]
        if name == "logout":
            continue  # tried last: it ends the session
        status = _call(client, method, url)
        if who == SUPERVISOR:
            assert status == 403, name
        else:
            assert status in {200, 302, 400}, (name, status)


def test_supervisors_reach_every_page(world: World, supervisor: User) -> None:
    client = logged_in(supervisor)
    for name, url in every_backoffice_url(world).items():
        if name == "logout":
            continue
        status = _call(client, EXPECTED[name][1], url)
        assert status in {200, 302, 400}, (name, status)


def test_staff_without_a_role_get_403(world: World) -> None:
    nobody = User.objects.create_user(username="intern", password="x" * 20, is_staff=True)
    assert logged_in(nobody).get(reverse("backoffice:today")).status_code == 403


def test_the_staff_login_refuses_a_customer_with_the_right_password(world: World) -> None:
    from testing.helpers import PASSWORD

    response = Client().post(
        reverse("backoffice:login"), {"username": "C100001", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "ne peut pas utiliser le back office" in response.content.decode() or (
        "cannot use the back office" in response.content.decode()
    )


def test_an_agent_logs_in_and_lands_on_today(world: World, agent: User) -> None:
    from testing.helpers import PASSWORD

    response = Client().post(
        reverse("backoffice:login"), {"username": "agent", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:today")
