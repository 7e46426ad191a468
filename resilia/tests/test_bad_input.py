"""Whatever a visitor sends, the answer is a clear 4xx (JSON under /api/), never a 500."""

import json
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from customers.models import Customer

pytestmark = pytest.mark.django_db
QUOTE = "/api/v1/quote"


def _quote(body: object) -> object:
    return Client().post(QUOTE, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    "path", ["/api/v1/calendar/³/³", "/api/v1/calendar/٢٠٢٦/١", "/api/v1/calendar/2026/%00"]
)
def test_the_calendar_refuses_non_ascii_digits_with_json(db: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code in {400, 422}
    assert set(response.json()) >= {"code", "message"}


@pytest.mark.parametrize(
    "submitted_at", ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+14:00", "2026-W49-1"]
)
def test_the_quote_refuses_instants_out_of_range_or_in_other_forms(submitted_at: str) -> None:
    response = _quote({"desired_date": "2026-12-31", "submitted_at": submitted_at})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["code"] in {"date_out_of_range", "invalid_datetime"}  # type: ignore[attr-defined]


@pytest.mark.parametrize("desired", ["2026-W49-1", "2026-335", "+02026-12-31", "2026-12-31\x00"])
def test_the_quote_takes_only_yyyy_mm_dd_dates(desired: str) -> None:
    response = _quote({"desired_date": desired, "submitted_at": "2026-11-26T10:00:00+11:00"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert response.json()["code"] == "invalid_date"  # type: ignore[attr-defined]


def test_a_body_over_the_limit_gets_a_json_413(settings: object) -> None:
    body = json.dumps({"desired_date": "2026-12-31", "padding": "x" * 4_000_000})
    response = Client().post(QUOTE, body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_large"


def test_an_unknown_api_address_gets_json_404(db: None) -> None:
    response = Client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/mes-demandes/RES-2026-000001%00/",
        "/mes-demandes/%00/bon/",
        "/signer/abc%00def/",
        "/resiliation/?subscription=SUB-A-1%00",
    ],
)
def test_nul_bytes_in_the_url_are_refused_before_the_database(
    alice_client: Client, path: str
) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = alice_client.get(path)
    assert response.status_code == 400
    assert "Demande non comprise" in response.content.decode()
    assert not any("\x00" in query["sql"] for query in queries.captured_queries)


def test_a_nul_byte_in_a_form_field_is_refused(alice_client: Client, alice: Customer) -> None:
    response = alice_client.post(
        "/resiliation/confirmer/",
        {
            "subscription": "SUB-A-1",
            "desired_date": "2026-12-31",
            "kind": "definitive",
            "idempotency_key": "abc\x00def",
        },
    )
    assert response.status_code == 400
    assert not alice.cancellation_requests.exists()


def test_pages_answer_503_when_the_database_is_unreachable(alice_client: Client) -> None:
    alice_client.raise_request_exception = False  # as a real server answers
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        page = alice_client.get("/")
        api = Client(raise_request_exception=False).get("/api/v1/calendar/2026/11")
    assert page.status_code == 503 and "indisponible" in page.content.decode()
    assert api.status_code == 503 and api.json()["code"] == "unavailable"


def test_a_nul_byte_in_the_session_cookie_is_dropped_not_a_500(alice: Customer) -> None:
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijk"
    response = client.get("/connexion/")
    assert response.status_code == 200
    assert client.get("/").status_code == 302  # simply not logged in


def test_a_multipart_body_to_the_api_is_refused_with_json(db: None) -> None:
    response = Client().post("/api/v1/quote", {"desired_date": "2026-12-31"})  # multipart
    assert response.status_code in {400, 422}
    assert response.json()["code"]


def test_a_refused_request_still_carries_the_security_headers(alice_client: Client) -> None:
    response = alice_client.get("/mes-demandes/?x=%00")
    assert response.status_code == 400
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]
