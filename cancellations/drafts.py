"""What the customer filled in, before it becomes a request (beside the rules it is
quoted by; no service needed to read it)."""

from dataclasses import dataclass
from datetime import date

from customers.models import Subscription


@dataclass(frozen=True)
class Draft:
    subscription: Subscription
    desired_date: date
    kind: str
    new_isp: str = ""
    kind_detail: str = ""
    mailbox_retention_months: int = 0
    phone_line_cancelled: bool = False
    wants_phone_line_ended: bool = False
