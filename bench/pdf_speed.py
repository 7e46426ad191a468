"""OPTimo forms generated per second on one core (signed, with a drawn signature).

Usage: .venv/bin/python bench/pdf_speed.py [FORMS]
"""

import io
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw

from access_forms.pdf import FormContent, render_form
from toolbox.noumea import NOUMEA

FONTS = Path("/usr/share/fonts/truetype/dejavu")


def signature() -> bytes:
    image = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(image).line([(40, 150), (200, 40), (320, 160), (560, 60)], fill=30, width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def main(count: int) -> None:
    png = signature()
    contents = [
        FormContent(
            operator_name="OPT/Helia",
            access_service_name="OPTimo",
            isp_name="MLS",
            kind="isp_release" if n % 3 == 0 else "cancellation",
            request_reference=f"RES-2026-{n:06d}",
            holder_name=f"Titulaire Numéro {n} — Œuvre",
            holder_address=f"{n} rue de Sébastopol, 98800 Nouméa",
            holder_phone="75.12.34",
            holder_email=f"titulaire{n}@example.nc",
            line_number=f"2{n:05d}",
            form_date=date(2026, 12, 31),
            new_isp="Lagoon",
            signer_name=f"Titulaire Numéro {n}",
            signed_at=datetime(2026, 11, 26, 10, tzinfo=NOUMEA),
            signature_png=png,
        )
        for n in range(count)
    ]
    render_form(contents[0], FONTS)  # first call cuts the fonts down once per process
    best = 0.0
    for _ in range(3):
        began = time.perf_counter()
        for content in contents:
            render_form(content, FONTS)
        best = max(best, count / (time.perf_counter() - began))
    print(f"{count} forms, best of 3 runs: {best:.0f} forms/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
