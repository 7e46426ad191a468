from typing import Any
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_when_the_application_can_serve_pages() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "static": "ok"}


def test_healthz_answers_503_when_the_database_is_down() -> None:
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")
    ):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_healthz_answers_503_when_the_static_manifest_is_missing(
    settings: Any, tmp_path: Any
) -> None:
    # What the README's deployment did when collectstatic failed: pages answered 500
    # while the health check still said 200.
    settings.STATIC_ROOT = tmp_path  # an empty folder: no manifest (Django reloads the storage)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["static"] == "missing"
