"""The signed OPTimo form prints every letter of every name (read back with pypdf)."""

import io
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from access_forms.pdf import FormContent, render_form
from access_forms.services import preview_pdf
from cancellations.models import CancellationRequest
from toolbox.noumea import NOUMEA

NAMES = [
    "Nguyễn Thị Hương",
    "Trần Văn Đức",
    "Tēvita Fīnau",
    "Wayaridri Œdipe-Ğöçer",
    "Σωκράτης Ivanović",  # beyond the fast subset: the whole font is used
]


def _text_of(holder: str, signer: str) -> str:
    content = FormContent(
        operator_name="OPT/Helia",
        access_service_name="OPTimo",
        isp_name="MLS",
        kind="cancellation",
        request_reference="RES-2026-000001",
        holder_name=holder,
        holder_address="12 rue de Sébastopol, Nouméa",
        holder_phone="254318",
        holder_email="",
        line_number="254318",
        form_date=date(2026, 12, 31),
        new_isp="",
        signer_name=signer,
        signed_at=datetime(2026, 11, 26, 10, tzinfo=NOUMEA),
        signature_png=None,
    )
    pdf = render_form(content, Path(settings.RESILIA_PDF_FONT_DIR))
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("name", NAMES)
def test_every_letter_of_the_name_is_in_the_pdf(name: str) -> None:
    text = unicodedata.normalize("NFC", _text_of(holder=name, signer=name))
    assert text.count(name) >= 2, (name, text)


@pytest.mark.django_db
def test_a_name_typed_with_combining_accents_is_printed_whole(
    fibre_request: CancellationRequest,
) -> None:
    form = fibre_request.access_form
    form.holder_name = unicodedata.normalize("NFD", "Nguyễn Thị Hương")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(preview_pdf(form))).pages)
    assert "Nguyễn Thị Hương" in unicodedata.normalize("NFC", text)
    assert "Nguyễn Thị Hương" in text  # composed in the PDF itself, not only once read
