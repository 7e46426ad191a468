"""What a switch means for the customer, as the match's answer, e-mail and page say it:
when the service ends at the earliest, what is still billed, what becomes of each
mailbox."""

from dataclasses import dataclass
from datetime import date, datetime

from cancellations.drafts import quote_date
from customers.models import Mailbox, Subscription
from rules import earliest_switch_date, mailbox_kept_until, months_still_billed
from toolbox.noumea import NOUMEA


@dataclass(frozen=True)
class BilledMonth:
    month: date
    amount_xpf: int


@dataclass(frozen=True)
class MailboxFate:
    address: str
    kept_until: date | None
    deleted_after: date | None


@dataclass(frozen=True)
class Implications:
    earliest_date: date
    billing_end: date
    months_billed: list[BilledMonth]
    mailboxes: list[MailboxFate]

    @property
    def total_billed_xpf(self) -> int:
        return sum(m.amount_xpf for m in self.months_billed)

    @property
    def addresses(self) -> str:
        return ", ".join(m.address for m in self.mailboxes)


def implications(
    subscription: Subscription, now: datetime, desired: date | None = None, months: int = 0
) -> Implications:
    """The switch's consequences as a cancellation received now for `desired` (the
    earliest date an order accepts when not given: rules.earliest_switch_date): when the
    service ends at the earliest, what is still billed (every started month), what
    becomes of each mailbox."""
    today = now.astimezone(NOUMEA).date()
    result = quote_date(desired or earliest_switch_date(today), now)
    monthly = subscription.plan.monthly_price_xpf
    kept = mailbox_kept_until(result.effective_date, months) if months else None
    return Implications(
        earliest_date=result.effective_date,
        billing_end=result.billing_end,
        months_billed=[
            BilledMonth(month=m, amount_xpf=monthly)
            for m in months_still_billed(result.received_on, result.billing_end)
        ],
        mailboxes=[
            MailboxFate(
                address=m.address,
                kept_until=kept,
                deleted_after=None if kept else result.effective_date,
            )
            for m in active_mailboxes(subscription)
        ],
    )


def active_mailboxes(subscription: Subscription) -> list[Mailbox]:
    return list(
        Mailbox.objects.filter(subscription=subscription)
        .exclude(status="deleted")
        .order_by("address")
    )
