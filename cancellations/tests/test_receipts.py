"""The durable receipt: every item the laws ask for, in the PDF's own extracted text."""

import hashlib
import io
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from accounts.models import User
from cancellations.models import CancellationRequest
from cancellations.receipts import ReceiptAltered, receipt_bytes
from cancellations.services import request_withdraw
from customers.models import Customer, Mailbox, Plan, Subscription
from testing.helpers import make_customer, run_worker, submit
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _text(content: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    # Lines wrap in the PDF: compare the words, not the layout.
    return " ".join(text.split())


@pytest.fixture
def thuy(plans: dict[str, Plan]) -> Customer:
    customer = make_customer("C200777", "Nguyễn Thị Thủy", "thuy@example.nc")
    sub = Subscription.objects.create(
        reference="SUB-T-1",
        customer=customer,
        plan=plans["fibre"],
        started_on=date(2020, 1, 6),
        access_line="262626",
        line_holder="Nguyễn Văn Đức",
    )
    Mailbox.objects.create(subscription=sub, address="thuy@mls.nc")
    Mailbox.objects.create(subscription=sub, address="duc@mls.nc")
    return customer


def _submit(customer: Customer, **fields: object) -> CancellationRequest:
    """A change of provider sent on 30 November at 22:14, the month's last evening."""
    values: dict[str, object] = {
        "desired_date": date(2027, 1, 15),
        "kind": "isp_change",
        "new_isp": "Lagoon Télécom",
        **fields,
    }
    return submit(customer, now=datetime(2026, 11, 30, 22, 14, 5, tzinfo=NOUMEA), **values)  # type: ignore[arg-type]


def test_the_receipt_states_every_item_with_every_glyph_of_the_names(thuy: Customer) -> None:
    request = _submit(thuy, mailbox_retention_months=3)
    content = receipt_bytes(request)
    text = _text(content)
    for expected in [
        "RES-2026-000001",
        "30 novembre 2026 à 22:14:05 (heure de Nouméa, UTC+11:00)",
        "Nguyễn Thị Thủy",
        "C200777",
        "Fibre 100 (SUB-T-1)",
        "262626",
        "Changement de FAI : Lagoon Télécom",
        "Date souhaitée : vendredi 15 janvier 2027",
        "Fin du service : vendredi 15 janvier 2027 (inclus)",
        # Every started month is due, from the month of receipt to the last one.
        "novembre 2026 : 6 900 F",
        "décembre 2026 : 6 900 F",
        "janvier 2027 : 6 900 F",
        "Total restant facturé : 20 700 F",
        "Aucun frais de résiliation",
        # Kept three months after the effective date, through the last day shown.
        "duc@mls.nc, thuy@mls.nc : elles sont conservées jusqu'au jeudi 15 avril 2027 inclus",
        # The OPTimo form's next step names the holder, with his Vietnamese name.
        "Nguyễn Văn Đức",
        "OPTimo",
        # How to withdraw, until when.
        "jusqu'au jeudi 14 janvier 2027 inclus",
    ]:
        assert expected in text, expected
    assert request.receipt_sha256 == hashlib.sha256(content).hexdigest()
    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "receipt.pdf").write_bytes(content)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-singlefile", "receipt.pdf", "receipt"],
            cwd=SCREENSHOTS,
            check=True,
        )


def test_the_receipt_is_in_english_for_an_english_customer(bob: Customer) -> None:
    request = _submit(bob, kind="definitive", new_isp="", desired_date=date(2026, 12, 31))
    text = _text(receipt_bytes(request))
    assert "30 November 2026 at 22:14:05 (Nouméa time, UTC+11:00)" in text
    assert "bob@mls.nc: it works until Thursday 31 December 2026 included" in text
    assert "December 2026: 6 900 F" not in text  # ADSL: 4 500
    assert "December 2026: 4 500 F" in text


def test_the_receipt_is_written_once_and_never_again(thuy: Customer) -> None:
    request = _submit(thuy)
    first = receipt_bytes(request)
    name = request.receipt.name
    request_withdraw(request=request, actor=thuy.user, now=datetime(2026, 12, 2, tzinfo=NOUMEA))
    request.refresh_from_db()
    assert request.receipt.name == name
    assert receipt_bytes(request) == first


def test_the_worker_writes_the_receipt_when_it_sends_the_acknowledgement(thuy: Customer) -> None:
    request = _submit(thuy)
    assert not request.receipt  # not inside the submission's transaction
    run_worker()
    request.refresh_from_db()
    assert request.receipt and len(request.receipt_sha256) == 64
    assert receipt_bytes(request).startswith(b"%PDF-")


def test_an_altered_receipt_is_refused_not_served(thuy: Customer) -> None:
    request = _submit(thuy)
    receipt_bytes(request)
    with request.receipt.open("wb") as stored:
        stored.write(b"%PDF-1.4 forged")
    with pytest.raises(ReceiptAltered):
        receipt_bytes(request)


def test_the_acknowledgement_carries_the_receipt_and_every_effect(thuy: Customer) -> None:
    request = _submit(thuy)
    run_worker()
    request.refresh_from_db()
    (message,) = [m for m in mail.outbox if request.reference in m.subject]
    body = str(message.body)
    name, content, mimetype = message.attachments[0]  # type: ignore[misc]
    assert (name, mimetype) == (f"{request.reference}-accuse-de-reception.pdf", "application/pdf")
    assert hashlib.sha256(content).hexdigest() == request.receipt_sha256
    for expected in [
        "30 novembre 2026 à 22:14:05 (heure de Nouméa, UTC+11:00)",
        "vendredi 15 janvier 2027",  # the effective date
        "janvier 2027",  # the last billed month
        "duc@mls.nc",  # the mailboxes
        "OPTimo",  # the line-access form
        "ligne téléphonique",  # the phone line
    ]:
        assert expected in body, expected


def test_the_receipt_is_downloaded_by_its_customer_and_staff_only(
    thuy: Customer, bob_client: Client, agent: User
) -> None:
    request = _submit(thuy)
    own = Client()
    own.force_login(thuy.user)  # type: ignore[arg-type]
    url = f"/mes-demandes/{request.reference}/recu.pdf"
    response = own.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.search(
        r"attachment; filename=.*accuse-de-reception\.pdf", response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content) == receipt_bytes(request)  # type: ignore[attr-defined]
    assert bob_client.get(url).status_code == 404
    assert Client().get(url).status_code == 302
    staff = Client()
    staff.force_login(agent)
    staff_url = f"/backoffice/demandes/{request.reference}/recu.pdf"
    assert staff.get(staff_url).status_code == 200
    assert own.get(staff_url).status_code in (302, 403)


@pytest.mark.parametrize(
    ("channel", "where"),
    [
        ("web", "Il peut être signé en ligne : ouvrez la demande dans « Mes demandes »"),
        ("web_public", "Il peut être signé en ligne grâce au lien que nous avons envoyé"),
    ],
)
def test_the_receipt_says_where_the_form_is_signed_as_the_emails_do(
    thuy: Customer, channel: str, where: str
) -> None:
    # A request made without an account gets its signing link by e-mail; the others are
    # signed from "My requests", as the acknowledgement says (no link is e-mailed).
    request = _submit(thuy)
    CancellationRequest.objects.filter(pk=request.pk).update(channel=channel)
    request.refresh_from_db()
    text = _text(receipt_bytes(request))
    assert where in text and "le lien est dans vos e-mails" not in text
