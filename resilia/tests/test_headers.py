"""Security headers a browser enforces: a strict CSP with no inline script, and no caching
of pages that carry personal data."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from customers.models import Customer
from testing.helpers import submit

pytestmark = pytest.mark.django_db

PAGES = ["/", "/resiliation/", "/mes-demandes/", "/comment-ca-marche/", "/forfaits/"]


def test_every_page_has_a_strict_content_security_policy(alice_client: Client) -> None:
    visitor = Client()
    for client, path in [
        *((alice_client, page) for page in PAGES),
        (visitor, reverse("portal:login")),
        (visitor, "/api/v1/docs"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


def test_no_page_has_an_inline_script_or_style(alice_client: Client, alice: Customer) -> None:
    request = submit(alice, "SUB-A-1")  # the OPTimo form's page has the signature pad
    visitor = Client()
    for client, path in [
        *((alice_client, page) for page in [*PAGES, f"/mes-demandes/{request.reference}/bon/"]),
        (visitor, reverse("portal:login")),
        (visitor, "/api/v1/docs"),
    ]:
        html = client.get(path).content.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", html)
        assert not inline, (path, inline)
        assert not re.search(r"\son[a-z]+=", html), path  # no onclick= and the like
        assert "<style" not in html, path


def test_pages_with_personal_data_are_never_cached(alice_client: Client) -> None:
    for path in PAGES:
        cache_control = alice_client.get(path)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, path


def test_the_api_docs_load_nothing_from_another_site(db: None) -> None:
    html = Client().get("/api/v1/docs").content.decode()
    assert "cdn" not in html.lower()
    assert re.findall(r'src="(/static/ninja/[^"]+)"', html)
