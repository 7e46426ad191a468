from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from testing.helpers import PASSWORD, delivered_link, run_worker

pytestmark = pytest.mark.django_db
FORGOTTEN = reverse("portal:password_forgotten")
ACTIVATE = reverse("portal:activate")


def _link(email: OutboundEmail) -> str:
    assert MASK in email.body_text  # the stored copy never holds a live link
    return delivered_link(r"http://127.0.0.1:8000(/mot-de-passe/[^\s]+/)")


def _ask(url: str, data: dict[str, str]) -> HttpResponse:
    """Post the form, then let the worker do what it queued (the page never decides)."""
    response = Client().post(url, data)
    run_worker()
    return response  # type: ignore[return-value]


def _choose(client: Client, link: str, password: str = "a-new-long-password") -> object:
    page = client.get(link, follow=True)  # Django swaps the token for a session marker
    return client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_forgotten_password_sends_a_link_and_never_a_password(alice: Customer) -> None:
    response = _ask(FORGOTTEN, {"client_code": "c100001", "email": "ALICE@example.nc"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:link_sent")
    email = OutboundEmail.objects.get()
    assert email.to == "alice@example.nc"
    assert email.template == "password_reset"
    assert email.subject == "Choisissez un nouveau mot de passe myMLS"
    assert PASSWORD not in email.body_text
    assert len(mail.outbox) == 1
    assert mail.outbox[0].alternatives[0][1] == "text/html"  # type: ignore[union-attr]


def test_the_answer_is_the_same_for_an_unknown_pair(alice: Customer) -> None:
    known = _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    wrong_email = _ask(FORGOTTEN, {"client_code": "C100001", "email": "eve@example.nc"})
    unknown = _ask(FORGOTTEN, {"client_code": "C999999", "email": "alice@example.nc"})
    assert known["Location"] == wrong_email["Location"] == unknown["Location"]
    assert OutboundEmail.objects.count() == 1


def test_the_link_sets_a_new_password_and_logs_in(alice: Customer) -> None:
    _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    client = Client()
    response = _choose(client, _link(OutboundEmail.objects.get()))
    assert response.status_code == 302  # type: ignore[attr-defined]
    alice.user.refresh_from_db()  # type: ignore[union-attr]
    assert alice.user.check_password("a-new-long-password")  # type: ignore[union-attr]
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_used_link_does_not_work_twice(alice: Customer) -> None:
    _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    link = _link(OutboundEmail.objects.get())
    _choose(Client(), link)
    page = Client().get(link, follow=True).content.decode()
    assert "Ce lien ne fonctionne plus" in page
    response = _choose(Client(), link, "another-long-password")
    alice.user.refresh_from_db()  # type: ignore[union-attr]
    assert alice.user.check_password("a-new-long-password")  # type: ignore[union-attr]
    assert "Ce lien ne fonctionne plus" in response.content.decode()  # type: ignore[attr-defined]


def test_an_expired_link_does_not_work(alice: Customer) -> None:
    _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    link = _link(OutboundEmail.objects.get())
    with time_machine.travel(timezone.localtime() + timedelta(hours=25)):
        page = Client().get(link, follow=True).content.decode()
    assert "Ce lien ne fonctionne plus" in page


def test_a_tampered_link_does_not_work(alice: Customer) -> None:
    _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    link = _link(OutboundEmail.objects.get())
    page = Client().get(link[:-3] + "xx/", follow=True)
    assert page.status_code == 200
    assert "Ce lien ne fonctionne plus" in page.content.decode()


def test_a_weak_password_is_refused_with_a_message(alice: Customer) -> None:
    _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    response = _choose(Client(), _link(OutboundEmail.objects.get()), "123")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Ce mot de passe est trop court" in response.content.decode()  # type: ignore[attr-defined]


def test_activation_creates_the_access_of_an_imported_customer(plans: object) -> None:
    customer = Customer.objects.create(
        client_code="C200000", name="Nina Gope", email="nina@example.nc", language="en"
    )
    _ask(ACTIVATE, {"client_code": "C200000", "email": "nina@example.nc"})
    customer.refresh_from_db()
    assert customer.user is not None
    assert not customer.user.has_usable_password()
    email = OutboundEmail.objects.get()
    assert email.template == "activation"
    assert email.subject == "Activate your myMLS access"  # the customer's language
    client = Client()
    _choose(client, _link(email))
    customer.user.refresh_from_db()
    assert customer.user.check_password("a-new-long-password")
    assert client.post(reverse("portal:login"), {"username": "C200000", "password": "x"})


def test_activation_answers_the_same_for_an_unknown_pair(db: None) -> None:
    response = _ask(ACTIVATE, {"client_code": "C999", "email": "who@example.nc"})
    assert response["Location"] == reverse("portal:link_sent")
    assert not OutboundEmail.objects.exists()


def test_an_invalid_form_shows_messages_and_sends_nothing(alice: Customer) -> None:
    response = _ask(FORGOTTEN, {"client_code": "", "email": "not-an-email"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ce champ est obligatoire" in page
    assert "Saisissez une adresse de courriel valide" in page
    assert not OutboundEmail.objects.exists()


def test_links_are_limited_to_three_an_hour_per_client_code(alice: Customer) -> None:
    for _ in range(5):
        _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    assert OutboundEmail.objects.count() == 3


def test_choosing_a_password_unlocks_a_locked_out_customer(alice: Customer) -> None:
    login = reverse("portal:login")
    for _ in range(5):
        Client().post(login, {"username": "C100001", "password": "wrong"})
    _ask(FORGOTTEN, {"client_code": "C100001", "email": "alice@example.nc"})
    _choose(Client(), _link(OutboundEmail.objects.get()))
    response = Client().post(login, {"username": "C100001", "password": "a-new-long-password"})
    assert response.status_code == 302


def test_a_matching_and_an_unknown_pair_do_the_same_work_while_the_visitor_waits(
    alice: Customer,
) -> None:
    """Same queries, same task queued: timing cannot tell whether a client code exists."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def visible_work(data: dict[str, str]) -> list[str]:
        client = Client()
        client.get(FORGOTTEN)  # the session and CSRF cookie, as a browser has them
        with CaptureQueriesContext(connection) as queries:
            response = client.post(FORGOTTEN, data)
        assert response["Location"] == reverse("portal:link_sent")
        return [q["sql"].split(" ", 1)[0] + " " + q["sql"].split('"')[1] for q in queries]

    known = visible_work({"client_code": "C100001", "email": "alice@example.nc"})
    unknown = visible_work({"client_code": "C999999", "email": "who@example.nc"})
    assert known == unknown
    assert not OutboundEmail.objects.exists()  # nothing decided before the worker runs
    run_worker()
    assert OutboundEmail.objects.count() == 1
