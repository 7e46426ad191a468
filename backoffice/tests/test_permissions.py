"""Every back office URL, for every kind of visitor: anonymous users are sent to the staff
login, customers get 403 (never data), agents reach the agent pages and not the
supervisor's, supervisors reach everything. A new URL without its row here fails."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from backoffice.tests.conftest import World, every_backoffice_url, logged_in

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
    "request_action": (AGENT, "post"),
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
    "batch_list": (AGENT, "get"),
    "batch_detail": (AGENT, "get"),
    "calendar": (SUPERVISOR, "get"),
    "calendar_remove": (SUPERVISOR, "post"),
    "staff": (SUPERVISOR, "get"),
    "staff_change": (SUPERVISOR, "post"),
    "audit_log": (SUPERVISOR, "get"),
    "mailboxes_export": (SUPERVISOR, "get"),
}


def test_every_back_office_url_has_a_permission_row(world: World) -> None:
    assert set(every_backoffice_url(world)) == set(EXPECTED)


def _call(client: Client, method: str, url: str) -> int:
    response = client.post(url, {}) if method == "post" else client.get(url)
    return response.status_code


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_anonymous_visitors_are_sent_to_the_staff_login(world: World, name: str) -> None:
    who, method = EXPECTED[name]
    url = every_backoffice_url(world)[name]
    response = Client().post(url, {}) if method == "post" else Client().get(url)
    if who == PUBLIC:
        assert response.status_code in {200, 302}
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("backoffice:login"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_customer_never_gets_in(world: World, name: str) -> None:
    who, method = EXPECTED[name]
    if who == PUBLIC:
        return
    # Bob, trying pages about Alice (and everyone): 403, and nothing of hers.
    client = logged_in(world.bob.user)  # type: ignore[arg-type]
    url = every_backoffice_url(world)[name]
    response = client.post(url, {}) if method == "post" else client.get(url)
    assert response.status_code == 403
    body = response.content.decode()
    assert "Wayaridri" not in body and "alice@example.nc" not in body and "254318" not in body


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_agents_reach_agent_pages_and_only_those(world: World, agent: User, name: str) -> None:
    who, method = EXPECTED[name]
    status = _call(logged_in(agent), method, every_backoffice_url(world)[name])
    if who == SUPERVISOR:
        assert status == 403
    else:
        assert status in {200, 302, 400}, status


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_supervisors_reach_every_page(world: World, supervisor: User, name: str) -> None:
    _, method = EXPECTED[name]
    status = _call(logged_in(supervisor), method, every_backoffice_url(world)[name])
    assert status in {200, 302, 400}, status


def test_staff_without_a_role_get_403(world: World) -> None:
    nobody = User.objects.create_user(username="intern", password="x" * 20, is_staff=True)
    assert logged_in(nobody).get(reverse("backoffice:today")).status_code == 403


def test_the_staff_login_refuses_a_customer_with_the_right_password(world: World) -> None:
    from conftest import PASSWORD

    response = Client().post(
        reverse("backoffice:login"), {"username": "C100001", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "ne peut pas utiliser le back office" in response.content.decode() or (
        "cannot use the back office" in response.content.decode()
    )


def test_an_agent_logs_in_and_lands_on_today(world: World, agent: User) -> None:
    from conftest import PASSWORD

    response = Client().post(
        reverse("backoffice:login"), {"username": "agent", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:today")
