"""The security suite: every URL pattern of the project, tried by the wrong people.

Each URL is called with real identifiers of Alice's objects (her requests, her form, her
client code, her public submission) by an anonymous visitor and by Bob, another customer;
staff-only URLs also by a customer. The answer must be a refusal (302 to a login, 401,
403, 404, 405) and never a page with Alice's data. Every pattern needs its row here (the
back office's rows are in backoffice/tests/test_permissions.py, the admin's rule is one
row for the whole namespace): a new URL without one fails the suite.
"""

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from backoffice.tests.test_permissions import EXPECTED as BACKOFFICE_EXPECTED
from cancellations.models import PublicSubmission
from testing.helpers import World

pytestmark = pytest.mark.django_db

# Who may see what the URL shows:
PUBLIC = "public"  # anyone: it shows nobody's data
CUSTOMER = "customer"  # a logged-in customer, about themselves only
API = "api"  # an API key
CAPABILITY = "capability"  # whoever holds the secret in the URL (tried with a wrong one)
SESSION = "session"  # the browser session that sent the public form
DEMO = "demo"  # the demo's inbox: off outside the demo
SCRAPER = "scraper"  # Prometheus: a token or the trusted network (figures, nobody's data)

EXPECTED: dict[str, tuple[str, str]] = {
    "healthz": (PUBLIC, "get"),
    "metrics": (SCRAPER, "get"),
    "set_language": (PUBLIC, "post"),
    "api-v1:openapi-json": (PUBLIC, "get"),
    "api-v1:openapi-view": (PUBLIC, "get"),
    "api-v1:api-root": (PUBLIC, "get"),
    "api-v1:post_quote": (PUBLIC, "post"),
    "api-v1:get_calendar": (PUBLIC, "get"),
    "api-v1:get_customer": (API, "get"),
    "api-v1:list_requests": (API, "get"),
    "api-v1:create_request": (API, "post"),
    "api-v1:get_request": (API, "get"),
    "api-v1:get_final_invoice": (API, "get"),
    "api-v1:get_subscription_quote": (API, "get"),
    "api-v1:list_forms": (API, "get"),
    "api-v1:get_form": (API, "get"),
    "api-v1:get_form_document": (API, "get"),
    "api-v1:bulk_upsert": (API, "post"),
    "api-v1:confirm_request": (API, "post"),
    "api-v1:reject_request": (API, "post"),
    "api-v1:withdraw_request": (API, "post"),
    "api-v1:record_answer": (API, "post"),
    "api-v1:match_customer": (API, "post"),
    "api-v1:order_switch": (API, "post"),
    "api-v1:get_switch": (API, "get"),
    "api-v1:reschedule_switch": (API, "post"),
    "api-v1:cancel_switch": (API, "post"),
    "switching:objection": (CAPABILITY, "get"),
    "switching:client_stop": (CUSTOMER, "post"),
    "portal:renew_switching_code": (CUSTOMER, "post"),
    "cancellations:how_it_works": (PUBLIC, "get"),
    "cancellations:phone_line": (PUBLIC, "get"),
    "cancellations:cancel": (CUSTOMER, "get"),
    "cancellations:summary": (CUSTOMER, "get"),
    "cancellations:submit": (CUSTOMER, "post"),
    "cancellations:request_sent": (CUSTOMER, "get"),
    "cancellations:request_list": (CUSTOMER, "get"),
    "cancellations:request_detail": (CUSTOMER, "get"),
    "cancellations:withdraw": (CUSTOMER, "post"),
    "cancellations:keep_mailboxes": (CUSTOMER, "post"),
    "cancellations:receipt": (CUSTOMER, "get"),
    "cancellations:public_cancel": (PUBLIC, "get"),
    "cancellations:public_code": (SESSION, "get"),
    "cancellations:public_new_code": (SESSION, "post"),
    "cancellations:public_confirm": (SESSION, "get"),
    "cancellations:public_done": (SESSION, "get"),
    "cancellations:public_receipt": (SESSION, "get"),
    "access_forms:form_page": (CUSTOMER, "get"),
    "access_forms:sign": (CUSTOMER, "post"),
    "access_forms:send_link": (CUSTOMER, "post"),
    "access_forms:upload": (CUSTOMER, "post"),
    "access_forms:document": (CUSTOMER, "get"),
    "access_forms:preview": (CUSTOMER, "get"),
    "access_forms:holder_sign": (CAPABILITY, "get"),
    "portal:home": (CUSTOMER, "get"),
    "portal:plans": (CUSTOMER, "get"),
    "portal:login": (PUBLIC, "get"),
    "portal:logout": (PUBLIC, "post"),
    "portal:password_forgotten": (PUBLIC, "get"),
    "portal:activate": (PUBLIC, "get"),
    "portal:link_sent": (PUBLIC, "get"),
    "portal:set_password": (CAPABILITY, "get"),
    "portal:demo_mailbox": (DEMO, "get"),
}

# What must never appear in an answer to someone who is not Alice.
ALICES_DATA = ("Wayaridri", "alice@example.nc", "254318", "alice@mls.nc", "famille@mls.nc")


def _walk(patterns: list[Any], namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            found.extend(_walk(pattern.url_patterns, inner))
        elif pattern.name:
            found.append((namespace + pattern.name, pattern))
    return found


def every_url_name() -> list[str]:
    return sorted({name for name, _ in _walk(get_resolver().url_patterns)})


def _alices_submission(world: World) -> PublicSubmission:
    """Alice's cancellation from the public page, confirmed with her code."""
    from django.utils import timezone

    from cancellations.models import CancellationRequest

    CancellationRequest.objects.filter(pk=world.signed.pk).update(created_by=None)
    world.signed.refresh_from_db()
    return PublicSubmission.objects.create(
        token="alices-own-submission-token",
        form_nonce="alices-own-submission",
        received_at=timezone.now(),
        client_code=world.alice.client_code,
        last_name="Wayaridri",
        contact="alice@example.nc",
        subscription_hint="254318",
        desired_date=date(2026, 12, 31),
        kind="definitive",
        language="fr",
        customer=world.alice,
        request=world.signed,
        code_verified_at=timezone.now(),
    )


def _url(name: str, world: World, submission: PublicSubmission) -> str:
    """The URL with Alice's real identifiers in it (a wrong secret for capability URLs)."""
    reference = world.signed.reference
    candidates: dict[str, object] = {
        "reference": reference,
        "client_code": world.alice.client_code,
        "token": submission.token,
        "year": 2026,
        "month": 12,
    }
    if name == "access_forms:holder_sign":
        candidates["token"] = "not-a-signing-token"
    if name == "portal:set_password":
        candidates = {
            "uidb64": urlsafe_base64_encode(force_bytes(world.alice.user_id)),
            "token": "not-a-token",
        }
    _, pattern = next(p for p in _walk(get_resolver().url_patterns) if p[0] == name)
    kwargs = {key: candidates[key] for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


def _call(client: Client, method: str, url: str) -> Any:
    return client.post(url, {}) if method == "post" else client.get(url)


def _refused(response: Any, name: str, who: str) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode(errors="replace")
    for item in ALICES_DATA:
        assert item not in text, f"{name} shows {item!r} to {who}"


def test_every_url_has_a_row(world: World) -> None:
    backoffice = {f"backoffice:{name}" for name in BACKOFFICE_EXPECTED}
    names = {n for n in every_url_name() if not n.startswith("admin:")}
    assert names - backoffice == set(EXPECTED), "a URL without its row in this suite"


def test_an_anonymous_visitor_never_gets_anyones_data(world: World) -> None:
    submission = _alices_submission(world)
    for name, (who, method) in EXPECTED.items():
        response = _call(Client(), method, _url(name, world, submission))
        _refused(response, name, "an anonymous visitor")
        if who == CUSTOMER:
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("portal:login")), name
        elif who == API:
            assert response.status_code == 401, name
        elif who in (SESSION, DEMO):
            assert response.status_code == 404, name
        elif who == CAPABILITY:
            assert response.status_code in {200, 400, 404, 410}, name  # an error page, no data
        elif who == SCRAPER:
            outside = Client(REMOTE_ADDR="203.0.113.5")
            assert _call(outside, method, _url(name, world, submission)).status_code == 403
        else:
            assert response.status_code < 500, (name, response.status_code)


def test_another_customer_never_gets_alices_objects(world: World) -> None:
    submission = _alices_submission(world)
    bob = Client()
    bob.force_login(world.bob.user)  # type: ignore[arg-type]
    for name, (who, method) in EXPECTED.items():
        response = _call(bob, method, _url(name, world, submission))
        _refused(response, name, "Bob")
        if who == API:
            assert response.status_code == 401, name  # a session is not an API key
        elif who == SESSION:
            assert response.status_code == 404, name  # another browser's submission
        elif who == CUSTOMER and "reference" in _url_kwargs(name):
            assert response.status_code == 404, (name, response.status_code)


def _url_kwargs(name: str) -> set[str]:
    _, pattern = next(p for p in _walk(get_resolver().url_patterns) if p[0] == name)
    return set(pattern.pattern.converters)


def test_alice_reaches_her_own_objects_so_the_refusals_mean_something(world: World) -> None:
    submission = _alices_submission(world)
    alice = Client()
    alice.force_login(world.alice.user)  # type: ignore[arg-type]
    session = alice.session
    session["public_submissions"] = [submission.token]
    session.save()
    for name in ("cancellations:request_detail", "cancellations:receipt", "access_forms:form_page"):
        assert alice.get(_url(name, world, submission)).status_code == 200, name
    done = alice.get(_url("cancellations:public_done", world, submission))
    assert done.status_code == 200 and "Wayaridri" in done.content.decode()


def test_staff_urls_refuse_customers_and_the_admin_refuses_everyone_but_superusers(
    world: World,
) -> None:
    from accounts.models import User

    agent = User.objects.get(username="agent")
    admin_urls = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if not name.startswith("admin:"):
            continue
        values = {
            "app_label": "cancellations",
            "object_id": str(world.signed.pk),
            "id": str(world.alice.user_id),
            "content_type_id": "1",
            "url": "x",
        }
        groups = set(pattern.pattern.regex.groupindex) - {"url"}
        if "url" in pattern.pattern.regex.groupindex:
            continue  # the catch-all redirect
        admin_urls.append(reverse(name, kwargs={k: values[k] for k in groups}))
    assert len(admin_urls) > 20
    customer, staff = Client(), Client()
    customer.force_login(world.bob.user)  # type: ignore[arg-type]
    staff.force_login(agent)
    for url in admin_urls:
        if url.endswith(("/logout/", "/login/")):
            continue  # the admin's own log-in page shows nobody's data
        for who, client in (("anonymous", Client()), ("a customer", customer), ("an agent", staff)):
            response = client.get(url)
            _refused(response, url, who)
            assert response.status_code in {302, 404}, (url, who, response.status_code)
