"""A small back office world: Alice's two requests (one with a signed, unchecked form),
Bob's received request, a batch sent to the operator, and the URL of every back office
page built from them."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, reverse

from access_forms.forwarding import batch_forward
from access_forms.models import AccessLineForm
from access_forms.services import form_check
from access_forms.signing import Signature, form_sign
from access_forms.tests.conftest import submit
from accounts.models import User
from backoffice import urls as backoffice_urls
from cancellations.models import CalendarOverride, CancellationRequest, PublicSubmission
from customers.models import Customer
from toolbox.noumea import NOUMEA

# The day after the world's requests were received (26 November 2026, a Thursday).
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=NOUMEA)


@pytest.fixture(autouse=True)
def _friday_27_november() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@dataclass
class World:
    alice: Customer
    bob: Customer
    signed: CancellationRequest  # Alice's fibre: its form signed, waiting for a check
    plain: CancellationRequest  # Alice's ADSL: no line, no form to sign
    bobs: CancellationRequest  # Bob's: form awaiting signature
    forwarded: AccessLineForm | None
    batch_reference: str


def sign(request: CancellationRequest) -> AccessLineForm:
    customer = request.customer
    return form_sign(
        form=request.access_form,
        signature=Signature(signer_name=customer.name, consent=True, typed=customer.name),
        actor=None,
        ip=None,
        user_agent="",
    )


@pytest.fixture
def world(alice: Customer, bob: Customer, agent: User, settings: object) -> World:
    settings.RESILIA_AUTO_CONFIRM = False  # type: ignore[attr-defined]
    signed = submit(alice, "SUB-A-1")
    form = sign(signed)
    # As if it had been uploaded as a PDF: the sender's file, kept for supervisors.
    form.original_document.save("sent.pdf", ContentFile(b"%PDF-1.4 as sent"), save=True)
    plain = submit(alice, "SUB-A-2")
    bobs = submit(bob, "SUB-B-1")
    # A second world request whose form has left for the operator, for the batch pages.
    form = sign(bobs)
    form_check(form=form, valid=True, actor=agent)
    batch = batch_forward(actor=agent, ip=None)
    assert batch is not None
    return World(
        alice=alice,
        bob=bob,
        signed=signed,
        plain=plain,
        bobs=bobs,
        forwarded=AccessLineForm.objects.get(pk=form.pk),
        batch_reference=batch.reference,
    )


def public_submission_for_world(world: World) -> PublicSubmission:
    """A cancellation from the public page that names Alice and waits for an agent."""
    from django.utils import timezone

    return PublicSubmission.objects.create(
        token="world-submission",
        form_nonce="world-submission",
        received_at=timezone.now(),
        checked_at=timezone.now(),
        client_code=world.alice.client_code,
        last_name="Wayaridri",
        contact="+687 77 12 34",
        subscription_hint="254318",
        desired_date=date(2026, 12, 31),
        kind="definitive",
        language="fr",
    )


def url_kwargs(world: World) -> dict[str, dict[str, object]]:
    """Arguments for every back office URL that takes some."""
    from api.keys import api_key_create
    from webhooks.services import webhook_endpoint_create

    override = CalendarOverride.objects.create(day="2026-12-24", kind="closed", name="Pont")
    from django.test import override_settings

    owner = User.objects.get(username="agent")
    api_key, _ = api_key_create(name="Facturation", scope="read", expires_at=None, actor=owner)
    with override_settings(RESILIA_WEBHOOK_ALLOW_PRIVATE=True):  # no DNS in tests
        endpoint, _ = webhook_endpoint_create(
            url="https://crm.example.nc/hooks", event_types=[], description="", actor=owner
        )
    submission = public_submission_for_world(world)
    return {
        "request_detail": {"reference": world.signed.reference},
        "request_receipt": {"reference": world.signed.reference},
        "request_action": {"reference": world.signed.reference, "action": "note"},
        "customer_detail": {"client_code": world.alice.client_code},
        "verification_detail": {"pk": submission.pk},
        "verification_action": {"pk": submission.pk, "action": "refuser"},
        "new_request": {"client_code": world.alice.client_code},
        "new_request_summary": {"client_code": world.alice.client_code},
        "send_access_link": {"client_code": world.alice.client_code},
        "form_detail": {"pk": world.signed.access_form.pk},
        "form_document": {"pk": world.signed.access_form.pk},
        "form_original": {"pk": world.signed.access_form.pk},
        "batch_detail": {"reference": world.batch_reference},
        "calendar_remove": {"pk": override.pk},
        "staff_change": {"pk": owner.pk},
        "api_key_revoke": {"pk": api_key.pk},
        "endpoint_detail": {"pk": endpoint.pk},
        "endpoint_action": {"pk": endpoint.pk, "action": "test"},
    }


def every_backoffice_url(world: World) -> dict[str, str]:
    kwargs = url_kwargs(world)
    urls = {}
    for pattern in backoffice_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        name = pattern.name or ""
        urls[name] = reverse(f"backoffice:{name}", kwargs=kwargs.get(name))
    return urls


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
