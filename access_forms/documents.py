"""Pure checks of what people send as a signed form: a drawn signature, a scanned upload.

Nothing here touches the database. A document is accepted only when its bytes say what
it is; an image is decoded under a pixel cap and re-encoded (what is stored is our own
file, not the sender's bytes); a PDF that can run code or carry files is refused.
"""

import base64
import binascii
import io

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

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


# PDF features that run code, act on opening, or carry other files.
ACTIVE_PDF_KEYS = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
    }
)
MAX_PDF_OBJECTS = 100_000


def _bad_type() -> FormError:
    return FormError("bad_file_type", _("Send the signed form as a PDF, PNG or JPEG file."))


def checked_upload(content: bytes) -> tuple[bytes, str, str]:
    """(bytes to store, MIME type, extension) of an upload, judged from its bytes only."""
    for magic, mimetype, extension in SIGNATURES:
        if content.startswith(magic):
            if mimetype == "application/pdf":
                _check_pdf(content)
                return content, mimetype, extension
            return (
                _reencoded_image(content, "PNG" if extension == "png" else "JPEG"),
                (mimetype),
                extension,
            )
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


def _check_pdf(content: bytes) -> None:
    if b"%%EOF" not in content[-2048:]:
        raise _bad_type()
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise FormError(
                "pdf_encrypted", _("The PDF is protected by a password: send it unprotected.")
            )
        if len(reader.pages) == 0:
            raise _bad_type()
        active = _active_keys(reader.trailer)
    except FormError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError, OSError):
        raise _bad_type() from None
    if active:
        raise FormError(
            "pdf_active_content",
            _(
                "This PDF contains scripts, automatic actions or attached files: print the "
                "signed form to PDF again, or send a photo of it."
            ),
        )


def _active_keys(root: object) -> set[str]:
    """Every key of ACTIVE_PDF_KEYS found anywhere in the document's object graph."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(node, DictionaryObject):
            found.update(ACTIVE_PDF_KEYS.intersection(str(k) for k in node))
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return found
