"""Step 2 in a browser: sign the OPTimo form by drawing, or upload a scan."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from access_forms.models import FormStatus
from cancellations.models import CancellationRequest
from customers.models import Customer
from testing.browser import SCREENSHOTS, assert_accessible, calm_business_day, screenshot
from testing.helpers import run_worker, scanned_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def request_with_line(alice: Customer) -> Iterator[CancellationRequest]:
    with time_machine.travel(calm_business_day(), tick=True):
        from django.utils import timezone

        from cancellations.drafts import Draft
        from cancellations.submission import request_submit

        sub = alice.subscriptions.get(reference="SUB-A-1")
        today = timezone.localdate()
        desired = today.replace(day=28) if today.day < 28 else today
        yield request_submit(
            customer=alice,
            draft=Draft(
                subscription=sub, desired_date=desired, kind="isp_change", new_isp="Lagoon"
            ),
            actor=alice.user,
        )


def login(page: Page, live_server: object) -> None:
    page.goto(f"{live_server}/connexion/")
    page.get_by_label("Code client").fill("C100001")
    page.get_by_label("Mot de passe").fill("correct-horse-battery")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Bonjour Alice Wayaridri")).to_be_visible()


def test_the_holder_signs_by_drawing_on_the_pad(
    live_server: object, phone: Page, request_with_line: CancellationRequest
) -> None:
    login(phone, live_server)
    phone.goto(f"{live_server}/mes-demandes/{request_with_line.reference}/")
    phone.get_by_role("link", name="Signer le bon").click()
    expect(phone.get_by_role("heading", name="Le bon OPTimo", exact=True)).to_be_visible()
    assert_accessible(phone, "form page")
    phone.get_by_label("Adresse du titulaire de la ligne").fill("12 rue de Sébastopol, Nouméa")
    phone.locator("#signature-canvas").scroll_into_view_if_needed()
    box = phone.locator("#signature-canvas").bounding_box()
    assert box is not None
    phone.mouse.move(box["x"] + 20, box["y"] + 120)
    phone.mouse.down()
    for step, (dx, dy) in enumerate([(60, 40), (110, 130), (170, 50), (230, 140), (290, 60)]):
        phone.mouse.move(box["x"] + dx, box["y"] + dy, steps=8 + step)
    phone.mouse.up()
    # Forgetting the consent box keeps the drawing: nothing the holder did is lost.
    phone.get_by_role("button", name="Signer le bon").click()
    expect(phone.get_by_text("Cochez la case pour certifier").first).to_be_visible()
    assert phone.locator("#id_signature_data").input_value().startswith("data:image/png")
    phone.get_by_label("Je certifie être le titulaire de la ligne").check()
    screenshot(phone, "20-sign-drawn")
    phone.get_by_role("button", name="Signer le bon").click()
    expect(phone.get_by_text("Merci : le bon signé a bien été reçu.")).to_be_visible()
    expect(phone.get_by_text("Reçu : nous le contrôlons.")).to_be_visible()
    screenshot(phone, "21-signed")

    form = request_with_line.access_form
    form.refresh_from_db()
    assert form.status == FormStatus.SIGNED and form.source == "drawn"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = SCREENSHOTS / "22-signed-form.pdf"
    pdf.write_bytes(form.document.read())
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-singlefile",
            str(pdf),
            str(SCREENSHOTS / "22-signed-form"),
        ],
        check=True,
    )
    assert Path(SCREENSHOTS / "22-signed-form.png").stat().st_size > 10_000


def test_a_scanned_form_is_uploaded(
    live_server: object, phone: Page, request_with_line: CancellationRequest, tmp_path: Path
) -> None:
    scan = tmp_path / "bon-signe.pdf"
    scan.write_bytes(scanned_pdf())
    login(phone, live_server)
    phone.goto(f"{live_server}/mes-demandes/{request_with_line.reference}/bon/")
    phone.get_by_label("Bon signé (PDF, PNG ou JPEG, 10 Mo au plus)").set_input_files(str(scan))
    phone.get_by_role("button", name="Envoyer le scan").click()
    expect(phone.get_by_text("Merci : votre PDF est bien arrivé.")).to_be_visible()
    expect(phone.get_by_role("heading", name="Votre PDF est en cours de lecture")).to_be_visible()
    screenshot(phone, "23-uploaded")
    run_worker()  # the worker reads the PDF: the form is signed
    phone.reload()
    expect(phone.get_by_text("Reçu : nous le contrôlons.")).to_be_visible()
    request_with_line.access_form.refresh_from_db()
    assert request_with_line.access_form.source == "upload"
