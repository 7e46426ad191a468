import json
from typing import Any

import pytest
from django.test import Client

from cancellations.models import CalendarOverride

pytestmark = pytest.mark.django_db
QUOTE = "/api/v1/quote"


def post(body: object, **headers: str) -> tuple[int, dict[str, Any]]:
    data = body if isinstance(body, str) else json.dumps(body)
    response = Client(headers=headers).post(QUOTE, data=data, content_type="application/json")
    return response.status_code, response.json()


def test_quote_of_a_request_on_time_for_the_month_end() -> None:
    status, body = post({"desired_date": "2026-10-31", "submitted_at": "2026-10-30T23:30:00+11:00"})
    assert status == 200
    assert body == {
        "processing_date": "2026-10-30",
        "effective_date": "2026-10-31",
        "billing_end": "2026-10-31",
        "month_end_deadline": "2026-10-30T23:59:59+11:00",
        "on_time_for_month_end": True,
    }


def test_quote_uses_noumea_time_for_an_instant_given_in_utc() -> None:
    status, body = post({"desired_date": "2026-10-31", "submitted_at": "2026-10-30T13:30:00Z"})
    assert status == 200
    assert body["processing_date"] == "2026-11-02"
    assert body["billing_end"] == "2026-11-30"
    assert body["on_time_for_month_end"] is False


def test_quote_is_relative_to_submitted_at_even_far_in_the_past() -> None:
    status, body = post({"desired_date": "2020-12-31", "submitted_at": "2020-12-24T10:00:00+11:00"})
    assert status == 200
    assert body["effective_date"] == "2020-12-31"
    assert body["month_end_deadline"] == "2020-12-31T23:59:59+11:00"


def test_quote_without_submitted_at_uses_now(settings: object) -> None:
    status, body = post({"desired_date": "2099-01-01"})
    assert status == 422 and body["code"] == "date_too_far"


def test_quote_refuses_a_date_in_the_past_in_french_by_default() -> None:
    status, body = post({"desired_date": "2026-11-20", "submitted_at": "2026-11-25T14:00:00+11:00"})
    assert status == 422
    assert body["code"] == "date_in_past"
    assert body["message"].startswith("La date souhaitée est passée")


def test_quote_messages_follow_accept_language() -> None:
    status, body = post(
        {"desired_date": "2026-11-20", "submitted_at": "2026-11-25T14:00:00+11:00"},
        accept_language="en",
    )
    assert status == 422
    assert body["message"].startswith("The desired date is in the past")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"desired_date": "2026-13-01"}, "invalid_date"),
        ({"desired_date": "30/11/2026"}, "invalid_date"),
        ({"desired_date": "2026-11-30T00:00"}, "invalid_date"),
        ({"desired_date": 20261130}, "invalid_request"),
        ({"desired_date": None}, "invalid_request"),
        ({"desired_date": ["2026-11-30"]}, "invalid_request"),
        ({}, "invalid_request"),
        ([], "invalid_request"),
        ("2026-11-30", "malformed_json"),
        ("{not json", "malformed_json"),
        ("", "invalid_request"),
        ({"desired_date": "2026-11-30", "submitted_at": "2026-11-25T14:00:00"}, "naive_datetime"),
        ({"desired_date": "2026-11-30", "submitted_at": "yesterday"}, "invalid_datetime"),
        ({"desired_date": "2026-11-30", "submitted_at": 1764000000}, "invalid_request"),
        (
            {"desired_date": "2026-11-30", "submitted_at": "2025-11-25T14:00:00+11:00"},
            "date_too_far",
        ),
    ],
)
def test_bad_input_gets_422_with_a_code_and_a_message(body: object, code: str) -> None:
    status, answer = post(body)
    assert status == 422, answer
    assert answer["code"] == code
    assert isinstance(answer["message"], str) and answer["message"]


def test_calendar_of_november_2026() -> None:
    response = Client().get("/api/v1/calendar/2026/11")
    assert response.status_code == 200
    assert response.json() == {
        "last_business_day": "2026-11-30",
        "business_days": 20,
        "holidays": [
            {"date": "2026-11-01", "name": "Toussaint"},
            {"date": "2026-11-11", "name": "Armistice"},
        ],
    }


def test_calendar_applies_the_overrides() -> None:
    CalendarOverride.objects.create(day="2026-11-30", kind="closed", name="Pont")
    CalendarOverride.objects.create(day="2026-11-11", kind="open", name="Ouvert")
    body = Client().get("/api/v1/calendar/2026/11").json()
    assert body["last_business_day"] == "2026-11-27"
    assert body["business_days"] == 20
    assert {"date": "2026-11-30", "name": "Pont"} in body["holidays"]
    assert all(h["date"] != "2026-11-11" for h in body["holidays"])
    status, quote = post(
        {"desired_date": "2026-11-30", "submitted_at": "2026-11-30T09:00:00+11:00"}
    )
    assert status == 200
    assert quote["processing_date"] == "2026-12-01"


@pytest.mark.parametrize(
    "path", ["2026/13", "2026/0", "0/1", "abc/1", "2026/x", "2026/-1", "99999999999999999999/1"]
)
def test_calendar_bad_parameters_get_422(path: str) -> None:
    response = Client().get(f"/api/v1/calendar/{path}")
    assert response.status_code == 422
    assert response.json()["code"] in {"invalid_month", "invalid_year"}


def test_the_openapi_document_lists_the_public_endpoints() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/quote" in paths
    assert "/api/v1/calendar/{year}/{month}" in paths


def test_the_api_describes_only_what_it_offers(db: None) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    description = document["info"]["description"].lower()
    assert "idempotency-key" in description and "bearer" in description
    assert set(document["paths"]) == {
        "/api/v1/quote",
        "/api/v1/calendar/{year}/{month}",
        "/api/v1/customers",
        "/api/v1/customers/{client_code}",
        "/api/v1/requests",
        "/api/v1/requests/{reference}",
        "/api/v1/requests/{reference}/final-invoice",
        "/api/v1/requests/{reference}/confirm",
        "/api/v1/requests/{reference}/reject",
        "/api/v1/requests/{reference}/withdraw",
        "/api/v1/subscriptions/{reference}/quote",
        "/api/v1/forms",
        "/api/v1/forms/{reference}",
        "/api/v1/forms/{reference}/document",
        "/api/v1/forms/{reference}/answer",
        "/api/v1/switches/match",
        "/api/v1/switches",
        "/api/v1/switches/{reference}",
        "/api/v1/switches/{reference}/reschedule",
        "/api/v1/switches/{reference}/cancel",
    }


def test_the_openapi_document_has_no_duplicate_keys(db: None) -> None:
    """Swagger UI refuses a document with a key twice (it once had "200" and 200)."""

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    json.loads(Client().get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicates)


def test_a_body_too_large_is_a_413_with_a_message(db: None) -> None:
    """Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE; the API says so in JSON."""
    body = '{"x": "' + "a" * (3 * 1024 * 1024) + '"}'
    answer = Client().post("/api/v1/quote", body, content_type="application/json")
    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
