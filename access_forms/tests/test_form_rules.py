"""R10: which request needs the OPTimo form, of which kind."""

import hashlib
import shutil
import subprocess
from datetime import date

import pytest

from access_forms.models import FormStatus
from access_forms.services import FormError, preview_pdf
from access_forms.signing import Signature, form_sign
from cancellations.models import CancellationRequest
from customers.models import Customer
from notifications.models import OutboundEmail
from testing.helpers import drawn_png, submit

pytestmark = pytest.mark.django_db


def test_a_line_needs_a_cancellation_form_signed_by_the_holder(
    fibre_request: CancellationRequest,
) -> None:
    form = fibre_request.access_form
    assert form.status == FormStatus.AWAITING_SIGNATURE
    assert form.kind == "cancellation"
    assert form.line_number == "254318"
    assert form.holder_name == "Alice Wayaridri"
    assert form.holder_email == "alice@example.nc"
    assert form.form_date == date(2026, 12, 31)


def test_a_change_of_provider_needs_the_isp_release_form(alice: Customer) -> None:
    request = submit(
        alice, "SUB-A-1", kind="isp_change", new_isp="Lagoon", desired_date=date(2027, 1, 15)
    )
    assert request.access_form.kind == "isp_release"
    assert request.access_form.form_date == date(2027, 1, 15)


def test_a_phone_line_already_ending_closes_the_access_automatically(alice: Customer) -> None:
    request = submit(alice, "SUB-A-1", phone_line_cancelled=True)
    assert request.access_form.status == FormStatus.AUTO_CLOSED
    assert not request.access_form.can_be_signed


def test_no_access_line_no_form(alice: Customer) -> None:
    assert submit(alice, "SUB-A-2").access_form.status == FormStatus.NOT_NEEDED


def _pdf_text(content: bytes, tmp_path: object) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("poppler-utils (pdftotext) is required: make test installs it")
    result = subprocess.run(
        [
            "pdftotext",
            "-layout",
            "-",
            "-",
        ],
        input=content,
        capture_output=True,
        check=True,
    )
    return " ".join(result.stdout.decode().split())


def test_the_pdf_reads_like_the_operators_form(alice: Customer, tmp_path: object) -> None:
    request = submit(alice, "SUB-A-1", kind="isp_change", new_isp="Lagoon")
    text = _pdf_text(preview_pdf(request.access_form), tmp_path)
    assert "OPT/Helia" in text and "Bon de commande / résiliation OPTimo" in text
    assert "Résiliation FAI" in text
    assert "Alice Wayaridri" in text and "254318" in text
    assert "31/12/2026 (trente et un décembre deux mille vingt-six)" in text
    assert "Lagoon" in text
    assert "RES-2026-000001" in text


def test_signing_online_stores_an_immutable_pdf_with_its_evidence(
    fibre_request: CancellationRequest, tmp_path: object
) -> None:
    form = form_sign(
        form=fibre_request.access_form,
        signature=Signature(
            signer_name="Alice Wayaridri",
            consent=True,
            drawn=drawn_png(),
            holder_address="12 rue Sébastopol, Nouméa",
        ),
        actor=None,
        ip="203.0.113.7",
        user_agent="Test browser",
    )
    assert form.status == FormStatus.SIGNED and form.source == "drawn"
    content = form.document.read()
    assert hashlib.sha256(content).hexdigest() == form.document_sha256
    assert form.signer_ip == "203.0.113.7" and form.signer_user_agent == "Test browser"
    text = _pdf_text(content, tmp_path)
    assert "Signé électroniquement par" in text and "12 rue Sébastopol" in text
    assert OutboundEmail.objects.filter(template="form_received").exists()
    with pytest.raises(FormError) as error:
        form_sign(
            form=form,
            signature=Signature(signer_name="X", consent=True, typed="X"),
            actor=None,
            ip=None,
            user_agent="",
        )
    assert error.value.code == "already_signed"
    form.refresh_from_db()
    assert hashlib.sha256(form.document.read()).hexdigest() == form.document_sha256


@pytest.mark.parametrize(
    ("signature", "code"),
    [
        (Signature(signer_name="Alice", consent=False, typed="Alice"), "consent_required"),
        (Signature(signer_name=" ", consent=True, typed="Alice"), "signer_required"),
        (Signature(signer_name="Alice", consent=True), "signature_missing"),
        (
            Signature(signer_name="Alice", consent=True, drawn=drawn_png(blank=True)),
            "signature_missing",
        ),
        (
            Signature(signer_name="Alice", consent=True, drawn="data:image/png;base64,AAAA"),
            "signature_invalid",
        ),
        (
            Signature(signer_name="Alice", consent=True, drawn="javascript:alert(1)"),
            "signature_missing",
        ),
    ],
)
def test_a_bad_signature_signs_nothing(
    fibre_request: CancellationRequest, signature: Signature, code: str
) -> None:
    with pytest.raises(FormError) as error:
        form_sign(
            form=fibre_request.access_form, signature=signature, actor=None, ip=None, user_agent=""
        )
    assert error.value.code == code
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE
    assert not fibre_request.access_form.document


def test_a_withdrawn_requests_form_cannot_be_signed(fibre_request: CancellationRequest) -> None:
    from cancellations.services import request_withdraw
    from testing.helpers import SUBMITTED_AT as NOW

    request_withdraw(request=fibre_request, actor=None, now=NOW)
    form = fibre_request.access_form
    form.refresh_from_db()
    with pytest.raises(FormError):
        form_sign(
            form=form,
            signature=Signature(signer_name="A", consent=True, typed="A"),
            actor=None,
            ip=None,
            user_agent="",
        )


def test_a_signature_claiming_a_huge_image_is_refused_before_decoding(
    fibre_request: CancellationRequest,
) -> None:
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (5000, 10), 255).save(out, format="PNG")
    huge = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    with pytest.raises(FormError) as error:
        form_sign(
            form=fibre_request.access_form,
            signature=Signature(signer_name="A", consent=True, drawn=huge),
            actor=None,
            ip=None,
            user_agent="",
        )
    assert error.value.code == "signature_invalid"


@pytest.mark.parametrize(
    ("line", "phone_line_cancelled", "status"),
    [
        ("", False, FormStatus.NOT_NEEDED),
        ("", True, FormStatus.NOT_NEEDED),
        ("254318", True, FormStatus.AUTO_CLOSED),
        ("254318", False, FormStatus.AWAITING_SIGNATURE),
    ],
)
def test_r10_decides_the_forms_first_status(
    line: str, phone_line_cancelled: bool, status: str
) -> None:
    from rules import form_first_status

    assert form_first_status(access_line=line, phone_line_cancelled=phone_line_cancelled) == status
