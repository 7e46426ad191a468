import base64
import io
from datetime import date, datetime

import pytest
from PIL import Image, ImageDraw

from cancellations.models import CancellationRequest
from cancellations.rules import NOUMEA
from cancellations.services import Draft, request_submit
from customers.models import Customer

NOW = datetime(2026, 11, 26, 10, tzinfo=NOUMEA)


def submit(customer: Customer, reference: str, **fields: object) -> CancellationRequest:
    values: dict[str, object] = {"desired_date": date(2026, 12, 31), "kind": "definitive", **fields}
    draft = Draft(subscription=customer.subscriptions.get(reference=reference), **values)  # type: ignore[arg-type]
    return request_submit(customer=customer, draft=draft, actor=customer.user, now=NOW)


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
