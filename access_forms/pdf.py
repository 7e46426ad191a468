"""The OPTimo form as a one-page A4 PDF, laid out like the operator's paper form.

fpdf2 with the DejaVu fonts: the PDF core fonts cannot encode "œ" or "—".
"""

import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fontTools.ttLib import TTFont
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from toolbox.noumea import NOUMEA
from toolbox.pdf import bold, embed_fonts, regular, section

MONTHS = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip
UNITS = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit",
    "dix-neuf",
]  # fmt: skip
TENS = {20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante", 60: "soixante"}


def _below_hundred(n: int) -> str:
    if n < 20:
        return UNITS[n]
    if n < 70:
        tens, unit = divmod(n, 10)
        word = TENS[tens * 10]
        if unit == 0:
            return word
        return f"{word} et un" if unit == 1 else f"{word}-{UNITS[unit]}"
    if n < 80:
        return "soixante et onze" if n == 71 else f"soixante-{UNITS[n - 60]}"
    if n == 80:
        return "quatre-vingts"
    return f"quatre-vingt-{UNITS[n - 80]}"


def number_in_words(n: int) -> str:
    """French words for 0–9999 (enough for days and years)."""
    thousands, rest = divmod(n, 1000)
    hundreds, below = divmod(rest, 100)
    parts = []
    if thousands:
        parts.append("mille" if thousands == 1 else f"{_below_hundred(thousands)} mille")
    if hundreds:
        parts.append(
            "cent" if hundreds == 1 else f"{UNITS[hundreds]} cent{'s' if not below else ''}"
        )
    if below or not parts:
        parts.append(_below_hundred(below))
    return " ".join(parts)


def date_in_words(day: date) -> str:
    """2026-12-31 → "trente et un décembre deux mille vingt-six"."""
    first = "premier" if day.day == 1 else number_in_words(day.day)
    return f"{first} {MONTHS[day.month - 1]} {number_in_words(day.year)}"


def date_in_figures(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class FormContent:
    operator_name: str
    access_service_name: str
    isp_name: str
    kind: str  # "cancellation" or "isp_release"
    request_reference: str
    holder_name: str
    holder_address: str
    holder_phone: str
    holder_email: str
    line_number: str
    form_date: date
    new_isp: str = ""
    # A switch placed by the new provider; `by_order`: its order stands for the signature.
    switch_reference: str = ""
    by_order: bool = False
    signer_name: str = ""
    signed_at: datetime | None = None
    signature_png: bytes | None = None  # drawn, or a typed name made an image


class _Document(FPDF):
    pass


# Characters that print nothing visible, or break the line: never on a legal form.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}
TEXT_FONT = "DejaVuSans.ttf"
SIGNATURE_FONT = "DejaVuSerif-Italic.ttf"


@cache
def _codepoints(font_path: Path) -> frozenset[int]:
    return frozenset(TTFont(font_path, lazy=True).getBestCmap())


def printing_refusal(
    text: str, *, font: str = TEXT_FONT, needs_letter: bool = False, font_dir: Path | None = None
) -> tuple[str, str] | None:
    """Why `text` cannot be printed on the form as one visible line, as (code, message);
    None when it can. One rule for the form's fields and the signing service."""
    if any(unicodedata.category(char) in INVISIBLE_CATEGORIES for char in text):
        return "one_line", _("Write it on one line, with visible characters only.")
    directory = font_dir or Path(settings.RESILIA_PDF_FONT_DIR)
    glyphs = _codepoints(directory / font)
    missing = "".join(sorted({c for c in text if not c.isspace() and ord(c) not in glyphs}))
    if missing:
        return "unprintable", _("These characters cannot be printed on the form: %(chars)s") % {
            "chars": missing
        }
    if needs_letter and not any(char.isalpha() for char in text):
        return "no_letter", _("Write a name, with letters.")
    return None


def typed_signature_png(name: str, font_dir: Path) -> bytes:
    """A typed name drawn like a signature (an image, so the PDF embeds no extra font)."""
    font = ImageFont.truetype(str(font_dir / "DejaVuSerif-Italic.ttf"), 40)
    left, top, right, bottom = (int(v) for v in font.getbbox(name))
    # Grey levels on white: no alpha channel, so the PDF needs no second (mask) image.
    image = Image.new("L", (right - left + 20, bottom - top + 20), 255)
    ImageDraw.Draw(image).text((10 - left, 10 - top), name, font=font, fill=40)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _box(pdf: FPDF, ticked: bool, label: str) -> None:
    x, y = pdf.get_x(), pdf.get_y()
    pdf.rect(x, y + 1, 4.5, 4.5)
    if ticked:
        with bold(pdf, 10):
            pdf.text(x + 0.8, y + 4.9, "X")
    pdf.set_xy(x + 7, y)
    if ticked:
        with bold(pdf, 11):
            pdf.cell(60, 6.5, label)
    else:
        regular(pdf, 11)
        pdf.cell(60, 6.5, label)


def _field(pdf: FPDF, label: str, value: str) -> None:
    regular(pdf, 9)
    pdf.set_text_color(70, 80, 90)
    pdf.cell(45, 8, label)
    pdf.set_text_color(0, 0, 0)
    x = pdf.get_x()
    with bold(pdf, 11):
        pdf.cell(0, 8, value)
    pdf.line(x, pdf.get_y() + 7.2, 195, pdf.get_y() + 7.2)
    pdf.ln(9)


def _all_text(content: FormContent) -> str:
    return "".join(str(value) for value in vars(content).values() if isinstance(value, str))


def render_form(content: FormContent, font_dir: Path) -> bytes:
    """The form as PDF bytes. Deterministic for the same content (no creation date)."""
    pdf = _Document(format="A4")
    pdf.set_creation_date(datetime(2000, 1, 1, tzinfo=NOUMEA))
    pdf.set_title(f"Bon de commande/résiliation {content.access_service_name}")
    pdf.set_author(content.isp_name)
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    embed_fonts(pdf, font_dir, _all_text(content))
    pdf.add_page()

    with bold(pdf, 18):
        pdf.cell(0, 10, content.operator_name, new_x="LMARGIN", new_y="NEXT")
    with bold(pdf, 14):
        pdf.cell(
            0, 8, f"Bon de commande / résiliation {content.access_service_name}",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    regular(pdf, 9)
    pdf.set_text_color(70, 80, 90)
    pdf.cell(
        0, 6,
        f"Fournisseur d'accès internet : {content.isp_name} — demande {content.request_reference}",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    pdf.set_text_color(0, 0, 0)

    section(pdf, "NATURE DE LA DEMANDE")
    _box(pdf, False, "Commande")
    _box(pdf, content.kind == "cancellation", "Résiliation")
    _box(pdf, content.kind == "isp_release", "Résiliation FAI")
    pdf.ln(9)

    section(pdf, "TITULAIRE DE LA LIGNE")
    _field(pdf, "Nom et prénom", content.holder_name)
    _field(pdf, "Adresse", content.holder_address)
    _field(pdf, "Téléphone de contact", content.holder_phone)
    _field(pdf, "E-mail", content.holder_email)

    section(pdf, "LIGNE FIXE")
    _field(pdf, "Numéro de la ligne", content.line_number)

    section(pdf, "OBSERVATIONS")
    if content.kind == "isp_release":
        what = "Transfert de la ligne souhaité vers le nouveau FAI"
        if content.new_isp:
            what += f" ({content.new_isp})"
        what += " le"
    else:
        what = f"Résiliation du service {content.access_service_name} souhaitée le"
    regular(pdf, 11)
    pdf.multi_cell(
        0, 6,
        f"{what} {date_in_figures(content.form_date)} ({date_in_words(content.form_date)}).",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    if content.switch_reference:
        pdf.multi_cell(
            0, 6,
            f"Changement de fournisseur commandé par {content.new_isp} : ordre de transfert "
            f"{content.switch_reference}.",
            new_x="LMARGIN", new_y="NEXT",
        )  # fmt: skip
    pdf.ln(2)

    section(pdf, "DATE ET SIGNATURE DU TITULAIRE DE LA LIGNE")
    signed_on = content.signed_at.astimezone(NOUMEA) if content.signed_at else None
    regular(pdf, 11)
    place = f"Fait en ligne, le {signed_on:%d/%m/%Y}" if signed_on else "Fait à ______, le ______"
    pdf.cell(0, 7, place, new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    pdf.rect(15, top, 110, 40)
    regular(pdf, 8)
    pdf.text(17, top + 4, "Signature du titulaire de la ligne")
    if content.signature_png:
        pdf.image(
            io.BytesIO(content.signature_png), x=20, y=top + 6, w=100, h=30, keep_aspect_ratio=True
        )
    if content.by_order and signed_on:
        regular(pdf, 8)
        lines = [
            "Sans signature : ordre de transfert",
            f"{content.switch_reference} de {content.new_isp},",
            f"reçu le {signed_on:%d/%m/%Y à %H:%M} (heure de Nouméa)",
            "(l'opérateur accepte l'ordre du nouveau FAI).",
        ]
        for index, line in enumerate(lines):
            pdf.set_xy(130, top + 2 + index * 4.5)
            pdf.cell(65, 4.5, line)
    elif content.signer_name and signed_on:
        regular(pdf, 8)
        lines = [
            "Signé électroniquement par",
            content.signer_name,
            f"le {signed_on:%d/%m/%Y à %H:%M} (heure de Nouméa)",
            f"dans l'espace client de {content.isp_name}.",
        ]
        for index, line in enumerate(lines):
            pdf.set_xy(130, top + 2 + index * 4.5)
            pdf.cell(65, 4.5, line)
    pdf.set_xy(15, 280)
    regular(pdf, 7)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(
        0, 4,
        f"Document transmis par {content.isp_name} à {content.operator_name} — demande "
        f"{content.request_reference}",
    )  # fmt: skip
    return bytes(pdf.output())
