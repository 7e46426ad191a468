"""The PDF documents' shared parts (fpdf2): the DejaVu fonts, subset to what a document
prints, bold by stroking, and the section bands (the OPTimo form and the receipt)."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import TextMode

# One embedded font: every font a PDF embeds is subset again for each document, which
# is most of the cost of a form. Bold is drawn by stroking the outline (_bold below).
FONTS = {("DejaVu", ""): "DejaVuSans.ttf"}
# Latin letters of French, punctuation, the euro sign: most forms need nothing more, and
# the smaller the font, the faster the form.
UNICODES = [
    *range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x2027), *range(0x2030, 0x205F),
    0x20AC, 0x2122, 0x2212,
]  # fmt: skip
# Vietnamese and Polynesian names too (Latin Extended-B and Additional, combining accents).
UNICODES_EXTENDED = [*UNICODES, *range(0x180, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00)]
# A document whose text goes beyond both is written with the whole font.
SUBSETS = (("latin", frozenset(UNICODES)), ("latin-extended", frozenset(UNICODES_EXTENDED)))


@cache
def _subset_fonts(font_dir: Path, subset: str) -> dict[tuple[str, str], str]:
    """Cut each DejaVu font down to a subset's characters, once per process.

    Parsing and subsetting the full fonts took most of the time of every PDF; the small
    fonts make a form about ten times faster to produce and look the same.
    """
    codepoints = dict(SUBSETS)[subset]
    target = Path(tempfile.gettempdir()) / f"resilia-fonts-v3-{os.getuid()}" / subset
    target.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, name in FONTS.items():
        path = target / name
        if not path.exists():
            font = TTFont(font_dir / name)
            # No hinting and no OpenType layout tables: fpdf2 drops the latter anyway,
            # and both cost time at every document's own subsetting.
            options = Options(layout_features=[], hinting=False, name_IDs=[0, 1, 2, 3, 4, 5, 6])
            options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "hdmx", "kern"]
            subsetter = Subsetter(options)
            subsetter.populate(unicodes=sorted(codepoints))
            subsetter.subset(font)
            partial = path.with_suffix(f".{os.getpid()}.tmp.ttf")
            font.save(partial)
            partial.replace(path)
        paths[key] = str(path)
    return paths


def embed_fonts(pdf: FPDF, font_dir: Path, text: str) -> None:
    """The smallest font that has every character of the document, else the whole font:
    a name is never printed with letters missing."""
    used = {ord(char) for char in text}
    for subset, codepoints in SUBSETS:
        if used <= codepoints:
            for (family, style), path in _subset_fonts(font_dir, subset).items():
                pdf.add_font(family, style, path)
            return
    for (family, style), name in FONTS.items():
        pdf.add_font(family, style, str(font_dir / name))


def regular(pdf: FPDF, size: float) -> None:
    pdf.set_font("DejaVu", "", size)


@contextmanager
def bold(pdf: FPDF, size: float) -> Iterator[None]:
    """Bold by stroking the outline, in a local graphics state (q … Q) so that the text
    render mode cannot leak into what follows."""
    pdf.set_font("DejaVu", "", size)
    with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=size / 60):
        yield


def section(pdf: FPDF, title: str, space_after: float = 2) -> None:
    """A white title on the brand's blue band (the form's and the receipt's sections)."""
    pdf.ln(3)
    pdf.set_fill_color(11, 79, 138)
    pdf.set_text_color(255, 255, 255)
    pdf.set_draw_color(255, 255, 255)
    with bold(pdf, 10):
        pdf.cell(0, 7, f"  {title}", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(space_after)
