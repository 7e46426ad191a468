"""The integration API's bodies, answers and query parameters (SPEC §7), and what
every endpoint documents: its error answers and the Idempotency-Key header."""

from datetime import date, datetime

from ninja import Field, Schema
from pydantic import StrictBool, StrictInt

from api.public import ErrorOut
from api.types import text

MAX_PAGE = 200
BULK_MAX = 1000
IDEMPOTENCY = {
    "parameters": [
        {
            "in": "header",
            "name": "Idempotency-Key",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Send the same key again (with the same body) to get the first "
            "answer instead of a second effect; kept 24 hours.",
        }
    ]
}
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class MailboxOut(Schema):
    address: str
    status: str
    retained_until: date | None


class SubscriptionOut(Schema):
    reference: str
    plan: str
    monthly_price_xpf: int
    started_on: date
    status: str
    ends_on: date | None
    access_line: str
    line_holder: str
    switching_code: str = Field(
        description="What the customer gives a new provider (12 characters, the last two "
        "check the others); print it on invoices"
    )
    mailboxes: list[MailboxOut]


class CustomerOut(Schema):
    client_code: str
    name: str
    email: str
    phone: str
    language: str
    subscriptions: list[SubscriptionOut]


class RequestOut(Schema):
    reference: str
    client_code: str
    subscription: str
    status: str
    status_reason: str
    kind: str
    new_isp: str
    kind_detail: str
    channel: str
    received_at: datetime
    desired_date: date
    processing_date: date
    effective_date: date
    billing_end: date
    last_month_amount_xpf: int
    on_time_for_month_end: bool
    mailbox_retention_months: int
    form_status: str | None


class RequestPage(Schema):
    items: list[RequestOut]
    next_cursor: str | None = Field(
        None, description="Pass it as `cursor` for the next page; null on the last page."
    )


class BilledMonth(Schema):
    month: str = Field(..., description="YYYY-MM")
    amount_xpf: int


class MailboxFate(Schema):
    address: str
    kept_until: date | None = Field(None, description="The last day it works, if kept")
    deleted_after: date | None = Field(None, description="Deleted after this day, if not kept")


class FinalInvoiceOut(Schema):
    reference: str
    status: str
    applies: bool = Field(..., description="False once the request is withdrawn or rejected")
    billing_end: date
    months_still_billed: list[BilledMonth]
    total_still_billed_xpf: int
    mailboxes: list[MailboxFate]


class QuoteOut(Schema):
    subscription: str
    desired_date: date
    processing_date: date
    effective_date: date
    billing_end: date
    month_end_deadline: str = Field(..., description="ISO 8601, Nouméa time")
    on_time_for_month_end: bool
    months_still_billed: list[BilledMonth]
    total_still_billed_xpf: int
    mailboxes: list[MailboxFate]


class FormOut(Schema):
    reference: str
    kind: str
    status: str
    line_number: str
    holder_name: str
    signed_at: datetime | None
    has_document: bool
    batch: str | None
    forwarded_at: datetime | None
    operator_answered_at: datetime | None
    operator_reference: str
    operator_refusal_reason: str


class RequestIn(Schema):
    client_code: text(20)  # type: ignore[valid-type]
    subscription: text(40)  # type: ignore[valid-type]
    desired_date: text(20) = Field(..., description="YYYY-MM-DD")  # type: ignore[valid-type]
    kind: text(20) = "definitive"  # type: ignore[valid-type]
    new_isp: text(100) = ""  # type: ignore[valid-type]
    kind_detail: text(500) = ""  # type: ignore[valid-type]
    mailbox_retention_months: StrictInt = 0
    phone_line_cancelled: StrictBool = False
    wants_phone_line_ended: StrictBool = False


class ReasonIn(Schema):
    reason: text(500)  # type: ignore[valid-type]


class AnswerIn(Schema):
    accepted: StrictBool
    operator_reference: text(100) = ""  # type: ignore[valid-type]
    reason: text(500) = ""  # type: ignore[valid-type]


class CustomerRowIn(Schema):
    """One customer's subscription, with the columns of the billing CSV import."""

    client_code: text(20)  # type: ignore[valid-type]
    name: text(200)  # type: ignore[valid-type]
    email: text(254)  # type: ignore[valid-type]
    phone: text(30) = ""  # type: ignore[valid-type]
    language: text(10) = "fr"  # type: ignore[valid-type]
    subscription_ref: text(40)  # type: ignore[valid-type]
    plan: text(100)  # type: ignore[valid-type]
    monthly_price_xpf: StrictInt
    started_on: text(20) = Field(..., description="YYYY-MM-DD")  # type: ignore[valid-type]
    access_line: text(20) = ""  # type: ignore[valid-type]
    line_holder: text(200) = ""  # type: ignore[valid-type]
    mailboxes: list[text(254)] = Field([], max_length=20)  # type: ignore[valid-type]


class BulkIn(Schema):
    items: list[CustomerRowIn]


class BulkItemOut(Schema):
    index: int
    client_code: str
    subscription_ref: str
    result: str = Field(..., description="created, updated, unchanged or rejected")
    error: str | None = None


class BulkOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    items: list[BulkItemOut]


class RequestFilters(Schema):
    status: str | None = None
    kind: str | None = None
    channel: str | None = None
    form_status: str | None = None
    received_from: str | None = Field(None, description="YYYY-MM-DD (Nouméa)")
    received_to: str | None = Field(None, description="YYYY-MM-DD (Nouméa)")
    effective_from: str | None = None
    effective_to: str | None = None
    on_time: str | None = Field(None, description="yes or no")
    late: bool | None = None
    needs_action: bool | None = None
    q: str | None = Field(None, description="Reference, client code, name, e-mail, line")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class QuoteQuery(Schema):
    desired_date: str = Field(..., description="YYYY-MM-DD")
    kind: str = "definitive"
    new_isp: str = ""
    mailbox_retention_months: int = 0


class FormFilters(Schema):
    status: str | None = None
    limit: int = Field(50, ge=1, le=MAX_PAGE)
    offset: int = Field(0, ge=0, le=10_000_000)


# --- Switching (a gaining provider's key) ---------------------------------------------------


class MatchIn(Schema):
    switching_code: text(40) = Field(..., description="The customer's code, 12 characters")  # type: ignore[valid-type]
    holder_last_name: text(200)  # type: ignore[valid-type]
    access_line: text(20) = ""  # type: ignore[valid-type]


class MatchedSubscription(Schema):
    plan: str
    access_line: str


class Implications(Schema):
    earliest_date: date
    billing_end: date
    months_billed: list[BilledMonth]
    total_billed_xpf: int
    no_fee: bool
    mailboxes: list[MailboxFate]


class MatchOut(Schema):
    match_id: str
    expires_at: datetime
    subscription: MatchedSubscription
    implications: Implications


class SwitchIn(Schema):
    match_id: text(40)  # type: ignore[valid-type]
    planned_date: text(20) = Field(..., description="YYYY-MM-DD")  # type: ignore[valid-type]
    mailbox_retention_months: StrictInt | None = Field(
        None, description="Omitted: the customer's own choice from our e-mail, else none"
    )


class PlannedDateIn(Schema):
    planned_date: text(20) = Field(..., description="YYYY-MM-DD")  # type: ignore[valid-type]


class SwitchForm(Schema):
    status: str | None = Field(
        description="Its OPTimo form: awaiting_signature, signed, forwarded, acknowledged, …"
    )
    signed: bool
    forwarded: bool
    acknowledged_by_operator: bool


class SwitchOut(Schema):
    reference: str
    status: str = Field(description="ordered, objected, cancelled or completed")
    request: str
    planned_date: date
    effective_date: date
    billing_end: date
    ordered_at: datetime
    objected_at: datetime | None
    cancelled_at: datetime | None
    form: SwitchForm
