"""The cancellation rules of SPEC §2: business days, processing day, effective date,
billing end and the end-of-month deadline, all on Nouméa dates.

Pure functions: instants and dates in, dates out. No database, no clock, no server time
zone: the instant of receipt is an aware datetime given by the caller, converted to
Nouméa time before any rule looks at it (a rule that looked at the UTC date would be
wrong for eleven hours of every day), and the calendar is an input.
"""

import calendar as _stdlib_calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from states import FormState, RequestState, SwitchState
from toolbox.noumea import NOUMEA
from toolbox.refusals import Refusal

MAX_DAYS_AHEAD = 365
END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True, slots=True)
class Calendar:
    """New Caledonia's business calendar (R1) with the ISP's own overrides.

    `closed` adds closed days (a bridge day), with a name; `opened` lists holidays on
    which the ISP works anyway. Legal holidays come from the `holidays` package.
    """

    closed: Mapping[date, str] = field(default_factory=dict)
    opened: frozenset[date] = frozenset()
    _years: dict[int, dict[date, str]] = field(default_factory=dict, compare=False, repr=False)
    _last_business_days: dict[tuple[int, int], date] = field(
        default_factory=dict, compare=False, repr=False
    )
    _deadlines: dict[tuple[int, int], datetime] = field(
        default_factory=dict, compare=False, repr=False
    )

    def holidays(self, year: int) -> dict[date, str]:
        """Every closed weekday-or-weekend day of the year, legal and extra, with names."""
        days = self._years.get(year)
        if days is None:
            legal = holidays.country_holidays("NC", years=year, language="fr")
            days = {day: name for day, name in legal.items() if day not in self.opened}
            days.update({day: name for day, name in self.closed.items() if day.year == year})
            # Sorted once, and the sorted one returned the first time too: every page
            # lists the days in the same (calendar) order.
            days = self._years[year] = dict(sorted(days.items()))
        return days

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        days = self._years.get(day.year)
        return day not in (days if days is not None else self.holidays(day.year))

    def last_business_day(self, year: int, month: int) -> date:
        key = (year, month)
        found = self._last_business_days.get(key)
        if found is None:
            found = date(year, month, _stdlib_calendar.monthrange(year, month)[1])
            while not self.is_business_day(found):
                found -= timedelta(days=1)
            self._last_business_days[key] = found
        return found

    def month_end_deadline(self, year: int, month: int) -> datetime:
        key = (year, month)
        found = self._deadlines.get(key)
        if found is None:
            found = self._deadlines[key] = end_of_day(self.last_business_day(year, month))
        return found


DEFAULT_CALENDAR = Calendar()


def is_business_day(day: date, calendar: Calendar = DEFAULT_CALENDAR) -> bool:
    """R1: Monday to Friday, except New Caledonia's public holidays."""
    return calendar.is_business_day(day)


def business_day_on_or_after(day: date, calendar: Calendar = DEFAULT_CALENDAR) -> date:
    while not calendar.is_business_day(day):
        day += timedelta(days=1)
    return day


def next_business_day(day: date, calendar: Calendar = DEFAULT_CALENDAR) -> date:
    """The first business day strictly after `day`."""
    return business_day_on_or_after(day + timedelta(days=1), calendar)


def previous_business_day(day: date, calendar: Calendar = DEFAULT_CALENDAR) -> date:
    """The last business day strictly before `day`."""
    day -= timedelta(days=1)
    while not calendar.is_business_day(day):
        day -= timedelta(days=1)
    return day


def last_business_day(year: int, month: int, calendar: Calendar = DEFAULT_CALENDAR) -> date:
    return calendar.last_business_day(year, month)


def business_days_in_month(year: int, month: int, calendar: Calendar = DEFAULT_CALENDAR) -> int:
    days = _stdlib_calendar.monthrange(year, month)[1]
    return sum(calendar.is_business_day(date(year, month, d)) for d in range(1, days + 1))


@lru_cache(maxsize=4096)
def _days_in_month(year: int, month: int) -> int:
    return _stdlib_calendar.monthrange(year, month)[1]


def month_end(day: date) -> date:
    return day.replace(day=_days_in_month(day.year, day.month))


def add_months(day: date, months: int) -> date:
    """R11: the end of mailbox retention, N months later (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, _days_in_month(year, month)))


def start_of_day(day: date) -> datetime:
    """Midnight at the start of a Nouméa day."""
    return datetime.combine(day, time.min, tzinfo=NOUMEA)


def end_of_day(day: date) -> datetime:
    """The last instant of a Nouméa day."""
    return datetime.combine(day, END_OF_DAY, tzinfo=NOUMEA)


def noumea_today() -> date:
    return datetime.now(NOUMEA).date()


def month_end_deadline(year: int, month: int, calendar: Calendar = DEFAULT_CALENDAR) -> datetime:
    """R7: to stop at the end of a month, the request must arrive by this instant."""
    return calendar.month_end_deadline(year, month)


def noumea_date(instant: datetime) -> date:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise QuoteError("naive_datetime", "the instant of receipt has no time zone")
    return instant.astimezone(NOUMEA).date()


class QuoteError(Refusal):
    """A request the rules refuse. `code` is stable; the UI translates it."""


@dataclass(frozen=True, slots=True)
class Quote:
    received_at: datetime
    received_on: date  # the Nouméa date of receipt
    desired_date: date
    processing_date: date
    effective_date: date
    billing_end: date
    month_end_deadline: datetime
    on_time_for_month_end: bool

    @property
    def is_late_for_month_end(self) -> bool:
        return not self.on_time_for_month_end


def quote(
    received_at: datetime, desired_date: date, calendar: Calendar = DEFAULT_CALENDAR
) -> Quote:
    """What happens to a request received at `received_at` for `desired_date`.

    R2: the desired date is between the Nouméa date of receipt and 365 days later.
    R3: processed on the day of receipt if it is a business day, else the next one.
    R4: the service ends on the later of the desired date and the processing day.
    R5: every started month is due, so billing ends on that month's last day.
    R7: on time for the desired month's end if received by its last business day.
    """
    received_on = noumea_date(received_at)
    if desired_date < received_on:
        raise QuoteError("date_in_past", "the desired date is in the past")
    if (desired_date - received_on).days > MAX_DAYS_AHEAD:
        raise QuoteError("date_too_far", "the desired date is more than 365 days ahead")
    processing_date = business_day_on_or_after(received_on, calendar)
    effective_date = max(desired_date, processing_date)
    deadline = calendar.month_end_deadline(desired_date.year, desired_date.month)
    return Quote(
        received_at=received_at,
        received_on=received_on,
        desired_date=desired_date,
        processing_date=processing_date,
        effective_date=effective_date,
        billing_end=month_end(effective_date),
        month_end_deadline=deadline,
        on_time_for_month_end=received_at <= deadline,
    )


def months_still_billed(received_on: date, billing_end: date) -> list[date]:
    """R5: every month still billed, from the month the request is received through the
    month of billing_end (each as its first day): every started month is due."""
    months = []
    month = received_on.replace(day=1)
    while month <= billing_end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


# --- After the effective date (SPEC §5, R11) -----------------------------------------------

# The service lasts through the effective date ("Fin du service le X": the customer has
# service all of day X); the daily run ends it the next day. A kept mailbox likewise lasts
# through the last day the customer was shown, and is deleted the day after.
MAILBOX_REMINDER_DAYS = 15


def completion_day(effective_date: date) -> date:
    """The first day without service: the daily run completes the request that day."""
    return effective_date + timedelta(days=1)


def latest_effective_date_to_complete(today: date) -> date:
    """Requests whose effective date is on or before this are due for completion today."""
    return today - timedelta(days=1)


def mailbox_kept_until(effective_date: date, retention_months: int) -> date:
    """R11: the last day a kept mailbox still works (shown to the customer)."""
    return add_months(effective_date, retention_months)


def mailbox_deletion_day(kept_until: date) -> date:
    return kept_until + timedelta(days=1)


def mailbox_reminder_day(kept_until: date) -> date:
    """R11: the customer is reminded 15 days before the deletion."""
    return mailbox_deletion_day(kept_until) - timedelta(days=MAILBOX_REMINDER_DAYS)


def kept_until_range_to_remind(today: date) -> tuple[date, date]:
    """The kept-until dates whose reminder day has come and deletion day has not."""
    return today, today + timedelta(days=MAILBOX_REMINDER_DAYS - 1)


def latest_kept_until_to_delete(today: date) -> date:
    """Mailboxes kept until this day or before are due for deletion today."""
    return today - timedelta(days=1)


# --- Open requests and withdrawal (SPEC §5, R8, R9) -------------------------------------

# A request is open (it still counts against R8's one-per-subscription, and may be
# withdrawn) while received or taken into account.
REQUEST_OPEN_STATUSES = (RequestState.SUBMITTED, RequestState.CONFIRMED)


def identity_verification_day(received_at: datetime, calendar: Calendar = DEFAULT_CALENDAR) -> date:
    """SPEC §3.8: a cancellation sent from the public page without the e-mailed code is
    verified by an agent within one business day of its (Nouméa) day of receipt."""
    return next_business_day(noumea_date(received_at), calendar)


def unsigned_form_reminder_day(today: date, days: int) -> date:
    """A form still unsigned from a request received on or before this day gets its
    reminder today (and shows as "unsigned for long" in the back office)."""
    return today - timedelta(days=days)


def last_withdrawal_day(effective_date: date) -> date:
    """R9: an open request may be withdrawn until the day before its effective date."""
    return effective_date - timedelta(days=1)


def withdrawal_allowed(status: str, effective_date: date, today: date) -> bool:
    return status in REQUEST_OPEN_STATUSES and today <= last_withdrawal_day(effective_date)


# --- The OPTimo form's first status (SPEC R10) --------------------------------------------


def form_first_status(*, access_line: str, phone_line_cancelled: bool) -> FormState:
    """R10: a fixed-line access needs the form signed by the line holder, unless the phone
    line itself is already being cancelled with the operator (the access closes with it)."""
    if not access_line:
        return FormState.NOT_NEEDED
    if phone_line_cancelled:
        return FormState.AUTO_CLOSED
    return FormState.AWAITING_SIGNATURE


# Form statuses in which the line holder has not signed (not yet, or not validly).
FORM_STATUSES_UNSIGNED = frozenset({FormState.AWAITING_SIGNATURE, FormState.INVALID})


def ended_with_form_unsigned(request_status: str, form_status: str) -> bool:
    """The service has ended but the line holder never signed the OPTimo form: the
    operator still runs (and bills) the fixed-line access, so staff follow it up."""
    return request_status == RequestState.COMPLETED and form_status in FORM_STATUSES_UNSIGNED


# --- Requests that end without effect (SPEC §5, R9) ---------------------------------------

# A withdrawn or rejected request changes nothing: the subscription continues, nothing is
# billed beyond the usual plan, the mailboxes stay as they are.
REQUEST_STATUSES_WITHOUT_EFFECT = frozenset({RequestState.WITHDRAWN, RequestState.REJECTED})


# --- The OPTimo form when its request closes (SPEC R10, §5) ------------------------------

# Form statuses in which the signed form has left for the operator (forwarded, or already
# accepted): withdrawing the request must then recall it, or the operator cuts the line
# of a customer who stayed.
FORM_STATUSES_WITH_THE_OPERATOR = frozenset({FormState.FORWARDED, FormState.ACKNOWLEDGED})
# Form statuses where nothing is left to do when the request closes.
FORM_STATUSES_FINAL = frozenset(
    {
        FormState.NOT_NEEDED,
        FormState.AUTO_CLOSED,
        FormState.REFUSED_BY_OPERATOR,
        FormState.CANCELLED,
    }
)


def form_status_when_request_closes(form_status: str) -> tuple[str, bool]:
    """(new status, recall needed) of a request's form when the request is withdrawn or
    rejected: a form still in progress is cancelled; one with the operator is cancelled and
    recalled; one that needed nothing, or that the operator refused, stays as it is."""
    if form_status in FORM_STATUSES_FINAL:
        return form_status, False
    return FormState.CANCELLED, form_status in FORM_STATUSES_WITH_THE_OPERATOR


# --- The phone line (SPEC step 3) ---------------------------------------------------------


def phone_line_ended_with_operator(
    *, access_line: str, wants_phone_line_ended: bool, phone_line_cancelled: bool
) -> bool:
    """Step 3: a subscription over a phone line whose customer wants the line ended too,
    or has it ended already, ends it with the operator directly (this request never
    does); otherwise the phone line continues."""
    return bool(access_line) and (wants_phone_line_ended or phone_line_cancelled)


# --- Cancelling without logging in: the e-mailed code (SPEC §3) -------------------------

CODE_VALIDITY = timedelta(minutes=15)
# Tries per submission, all its codes together: a new code does not start them again.
CODE_ATTEMPTS = 5
# Tries per client code in a day, all its submissions together: a stranger guessing
# codes for one customer gets about one chance in 100,000 a day.
CODE_TRIES_PER_CLIENT_CODE_PER_DAY = 10
# Signed forms sent as files, per customer and per address (an IPv6 /64 counts as one)
# in an hour: each PDF is read in its own process for a few seconds.
UPLOADS_PER_CUSTOMER_PER_HOUR = 10
UPLOADS_PER_ADDRESS_PER_HOUR = 20
# Codes e-mailed per client code in a day: a submission that matches the file gets its
# code even after strangers' junk, and nobody can flood the customer's inbox with codes.
CODES_PER_CLIENT_CODE_PER_DAY = 10
# New codes a visitor may ask for, per submission.
CODE_REQUESTS = 3
# After the code, this long to press the button; then a new code.
CONFIRM_WINDOW = timedelta(hours=1)
# A submission nobody confirmed with a code for this long goes to an agent.
CODE_GRACE = timedelta(hours=1)
# Acknowledgements to one address that matched no customer, per hour.
ACKNOWLEDGEMENTS_PER_ADDRESS = 3
ACKNOWLEDGEMENTS_WINDOW = timedelta(hours=1)


# --- The back office's warning about kept mailboxes (SPEC §4) --------------------------


def kept_until_deleted_within(today: date, days: int = MAILBOX_REMINDER_DAYS) -> date:
    """Mailboxes kept until this day or before are deleted within `days` days (the back
    office's warning, and its export, over the same days as the customer's reminder)."""
    return today + timedelta(days=days)


# --- A switch's status (SPEC §3.9) ---------------------------------------------------------


# The e-mailed switch link opens its page until this many days after the switch ended
# (stopped, called off, completed, or the match lapsed without an order); then it shows
# nothing.
SWITCH_LINK_DAYS_AFTER_THE_END = 14


def switch_link_open(ended_at: datetime | None, now: datetime) -> bool:
    """The e-mailed switch link opens its page until SWITCH_LINK_DAYS_AFTER_THE_END days
    after the switch ended (None: it has not)."""
    return ended_at is None or now < ended_at + timedelta(days=SWITCH_LINK_DAYS_AFTER_THE_END)


def earliest_switch_date(today: date) -> date:
    """A switch ends the service tomorrow at the earliest: the customer keeps at least
    until tonight to say they asked for nothing (an objection runs until the day before
    the effective date). Every page, e-mail and answer that shows the earliest date shows
    this one, and an order for it is accepted."""
    return today + timedelta(days=1)


# A gaining provider moves one switch at most this many times a Nouméa day; the customer
# hears of its moves at most once a day (the first at once, the later ones together the
# next morning, at SWITCH_MOVES_TOLD_AT).
SWITCH_MOVES_PER_DAY = 3
SWITCH_MOVES_TOLD_AT = time(7, 0)
# A move that brings the date closer leaves the customer this many days, counted from the
# day the e-mail telling them goes out, to say they asked for nothing.
SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE = 7


def switch_move_told_on(today: date, last_told_on: date | None) -> date:
    """The day the customer hears of a move made today: today, unless they already heard
    of one today or a message about them is already waiting for tomorrow morning (then
    tomorrow morning, with the day's later moves)."""
    if last_told_on is None or last_told_on < today:
        return today
    return today + timedelta(days=1)


def switch_moves_told_at(day: date) -> datetime:
    """When the message held for the morning about the day before's later moves leaves."""
    return datetime.combine(day, SWITCH_MOVES_TOLD_AT, tzinfo=NOUMEA)


def earliest_earlier_switch_date(told_on: date) -> date:
    """The first date a move may bring a switch to when it brings it closer: the customer
    keeps SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE days from the e-mail telling them."""
    return told_on + timedelta(days=SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE)


def switch_status(request_status: str, *, cancelled: bool) -> SwitchState:
    """A switch follows its request: stopped by the customer when the request is withdrawn,
    cancelled when the provider called it off or the request was rejected."""
    if cancelled or request_status == RequestState.REJECTED:
        return SwitchState.CANCELLED
    if request_status == RequestState.WITHDRAWN:
        return SwitchState.OBJECTED
    if request_status == RequestState.COMPLETED:
        return SwitchState.COMPLETED
    return SwitchState.ORDERED
