import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from api.keys import api_key_create
from testing.helpers import Call


@pytest.fixture
def keys(supervisor: User) -> dict[str, str]:
    """A write key, a read key; their secret values."""
    _, write = api_key_create(name="Facturation", scope="write", expires_at=None, actor=supervisor)
    _, read = api_key_create(name="Support", scope="read", expires_at=None, actor=supervisor)
    return {"write": write, "read": read}


@pytest.fixture
def api(keys: dict[str, str]) -> Call:
    """api("get", "/api/v1/…", key="write", json={...}, headers={...}) → response."""

    def call(
        method: str,
        path: str,
        *,
        key: str | None = "write",
        json_body: object = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = dict(headers or {})
        if key is not None:
            sent["Authorization"] = f"Bearer {keys.get(key, key)}"
        client = Client()
        if method == "get":
            return client.get(path, json_body or {}, headers=sent)  # type: ignore[arg-type]
        return client.post(
            path,
            json.dumps(json_body if json_body is not None else {}),
            content_type="application/json",
            headers=sent,
        )

    return call
