"""What people send as a signed form: a drawn signature, a scanned upload.

Nothing here touches the database. A document is accepted only when its bytes say what
it is, and what is kept to be read is always our own file, rebuilt from pixels: an image
is decoded under a pixel cap and re-encoded; a PDF is rendered page by page by poppler
(`pdftoppm`, in its own process, under page, pixel, time and memory caps) and written
again as a PDF of images only. No script, action, form, link or attached file of the
sender's survives, whatever it is called, and harmless PDFs are not refused for a key
they carry. The sender's PDF is kept apart, as evidence for supervisors only.
"""

import base64
import binascii
import io
import resource
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from access_forms.errors import FormError

MAX_SIGNATURE_BYTES = 2 * 1024 * 1024
# An A4 page scanned at 600 dpi is 35 million pixels; past this, a "scan" is a bomb.
MAX_IMAGE_PIXELS = 40_000_000
# Pillow's own guard, set explicitly rather than relying on its default.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


def drawn_signature_png(data_url: str) -> bytes:
    """A signature drawn on the pad (a PNG data URL), flattened on white and cropped.

    Refuses what is not a PNG, too large, or blank: an empty pad signs nothing.
    """
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise FormError("signature_missing", _("Draw your signature in the box."))
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise FormError("signature_invalid", _("The signature could not be read.")) from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise FormError("signature_invalid", _("The signature could not be read."))
    try:
        image = Image.open(io.BytesIO(raw))
        # Check the announced size before decoding: a tiny file can claim a huge image.
        if image.format != "PNG" or image.width > 4000 or image.height > 2000:
            raise FormError("signature_invalid", _("The signature could not be read."))
        image.load()
    # ValueError: a text or ICC chunk over Pillow's limits (a crafted file, not a drawing).
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise FormError("signature_invalid", _("The signature could not be read.")) from None
    flat = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat.alpha_composite(image.convert("RGBA"))
    grey = flat.convert("L")
    dark = grey.point(lambda value: 255 if value < 200 else 0)
    ink = dark.getbbox()
    if ink is None or (ink[2] - ink[0]) < 15 or (ink[3] - ink[1]) < 5:
        raise FormError("signature_missing", _("Draw your signature in the box."))
    # A signature is strokes: a box mostly filled with ink is a shape, not a signature.
    inked = dark.crop(ink).histogram()[255]
    if inked > 0.5 * (ink[2] - ink[0]) * (ink[3] - ink[1]):
        raise FormError("signature_missing", _("Draw your signature in the box."))
    left, top, right, bottom = ink
    cropped = grey.crop(
        (
            max(left - 8, 0),
            max(top - 8, 0),
            min(right + 8, grey.width),
            min(bottom + 8, grey.height),
        )
    )
    cropped.thumbnail((600, 200))
    out = io.BytesIO()
    cropped.save(out, format="PNG", optimize=False)
    return out.getvalue()


SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)

# A signed OPTimo form is one or two pages; a scan with its cover letter a few more.
MAX_PDF_PAGES = 10
# Each page is rendered with its longer side at this many pixels (A4 at 150 dpi): a page
# that claims to be ten metres wide costs no more than an A4.
PAGE_PIXELS = 1754
RENDER_DPI = 150
# One PDF's whole reading (pdfinfo, then pdftoppm) ends within this many seconds of wall
# time and of CPU, well under the web server's timeout (gunicorn's 30 s, docs/deploying.md):
# a file that inflates to gigabytes is refused, and the web worker is free again.
RENDER_SECONDS = 8
RENDER_MEMORY = 1024 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """What to store from an upload: our own file (`content`), and for a PDF the sender's
    bytes as they came (`original`), kept as evidence and never forwarded."""

    content: bytes
    mimetype: str
    extension: str
    original: bytes | None = None


def _bad_type() -> FormError:
    return FormError("bad_file_type", _("Send the signed form as a PDF, PNG or JPEG file."))


def is_pdf(content: bytes) -> bool:
    """A PDF by its first bytes: it is read by the worker, never in a web request."""
    return content.startswith(b"%PDF-")


def checked_upload(content: bytes) -> Upload:
    """The file to store from an upload, judged from its bytes only."""
    for magic, mimetype, extension in SIGNATURES:
        if content.startswith(magic):
            if mimetype == "application/pdf":
                return Upload(_rebuilt_pdf(content), mimetype, extension, original=content)
            image_format = "PNG" if extension == "png" else "JPEG"
            return Upload(_reencoded_image(content, image_format), mimetype, extension)
    raise _bad_type()


def _reencoded_image(content: bytes, image_format: str) -> bytes:
    try:
        image = Image.open(io.BytesIO(content))
        if image.format != image_format:
            raise _bad_type()
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise FormError(
                "image_too_large", _("The image is too large: scan the form at 300 dpi.")
            )
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _bad_type() from None
    clean = image if image.mode in {"1", "L", "RGB"} else image.convert("RGB")
    out = io.BytesIO()
    if image_format == "JPEG":
        clean.save(out, format="JPEG", quality=90)
    else:
        clean.save(out, format="PNG")
    return out.getvalue()


def _capped() -> None:  # pragma: no cover (runs in the child process)
    resource.setrlimit(resource.RLIMIT_AS, (RENDER_MEMORY, RENDER_MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (RENDER_SECONDS, RENDER_SECONDS))


def _too_heavy() -> FormError:
    return FormError(
        "pdf_too_heavy",
        _(
            "This PDF takes too long to read: send a scan of the signed paper form (PDF, "
            "PNG or JPEG from a scanner or a phone), or a photo of it."
        ),
    )


def _poppler(*args: str, deadline: float) -> subprocess.CompletedProcess[bytes]:
    """Run a poppler tool in its own process, killed at `deadline` (time.monotonic())."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _too_heavy()
    try:
        return subprocess.run(
            args,
            capture_output=True,
            timeout=left,
            preexec_fn=_capped,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise _too_heavy() from None


def _page_count(path: Path, deadline: float) -> int:
    info = _poppler("pdfinfo", str(path), deadline=deadline)
    if info.returncode != 0:
        if b"password" in info.stderr.lower():
            raise FormError(
                "pdf_encrypted", _("The PDF is protected by a password: send it unprotected.")
            )
        raise _bad_type()
    for line in info.stdout.decode(errors="replace").splitlines():
        if line.startswith("Pages:"):
            return int(line.split(":", 1)[1].strip() or 0)
    raise _bad_type()


def _rebuilt_pdf(content: bytes) -> bytes:
    """The PDF's pages as images, in a new PDF of images only."""
    with tempfile.TemporaryDirectory(prefix="resilia-upload-") as folder:
        source = Path(folder) / "upload.pdf"
        source.write_bytes(content)
        deadline = time.monotonic() + RENDER_SECONDS
        pages = _page_count(source, deadline)
        if pages < 1:
            raise _bad_type()
        if pages > MAX_PDF_PAGES:
            raise FormError(
                "too_many_pages",
                _("The PDF has %(pages)s pages: send only the signed form (%(most)s at most).")
                % {"pages": pages, "most": MAX_PDF_PAGES},
            )
        rendered = _poppler(
            "pdftoppm", "-r", str(RENDER_DPI), "-scale-to", str(PAGE_PIXELS),
            "-jpeg", "-jpegopt", "quality=85", str(source), str(Path(folder) / "page"),
            deadline=deadline,
        )  # fmt: skip
        files = sorted(Path(folder).glob("page-*.jpg"))
        if rendered.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
            raise _too_heavy()  # its CPU time ran out
        if rendered.returncode != 0 or len(files) != pages:
            raise _bad_type()
        images = [Image.open(file).convert("RGB") for file in files]
        out = io.BytesIO()
        images[0].save(
            out,
            format="PDF",
            save_all=True,
            append_images=images[1:],
            resolution=float(RENDER_DPI),
            title="",
        )
        return out.getvalue()
