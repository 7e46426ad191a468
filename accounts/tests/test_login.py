import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from customers.models import Customer
from testing.helpers import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("portal:login")


def test_a_customer_logs_in_with_client_code_and_password(alice: Customer) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "C100001", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_client_code_is_accepted_in_lower_case_with_spaces(alice: Customer) -> None:
    response = Client().post(LOGIN, {"username": " c100 001 ", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_gets_a_clear_message_in_french(alice: Customer) -> None:
    response = Client().post(LOGIN, {"username": "C100001", "password": "nope"})
    assert response.status_code == 200
    assert "Ce code client et ce mot de passe ne correspondent pas" in response.content.decode()


def test_an_unknown_client_code_gets_the_same_message(db: None) -> None:
    response = Client().post(LOGIN, {"username": "C999999", "password": "nope"})
    assert "Ce code client et ce mot de passe ne correspondent pas" in response.content.decode()


def test_the_message_is_in_english_when_english_is_chosen(alice: Customer) -> None:
    client = Client(headers={"accept-language": "en"})
    response = client.post(LOGIN, {"username": "C100001", "password": "nope"})
    assert "This client code and password do not match" in response.content.decode()


def test_a_staff_account_cannot_log_in_to_the_client_area(agent: User) -> None:
    response = Client().post(LOGIN, {"username": "agent", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session


def test_the_home_page_requires_login(db: None) -> None:
    response = Client().get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_staff_user_logged_in_elsewhere_gets_403_on_the_client_area(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    assert client.get(reverse("portal:home")).status_code == 403


def test_five_wrong_passwords_lock_the_client_code_out(alice: Customer) -> None:
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "C100001", "password": "wrong"})
    response = client.post(LOGIN, {"username": "C100001", "password": PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop de tentatives" in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_a_lockout_does_not_block_another_customer(alice: Customer, bob: Customer) -> None:
    client = Client()
    for _ in range(5):
        client.post(LOGIN, {"username": "C100001", "password": "wrong"})
    assert client.post(LOGIN, {"username": "C100002", "password": PASSWORD}).status_code == 302


def test_logout_ends_the_session(alice_client: Client) -> None:
    response = alice_client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert alice_client.get(reverse("portal:home")).status_code == 302


def test_the_empty_form_never_shows_what_another_visitor_typed(alice: Customer) -> None:
    """The empty form is rendered once per process and language and reused: a visitor's
    typed client code and errors belong to their answer only."""
    Client().get(LOGIN)
    failed = Client().post(LOGIN, {"username": "C100001", "password": "nope"})
    assert 'value="C100001"' in failed.content.decode()
    assert "ne correspondent pas" in failed.content.decode()
    page = Client().get(LOGIN).content.decode()
    assert "C100001" not in page and "ne correspondent pas" not in page
    assert "Code client" in page and 'autocomplete="current-password"' in page
    english = Client(headers={"accept-language": "en"}).get(LOGIN).content.decode()
    assert "Client code" in english and "Forgot your password?" in english
    assert "Code client" not in english
