"""What the customer filled in, before it becomes a request, and its checks: the quote
of its dates (R2-R7) and what its kind needs."""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cancellations.calendar import current_calendar
from cancellations.errors import RequestError, quote_error_message
from cancellations.models import Kind
from customers.models import Subscription, SubscriptionStatus
from rules import Quote, QuoteError, quote


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


def quote_draft(draft: Draft, received_at: datetime) -> Quote:
    """The quote of a draft, or RequestError with a message in the active language."""
    validate_draft(draft)
    return quote_date(draft.desired_date, received_at)


def quote_date(desired_date: date, received_at: datetime) -> Quote:
    """The rules' quote for a desired date, or RequestError (a date in the past...)."""
    try:
        return quote(received_at, desired_date, current_calendar())
    except QuoteError as exc:
        raise RequestError(exc.code, quote_error_message(exc.code)) from None


def kind_problems(*, kind: str, new_isp: str, kind_detail: str) -> list[RequestError]:
    """What the kind of cancellation still needs, every problem at once (a form shows
    them all together)."""
    if kind not in Kind.values:
        return [RequestError("invalid_kind", str(_("Choose the kind of cancellation.")))]
    problems = []
    if kind == Kind.ISP_CHANGE and not new_isp.strip():
        problems.append(
            RequestError(
                "new_isp_required",
                str(_("For a change of provider, give the new provider's name.")),
            )
        )
    if kind == Kind.OTHER and not kind_detail.strip():
        problems.append(
            RequestError(
                "detail_required",
                str(_("Tell us in a few words the reason for the cancellation.")),
            )
        )
    return problems


def validate_draft(draft: Draft) -> None:
    problems = kind_problems(kind=draft.kind, new_isp=draft.new_isp, kind_detail=draft.kind_detail)
    if problems:
        raise problems[0]
    months = draft.mailbox_retention_months
    if months and months not in settings.RESILIA_MAILBOX_RETENTION_MONTHS:
        raise RequestError("invalid_retention", str(_("Choose a mailbox retention period.")))
    if draft.subscription.status == SubscriptionStatus.TERMINATED:
        raise RequestError("terminated", str(_("This subscription has already ended.")))
