"""What the customer is shown before and after submitting: one shape for both."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cancellations.drafts import Draft
from cancellations.models import CancellationRequest, Kind
from customers.models import Subscription
from rules import (
    Quote,
    form_first_status,
    mailbox_kept_until,
    months_still_billed,
    noumea_date,
)
from states import FormState


@dataclass(frozen=True)
class Summary:
    subscription: Subscription
    kind: str
    new_isp: str
    processing_date: date
    effective_date: date
    billing_end: date
    last_month_amount_xpf: int
    desired_date: date
    month_end_deadline: datetime
    on_time_for_month_end: bool
    mailboxes: list[str]
    retention_months: int
    phone_line_cancelled: bool
    wants_phone_line_ended: bool
    received_on: date
    kind_detail: str = ""  # the reason typed for "Other"

    @property
    def months_billed(self) -> list[date]:
        return months_still_billed(self.received_on, self.billing_end)

    @property
    def total_billed_xpf(self) -> int:
        return len(self.months_billed) * self.last_month_amount_xpf

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label) if self.kind in Kind.values else self.kind

    @property
    def kind_text(self) -> str:
        """The kind with what the customer typed for it: "Change of provider — Lagoon",
        "Other — Je pars en métropole"."""
        typed = (
            self.new_isp
            if self.is_isp_change
            else self.kind_detail
            if self.kind == Kind.OTHER
            else ""
        )
        return f"{self.kind_label} — {typed.strip()}" if typed.strip() else self.kind_label

    @property
    def retained_until(self) -> date | None:
        """Until when the mailboxes are kept; None when none is kept, or there is none
        (nothing to keep, nothing to be reminded of)."""
        if not self.retention_months or not self.mailboxes:
            return None
        return mailbox_kept_until(self.effective_date, self.retention_months)

    @property
    def access_form_status(self) -> str:
        return form_first_status(
            access_line=self.subscription.access_line,
            phone_line_cancelled=self.phone_line_cancelled,
        )

    @property
    def access_form_needed(self) -> bool:
        return self.access_form_status == FormState.AWAITING_SIGNATURE

    @property
    def access_auto_closed(self) -> bool:
        return self.access_form_status == FormState.AUTO_CLOSED

    @property
    def is_isp_change(self) -> bool:
        return self.kind == Kind.ISP_CHANGE

    @classmethod
    def of_draft(cls, draft: Draft, quote: Quote) -> "Summary":
        subscription = draft.subscription
        return cls(
            subscription=subscription,
            kind=draft.kind,
            new_isp=draft.new_isp,
            processing_date=quote.processing_date,
            effective_date=quote.effective_date,
            billing_end=quote.billing_end,
            last_month_amount_xpf=subscription.plan.monthly_price_xpf,
            desired_date=draft.desired_date,
            month_end_deadline=quote.month_end_deadline,
            on_time_for_month_end=quote.on_time_for_month_end,
            mailboxes=[m.address for m in subscription.mailboxes.all()],
            retention_months=draft.mailbox_retention_months,
            phone_line_cancelled=draft.phone_line_cancelled,
            wants_phone_line_ended=draft.wants_phone_line_ended,
            received_on=quote.received_on,
            kind_detail=draft.kind_detail,
        )

    @classmethod
    def of_request(cls, request: CancellationRequest) -> "Summary":
        return cls(
            subscription=request.subscription,
            kind=request.kind,
            new_isp=request.new_isp,
            processing_date=request.processing_date,
            effective_date=request.effective_date,
            billing_end=request.billing_end,
            last_month_amount_xpf=request.last_month_amount_xpf,
            desired_date=request.desired_date,
            month_end_deadline=request.month_end_deadline,
            on_time_for_month_end=request.on_time_for_month_end,
            mailboxes=[m.address for m in request.subscription.mailboxes.all()],
            retention_months=request.mailbox_retention_months,
            phone_line_cancelled=request.phone_line_cancelled,
            wants_phone_line_ended=request.wants_phone_line_ended,
            received_on=noumea_date(request.received_at),
            kind_detail=request.kind_detail,
        )


def mailbox_sentence(
    addresses: Sequence[str],
    *,
    ends_on: date | None = None,
    kept_until: date | None = None,
    unchanged: bool = False,
) -> str:
    """What happens to a subscription's mailboxes, in the one sentence every page, e-mail
    and receipt uses: none, kept as they are (a withdrawn or rejected request), kept until
    a day after the service ends, or deleted with the service. Singular or plural by
    their number."""
    count = len(addresses)
    if not count:
        return _("This subscription has no mailbox.")
    boxes = ", ".join(addresses)
    if unchanged or ends_on is None:
        return ngettext(
            "Your mailbox %(boxes)s stays as it is.",
            "Your mailboxes %(boxes)s stay as they are.",
            count,
        ) % {"boxes": boxes}
    if kept_until is not None:
        return ngettext(
            "%(boxes)s: it is kept until %(until)s included, then deleted.",
            "%(boxes)s: they are kept until %(until)s included, then deleted.",
            count,
        ) % {"boxes": boxes, "until": date_format(kept_until, "l j F Y")}
    return ngettext(
        "%(boxes)s: it works until %(end)s included, then is deleted with the service.",
        "%(boxes)s: they work until %(end)s included, then are deleted with the service.",
        count,
    ) % {"boxes": boxes, "end": date_format(ends_on, "l j F Y")}


def request_mailbox_sentence(request: CancellationRequest) -> str:
    """The sentence for a request's subscription, as the request now stands."""
    return mailbox_sentence(
        [mailbox.address for mailbox in request.subscription.mailboxes.all()],
        ends_on=request.effective_date,
        kept_until=request.mailboxes_kept_until,
        unchanged=request.keeps_subscription,
    )
