import base64
import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw, PngImagePlugin

from access_forms.models import FormStatus
from cancellations.models import CancellationRequest
from customers.models import Customer
from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from testing.helpers import delivered_link, drawn_png, run_worker, scanned_pdf
from testing.hostile_pdfs import inflating_pdf

pytestmark = pytest.mark.django_db
REF = "RES-2026-000001"
MINIMAL_PDF = scanned_pdf()


def url(name: str, reference: str = REF) -> str:
    return reverse(f"access_forms:{name}", args=[reference])


def send_file(client: Client, name: str, content: bytes) -> HttpResponse:
    """Upload a file as the signed form, then let the worker read it (a PDF is read there,
    never in the request)."""
    response = client.post(url("upload"), {"document": SimpleUploadedFile(name, content)})
    run_worker()
    return response  # type: ignore[return-value]


def sign_fields(**overrides: str) -> dict[str, str]:
    return {
        "signer_name": "Alice Wayaridri",
        "holder_address": "12 rue Sébastopol, Nouméa",
        "holder_phone": "75.12.34",
        "holder_email": "alice@example.nc",
        "signature_data": drawn_png(),
        "consent": "on",
        **overrides,
    }


def test_the_form_page_is_prefilled(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    page = alice_client.get(url("form_page")).content.decode()
    assert "254318" in page and "Alice Wayaridri" in page and "31/12/2026" in page
    assert "Résiliation" in page
    preview = alice_client.get(url("preview"))
    assert preview["Content-Type"] == "application/pdf"
    assert preview.content.startswith(b"%PDF-")


def test_the_customer_signs_and_downloads_the_signed_pdf(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    response = alice_client.post(url("sign"), sign_fields(), HTTP_USER_AGENT="Phone")
    assert response.status_code == 302
    form = fibre_request.access_form
    form.refresh_from_db()
    assert form.status == FormStatus.SIGNED
    assert form.signer_user_agent == "Phone"
    document = alice_client.get(url("document"))
    assert document.status_code == 200
    assert b"".join(document.streaming_content).startswith(b"%PDF-")  # type: ignore[attr-defined]
    detail = alice_client.get(reverse("cancellations:request_detail", args=[REF])).content.decode()
    assert "nous le contrôlons" in detail


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": ""}, "Cochez la case pour certifier"),
        (
            {"signature_data": "", "typed_signature": ""},
            "Dessinez votre signature ou saisissez votre nom",
        ),
        ({"signer_name": ""}, "Saisissez le nom de la personne qui signe"),
    ],
)
def test_a_bad_signature_gets_a_message(
    fibre_request: CancellationRequest,
    alice_client: Client,
    overrides: dict[str, str],
    message: str,
) -> None:
    response = alice_client.post(url("sign"), sign_fields(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE


def test_bob_cannot_see_or_touch_alices_form(
    fibre_request: CancellationRequest, bob_client: Client
) -> None:
    for name in ("form_page", "document", "preview"):
        assert bob_client.get(url(name)).status_code == 404
    assert bob_client.post(url("sign"), sign_fields()).status_code == 404
    assert (
        bob_client.post(
            url("upload"), {"document": SimpleUploadedFile("x.pdf", MINIMAL_PDF)}
        ).status_code
        == 404
    )
    assert bob_client.post(url("send_link"), {"email": "x@example.nc"}).status_code == 404


def test_the_holder_signs_from_the_emailed_link_without_logging_in(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    alice_client.post(url("send_link"), {"email": "holder@example.nc"})
    email = OutboundEmail.objects.get(template="form_sign_link")
    assert email.to == "holder@example.nc"
    assert MASK in email.body_text
    # To someone else: "a customer of MLS", nothing about following the request.
    assert "Alice Wayaridri, client de MLS, résilie" in email.body_text
    assert "pour la suivre ou la retirer" not in email.body_text
    assert "/mes-demandes/" not in email.body_text + email.body_html
    link = delivered_link(r"http://127.0.0.1:8000(/signer/[^\s]+/)")
    holder = Client()
    assert "Signer le bon OPTimo pour la ligne 254318" in holder.get(link).content.decode()
    done = holder.post(link, sign_fields(signer_name="Marc Tein"))
    assert "Le bon est signé" in done.content.decode()
    form = fibre_request.access_form
    form.refresh_from_db()
    assert form.status == FormStatus.SIGNED and form.signer_name == "Marc Tein"
    again = holder.get(link)
    assert again.status_code == 410
    assert "Ce bon a déjà été signé le" in again.content.decode()
    assert "rien de plus à faire" in again.content.decode()
    assert "Rien n'a été signé" not in again.content.decode()


def test_a_signing_link_sent_to_the_customers_own_address_speaks_to_them(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    alice_client.post(url("send_link"), {"email": "Alice@Example.nc"})
    email = OutboundEmail.objects.get(template="form_sign_link")
    assert "Vous résiliez votre abonnement internet chez MLS." in email.body_text
    assert "client de MLS" not in email.body_text
    assert "pour la suivre ou la retirer" in email.body_text  # their own request


def test_a_tampered_or_expired_link_signs_nothing(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    alice_client.post(url("send_link"), {"email": "holder@example.nc"})
    assert MASK in OutboundEmail.objects.get(template="form_sign_link").body_text
    link = delivered_link(r"http://127.0.0.1:8000(/signer/[^\s]+/)")
    tampered = Client().post(link[:-4] + "AA/", sign_fields())
    assert tampered.status_code == 410
    with time_machine.travel(timezone.localtime() + timedelta(days=8)):
        expired = Client().post(link, sign_fields())
    assert expired.status_code == 410 and "expiré" in expired.content.decode()
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("form.pdf", MINIMAL_PDF, True),
        ("scan.png", None, True),
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, False),
        ("fake.png", b"\x89PNG\r\n\x1a\nnot really", False),
        ("empty.pdf", b"", False),
    ],
)
def test_uploads_are_checked_by_content(
    fibre_request: CancellationRequest,
    alice_client: Client,
    name: str,
    content: bytes | None,
    ok: bool,
) -> None:
    if content is None:
        import base64

        content = base64.b64decode(drawn_png().split(",", 1)[1])
    response = send_file(alice_client, name, content)
    fibre_request.access_form.refresh_from_db()
    if ok:
        assert response.status_code == 302
        assert fibre_request.access_form.status == FormStatus.SIGNED
        assert fibre_request.access_form.source == "upload"
    else:
        assert response.status_code == 400
        assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE


def test_an_upload_over_10_mb_is_refused(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    big = MINIMAL_PDF + b"0" * (10 * 1024 * 1024)
    response = alice_client.post(url("upload"), {"document": SimpleUploadedFile("big.pdf", big)})
    assert response.status_code == 400
    assert "Le fichier est trop volumineux" in response.content.decode()


def test_emails_of_the_form_are_delivered(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    alice_client.post(url("sign"), sign_fields())
    run_worker()
    assert any("bon OPTimo" in m.subject and REF in m.subject for m in mail.outbox)


def test_the_holder_page_is_customer_independent(
    fibre_request: CancellationRequest, alice: Customer
) -> None:
    assert Client().get("/signer/not-a-token/").status_code == 410


def test_a_withdrawn_requests_form_says_it_is_cancelled(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    from cancellations.services import request_withdraw
    from testing.helpers import SUBMITTED_AT as NOW

    request_withdraw(request=fibre_request, actor=None, now=NOW)
    page = alice_client.get(reverse("cancellations:request_detail", args=[REF])).content.decode()
    assert "Annulé avec votre demande : rien à signer." in page
    assert "Signer le bon" not in page


def _png_data_url(**save_options: object) -> str:
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 90), (290, 10)], fill=(0, 0, 0, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG", **save_options)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _text_bomb() -> str:
    info = PngImagePlugin.PngInfo()
    info.add_text("comment", "x" * 20_000_000, zip=True)  # 20 MB of text in a few KB
    return _png_data_url(pnginfo=info)


@pytest.mark.parametrize(
    "signature",
    [
        {"signature_data": "data:image/png;base64,aGVsbG8="},  # not an image
        {"signature_data": "data:image/gif;base64,R0lGODlhAQABAAAAACw="},
        {"signature_data": "__text_bomb__"},
        {"signature_data": "", "typed_signature": "Alice\nWayaridri"},
        {"signature_data": "", "typed_signature": "Alice\rW"},
        {"signature_data": "", "typed_signature": "Alice\tW"},
        {"signer_name": "Alice\nW"},
    ],
)
def test_a_crafted_signature_gets_a_form_error_not_a_500(
    fibre_request: CancellationRequest, alice_client: Client, signature: dict[str, str]
) -> None:
    if signature.get("signature_data") == "__text_bomb__":
        signature = {"signature_data": _text_bomb()}
    response = alice_client.post(url("sign"), sign_fields(**signature))
    assert response.status_code == 400
    page = response.content.decode()
    assert "pas pu être lue" in page or "seule ligne" in page or "Dessinez" in page
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE


def test_the_holders_page_refuses_a_crafted_signature_with_a_form_error(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    alice_client.post(url("send_link"), {"email": "holder@example.nc"})
    link = delivered_link(r"http://127.0.0.1:8000(/signer/[^\s]+/)")
    response = Client().post(link, sign_fields(signature_data=_text_bomb()))
    assert response.status_code == 400
    assert "pas pu être lue" in response.content.decode()
    typed = Client().post(link, sign_fields(signature_data="", typed_signature="a\nb"))
    assert typed.status_code == 400
    assert "seule ligne" in typed.content.decode()


def test_a_png_with_a_large_colour_profile_is_still_a_signature(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    response = alice_client.post(
        url("sign"), sign_fields(signature_data=_png_data_url(icc_profile=b"\0" * 500_000))
    )
    assert response.status_code == 302


SENDERS_KEYS = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/SubmitForm",
                b"/GoToR", b"/OpenAction", b"/AA", b"/Annots", b"/URI")  # fmt: skip


def _fpdf2_form() -> bytes:
    """A harmless PDF straight from a common generator: fpdf2 writes a view-setting
    /OpenAction."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_display_mode("fullpage")
    pdf.add_page()
    pdf.set_font("helvetica", size=40)
    pdf.cell(text="SIGNED FORM")
    return bytes(pdf.output())


@pytest.mark.parametrize(
    "content",
    [
        scanned_pdf(javascript="app.alert('hi')"),
        scanned_pdf(attachment=b"MZ\x90\x00 an executable"),
        scanned_pdf(open_action=True),
        scanned_pdf(link_action="/SubmitForm"),
        scanned_pdf(link_action="/GoToR"),
        _fpdf2_form(),
    ],
    ids=["javascript", "embedded-exe", "launch", "submit-form", "go-to-r", "fpdf2"],
)
def test_an_uploaded_pdf_is_rebuilt_from_its_pixels_and_its_original_kept_apart(
    fibre_request: CancellationRequest, alice_client: Client, content: bytes
) -> None:
    from pypdf import PdfReader

    response = send_file(alice_client, "f.pdf", content)
    assert response.status_code == 302
    form = fibre_request.access_form
    form.refresh_from_db()
    assert form.status == FormStatus.SIGNED
    stored = form.document.read()
    # Nothing of the sender's survives, whatever it is called: one image per page.
    assert not [key for key in SENDERS_KEYS if key in stored]
    (page,) = PdfReader(io.BytesIO(stored)).pages
    (image,) = page.images
    assert image.image is not None and image.image.width > 1000
    # The sender's bytes are kept as evidence, apart.
    assert form.original_document.read() == content
    assert form.document_sha256 != form.original_sha256


def test_the_rebuilt_pdf_shows_what_the_page_showed(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    from pypdf import PdfReader

    send_file(alice_client, "f.pdf", _fpdf2_form())
    fibre_request.access_form.refresh_from_db()
    stored = fibre_request.access_form.document.read()
    (image,) = PdfReader(io.BytesIO(stored)).pages[0].images
    grey = image.image.convert("L")  # type: ignore[union-attr]
    darkest, _lightest = grey.getextrema()
    assert int(darkest) < 80  # type: ignore[arg-type]  # the ink of the text is there


def test_a_pdf_of_too_many_pages_is_refused_with_a_clear_message(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    response = send_file(alice_client, "f.pdf", scanned_pdf(pages=11))
    assert response.status_code == 302
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE
    # Told on the form page and by e-mail, in the customer's words.
    page = alice_client.get(url("form_page")).content.decode().replace("&#x27;", "'")
    assert "Votre PDF n'a pas pu être lu" in page and "Le PDF a 11 pages" in page
    email = OutboundEmail.objects.get(template="form_pdf_refused")
    assert "Le PDF a 11 pages" in email.body_text
    assert "/mes-demandes/RES-2026-000001/bon/" in email.body_text


def test_only_supervisors_get_the_pdf_as_sent(
    fibre_request: CancellationRequest, alice_client: Client, agent: object, supervisor: object
) -> None:
    content = scanned_pdf(javascript="app.alert('hi')")
    send_file(alice_client, "f.pdf", content)
    form = fibre_request.access_form
    original = reverse("backoffice:form_original", args=[form.pk])
    staff = Client()
    staff.force_login(agent)  # type: ignore[arg-type]
    assert staff.get(original).status_code == 403
    rebuilt = staff.get(reverse("backoffice:form_document", args=[form.pk]))
    assert b"/JavaScript" not in b"".join(rebuilt.streaming_content)  # type: ignore[attr-defined]
    staff.force_login(supervisor)  # type: ignore[arg-type]
    answer = staff.get(original)
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == content  # type: ignore[attr-defined]
    assert answer["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_an_uploaded_image_is_re_encoded_before_it_is_stored(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    scan = base64.b64decode(drawn_png().split(",", 1)[1]) + b"<script>alert(1)</script>"
    response = alice_client.post(url("upload"), {"document": SimpleUploadedFile("s.png", scan)})
    assert response.status_code == 302
    form = fibre_request.access_form
    form.refresh_from_db()
    stored = form.document.read()
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).format == "PNG"


def test_an_image_over_the_pixel_cap_is_refused(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, format="PNG")  # 50 Mpx in a few KB
    # Pillow warns of the size as it opens it; the upload is refused all the same.
    with pytest.warns(Image.DecompressionBombWarning):
        response = alice_client.post(
            url("upload"), {"document": SimpleUploadedFile("big.png", out.getvalue())}
        )
    assert response.status_code == 400
    assert "300 dpi" in response.content.decode()


def test_a_stored_document_is_always_downloaded_never_rendered(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    send_file(alice_client, "f.pdf", MINIMAL_PDF)
    response = alice_client.get(url("document"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_signing_links_are_limited_to_five_a_day_per_form(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    for n in range(5):
        response = alice_client.post(url("send_link"), {"email": f"holder{n}@example.nc"})
        assert response.status_code == 302
    refused = alice_client.post(url("send_link"), {"email": "holder9@example.nc"})
    assert refused.status_code == 400
    assert "Trop de liens de signature" in refused.content.decode()
    assert OutboundEmail.objects.filter(template="form_sign_link").count() == 5
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.link_email == "holder4@example.nc"  # who got the last one
    from audit.models import AuditEntry

    recipients = [
        e.data["to"] for e in AuditEntry.objects.filter(action="form.send_link").order_by("id")
    ]
    assert recipients == [f"holder{n}@example.nc" for n in range(5)]
    with time_machine.travel(timezone.localtime() + timedelta(days=1, minutes=1)):
        assert alice_client.post(url("send_link"), {"email": "h@example.nc"}).status_code == 302


def test_signing_links_are_limited_to_twenty_a_day_per_customer(
    fibre_request: CancellationRequest, alice_client: Client, alice: Customer
) -> None:
    from access_forms.holder_links import DAY, LINKS_PER_CUSTOMER_PER_DAY
    from toolbox.throttle import count_attempt

    # Twenty links sent today for Alice's other requests.
    for _ in range(LINKS_PER_CUSTOMER_PER_DAY):
        count_attempt(f"signing-links:customer:{alice.pk}", window_seconds=DAY)
    refused = alice_client.post(url("send_link"), {"email": "holder@example.nc"})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"signer_name": "\u200b", "typed_signature": "\u200b"}, "caractères visibles"),
        ({"signature_data": "", "typed_signature": "Alice \U0001f600"}, "ne peuvent pas être"),
        ({"signer_name": "Alice\u202eBob"}, "caractères visibles"),
        ({"signer_name": "Alice\u2028Bob"}, "caractères visibles"),
        ({"signer_name": "---"}, "avec des lettres"),
    ],
    ids=["zero-width", "emoji", "bidi-override", "line-separator", "no-letter"],
)
def test_nothing_invisible_or_unprintable_is_signed(
    fibre_request: CancellationRequest,
    alice_client: Client,
    fields: dict[str, str],
    message: str,
) -> None:
    response = alice_client.post(url("sign"), sign_fields(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE


def test_a_filled_rectangle_is_not_a_drawn_signature(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (300, 100), (0, 0, 0, 255)).save(out, format="PNG")
    block = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    response = alice_client.post(url("sign"), sign_fields(signature_data=block))
    assert response.status_code == 400
    assert "Dessinez votre signature" in response.content.decode()


def test_vietnamese_and_polynesian_names_can_be_signed(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    response = alice_client.post(
        url("sign"),
        sign_fields(signer_name="Nguyễn Thị Hương", signature_data="", typed_signature="Tēvita"),
    )
    assert response.status_code == 302


def test_a_pdf_too_heavy_to_read_is_answered_at_once_and_refused_by_the_worker(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    import time

    from access_forms.documents import RENDER_SECONDS

    content = inflating_pdf(600)
    assert len(content) < 5 * 1024 * 1024
    started = time.monotonic()
    response = alice_client.post(url("upload"), {"document": SimpleUploadedFile("f.pdf", content)})
    assert response.status_code == 302
    assert time.monotonic() - started < 2  # nothing is read in the request
    page = alice_client.get(url("form_page")).content.decode()
    assert "Votre PDF est en cours de lecture" in page
    started = time.monotonic()
    run_worker()
    assert time.monotonic() - started < RENDER_SECONDS + 5
    fibre_request.access_form.refresh_from_db()
    assert fibre_request.access_form.status == FormStatus.AWAITING_SIGNATURE
    email = OutboundEmail.objects.get(template="form_pdf_refused")
    assert "Ce PDF est trop long à lire" in email.body_text
    page = alice_client.get(url("form_page")).content.decode()
    assert "Ce PDF est trop long à lire" in page


def test_a_pdf_being_read_is_replaced_by_a_signature_or_another_file(
    fibre_request: CancellationRequest,
    alice_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.storage import default_storage

    from access_forms.models import PdfToRead

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(url("upload"), {"document": SimpleUploadedFile("a.pdf", MINIMAL_PDF)})
    first = str(PdfToRead.objects.get().content.name)
    assert default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(url("upload"), {"document": SimpleUploadedFile("b.pdf", MINIMAL_PDF)})
    second = str(PdfToRead.objects.get().content.name)  # the latest file only
    assert not default_storage.exists(first)  # the replaced file is deleted
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.post(url("sign"), sign_fields()).status_code == 302
    assert not PdfToRead.objects.exists()  # signing online replaced it
    assert not default_storage.exists(second)
    run_worker()
    form = fibre_request.access_form
    form.refresh_from_db()
    assert form.source == "drawn"
    assert not OutboundEmail.objects.filter(template="form_pdf_refused").exists()


def test_a_pdf_that_stops_the_worker_each_time_is_refused_after_three_tries(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    from access_forms.models import PdfToRead
    from access_forms.signing import PDF_READ_TRIES

    alice_client.post(url("upload"), {"document": SimpleUploadedFile("a.pdf", MINIMAL_PDF)})
    # Each try's worker was killed in the middle: its lease ran out.
    PdfToRead.objects.update(tries=PDF_READ_TRIES, leased_until=timezone.now())
    run_worker()
    (refused,) = PdfToRead.objects.all()
    assert refused.refusal == "Envoyez plutôt un scan ou une photo du bon signé."
    assert not refused.content
    assert OutboundEmail.objects.filter(template="form_pdf_refused").count() == 1


def test_uploads_are_limited_per_customer(
    fibre_request: CancellationRequest, alice_client: Client
) -> None:
    from rules import UPLOADS_PER_CUSTOMER_PER_HOUR

    junk = SimpleUploadedFile("f.txt", b"not a form")
    for _ in range(UPLOADS_PER_CUSTOMER_PER_HOUR):
        junk.seek(0)
        assert alice_client.post(url("upload"), {"document": junk}).status_code == 400
    junk.seek(0)
    refused = alice_client.post(url("upload"), {"document": junk})
    assert refused.status_code == 429
    assert "Trop de fichiers envoyés" in refused.content.decode()
