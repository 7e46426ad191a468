"""Arbitrary text (NUL bytes, huge, any script, wrong shapes) posted to every form of the
client area, the holder's signing page and the back office never gets a 5xx."""

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from access_forms.holder_links import form_send_link, signing_link_token
from access_forms.models import AccessLineForm
from accounts.models import User
from customers.models import Customer
from testing.helpers import submit

pytestmark = pytest.mark.django_db

# Any text an HTTP form can carry (lone surrogates cannot be encoded as UTF-8).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
VALUE = st.one_of(TEXT, st.lists(TEXT, max_size=3), st.sampled_from(["", "\x00", "0", "-1"]))
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CANCEL_FIELDS = [
    "subscription",
    "desired_date",
    "kind",
    "new_isp",
    "kind_detail",
    "keep_mailboxes",
    "retention_months",
    "phone_line_cancelled",
    "wants_phone_line_ended",
    "idempotency_key",
    "edit",
]
SIGN_FIELDS = [
    "signer_name",
    "holder_address",
    "holder_phone",
    "holder_email",
    "signature_data",
    "typed_signature",
    "consent",
]


def _fields(names: list[str]) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries({}, optional={name: VALUE for name in names})


def _no_server_error(response: HttpResponseBase) -> None:
    assert response.status_code < 500, response


HUGE = {"signer_name": "x" * 4_000_000}
# A signature a person could really send, but on two lines (a 500 before it was refused).
TWO_LINES = {
    "signer_name": "Alice",
    "holder_address": "1 rue de Sébastopol",
    "typed_signature": "Alice\nWayaridri",
    "consent": "on",
}


@FUZZ
@given(data=_fields(["username", "password", "client_code", "email"]))
@example(data={"username": "C100001\x00", "password": "\x00"})
def test_the_public_forms_never_answer_5xx(db: None, data: dict[str, object]) -> None:
    client = Client()
    for name in ("portal:login", "portal:password_forgotten", "portal:activate"):
        _no_server_error(client.post(reverse(name), data))


@FUZZ
@given(data=_fields(CANCEL_FIELDS))
@example(data={"subscription": "SUB-A-1", "desired_date": "9999-12-31", "kind": "definitive"})
@example(data={"desired_date": "0001-01-01", "retention_months": "99999999999999999999"})
def test_the_cancellation_forms_never_answer_5xx(
    alice_client: Client, data: dict[str, object]
) -> None:
    for name in ("cancellations:cancel", "cancellations:submit"):
        _no_server_error(alice_client.post(reverse(name), data))
    query = {k: v for k, v in data.items() if isinstance(v, str)}
    _no_server_error(
        alice_client.get(reverse("cancellations:summary"), query, HTTP_HX_REQUEST="true")
    )


@pytest.fixture
def form_request(alice: Customer) -> AccessLineForm:
    return submit(alice, "SUB-A-1").access_form


@FUZZ
@given(data=_fields([*SIGN_FIELDS, "email", "document"]))
@example(data=HUGE)
@example(data=TWO_LINES)
def test_the_signing_forms_never_answer_5xx(
    alice_client: Client, form_request: AccessLineForm, data: dict[str, object]
) -> None:
    reference = form_request.request.reference
    for name in ("sign", "send_link", "upload"):
        url = reverse(f"access_forms:{name}", args=[reference])
        _no_server_error(alice_client.post(url, data))
    _no_server_error(alice_client.post(reverse("cancellations:withdraw", args=[reference]), data))


@pytest.fixture
def holder_link(form_request: AccessLineForm) -> str:
    form_send_link(form=form_request, email="holder@example.nc", actor=None, ip=None)
    form_request.refresh_from_db()
    token = signing_link_token(form_id=form_request.pk, nonce=form_request.link_nonce)
    return reverse("access_forms:holder_sign", args=[token])


@FUZZ
@given(data=_fields(SIGN_FIELDS))
@example(data=HUGE)
@example(data=TWO_LINES)
def test_the_holders_signing_page_never_answers_5xx(
    holder_link: str, data: dict[str, object]
) -> None:
    _no_server_error(Client().post(holder_link, data))


@FUZZ
@given(
    data=_fields(
        [
            "action",
            "check-valid",
            "check-reason",
            "answer-accepted",
            "answer-operator_reference",
            "answer-reason",
            "answers",
            "seen_status",
            "reject-reason",
            "withdraw-reason",
            "note-note",
            "email",
            "selected",
            "channel",
            "subscription",
            "desired_date",
            "kind",
            "idempotency_key",
            "q",
            "status",
            "received_from",
            "order",
            "page",
        ]
    )
)
def test_the_back_office_forms_never_answer_5xx(
    supervisor: User, form_request: AccessLineForm, data: dict[str, object]
) -> None:
    client = Client()
    client.force_login(supervisor)
    reference = form_request.request.reference
    for url in (
        reverse("backoffice:form_detail", args=[form_request.pk]),
        reverse("backoffice:import_answers"),
        reverse("backoffice:forward"),
        *(
            reverse("backoffice:request_action", args=[reference, action])
            for action in ("reject", "withdraw", "note", "check", "resend", "confirm", "x")
        ),
        reverse("backoffice:bulk_confirm"),
        reverse("backoffice:new_request", args=["C100001"]),
        reverse("backoffice:calendar"),
        reverse("backoffice:staff"),
    ):
        _no_server_error(client.post(url, data))
    for url in (
        reverse("backoffice:request_list"),
        reverse("backoffice:forms_queue"),
        reverse("backoffice:customer_list"),
        reverse("backoffice:audit_log"),
        reverse("backoffice:new_request_summary", args=["C100001"]),
    ):
        _no_server_error(client.get(url, {k: v for k, v in data.items() if isinstance(v, str)}))
