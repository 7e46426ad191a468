"""Why a gaining provider is refused: one error with a stable code and a message (the
API says which HTTP status each code is), and the checks each switch service makes."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from cancellations.drafts import quote_date
from cancellations.errors import RequestError
from customers.models import Subscription
from rules import (
    SWITCH_MOVES_PER_DAY,
    SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE,
    earliest_earlier_switch_date,
    earliest_switch_date,
    start_of_day,
)
from switching.models import Provider, Switch, SwitchMatch, SwitchStatus
from toolbox.noumea import NOUMEA
from toolbox.refusals import Refusal


class SwitchError(Refusal):
    """A switch the rules or its state refuse: a stable code and a message (the API says
    which HTTP status each code is)."""

    def __init__(self, code: str, message: str, **extra: object) -> None:
        super().__init__(code, message)
        self.extra = extra


def from_request_error(exc: RequestError) -> SwitchError:
    return SwitchError(exc.code, exc.message)


NO_MATCH = "no_match"


def no_match() -> SwitchError:
    return SwitchError(NO_MATCH, _("No subscription matches this switching code and last name."))


def objected() -> SwitchError:
    return SwitchError(
        "objected",
        _(
            "The customer has said they did not ask for a switch to you: no switch can be "
            "placed for this subscription for now."
        ),
    )


def objected_lately(subscription: Subscription, provider: Provider, at: datetime) -> bool:
    """The customer said "Je n'ai rien demandé" to this provider about this subscription
    within RESILIA_SWITCH_MATCH_DAYS: its new matches and orders are refused meanwhile,
    whichever of its keys makes them."""
    since = at - timedelta(days=settings.RESILIA_SWITCH_MATCH_DAYS)
    return (
        SwitchMatch.objects.filter(
            subscription=subscription, provider=provider, objected_at__gte=since
        ).exists()
        or Switch.objects.filter(
            match__subscription=subscription, provider=provider, objected_at__gte=since
        ).exists()
    )


def still_ordered(switch: Switch) -> None:
    status = switch.status
    if status != SwitchStatus.ORDERED:
        raise SwitchError(
            f"switch_{status}",
            _("This switch is no longer under way: it is “%(status)s”.")
            % {"status": switch.get_status_display()},
        )


def too_many_moves(at: datetime) -> SwitchError:
    tomorrow = at.astimezone(NOUMEA).date() + timedelta(days=1)
    return SwitchError(
        "too_many_moves",
        _("This switch has been moved %(count)s times today: move it again tomorrow.")
        % {"count": SWITCH_MOVES_PER_DAY},
        retry_after=max(1, int((start_of_day(tomorrow) - at).total_seconds())),
    )


def check_moved_date(planned: date, before: date, told_on: date) -> None:
    """A moved date leaves the customer, from the day the e-mail telling them goes out
    (`told_on`), the notice an order gives; a date brought closer than `before`,
    SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE days."""
    earliest = (
        earliest_earlier_switch_date(told_on) if planned < before else earliest_switch_date(told_on)
    )
    if planned < earliest:
        raise SwitchError(
            "date_too_soon",
            _(
                "A switch brought closer must leave the customer %(days)s days from the "
                "e-mail telling them: %(earliest)s at the earliest."
            )
            % {"days": SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE, "earliest": earliest.isoformat()}
            if planned < before
            else _(
                "The planned date must be %(earliest)s or later: the customer, told on "
                "%(told)s, may say they asked for nothing until the day before it."
            )
            % {"earliest": earliest.isoformat(), "told": told_on.isoformat()},
            earliest_date=earliest.isoformat(),
        )


def check_planned_date(planned: date, at: datetime) -> None:
    """A date before rules.earliest_switch_date (tomorrow) or beyond 365 days: refused
    before anything changes, with the first date that would be accepted."""
    today = at.astimezone(NOUMEA).date()
    earliest = earliest_switch_date(today)
    if planned < earliest:
        raise SwitchError(
            "date_in_past" if planned < today else "date_too_soon",
            _(
                "The planned date must be %(earliest)s or later: the customer may say they "
                "asked for nothing until the day before it."
            )
            % {"earliest": earliest.isoformat()},
            earliest_date=earliest.isoformat(),
        )
    try:
        quote_date(planned, at)
    except RequestError as exc:
        raise SwitchError(exc.code, exc.message) from None
