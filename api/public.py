"""Public endpoints: the quote and the business calendar (no key needed)."""

import re
from datetime import UTC, date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import StrictStr

from api.errors import ApiError
from cancellations.calendar import current_calendar
from cancellations.errors import quote_error_message
from rules import QuoteError, business_days_in_month, quote

router = Router(tags=["public"])


class QuoteIn(Schema):
    desired_date: StrictStr
    submitted_at: StrictStr | None = None


class QuoteOut(Schema):
    processing_date: date
    effective_date: date
    billing_end: date
    month_end_deadline: str
    on_time_for_month_end: bool


class ErrorOut(Schema):
    code: str
    message: str


class HolidayOut(Schema):
    date: date
    name: str


class CalendarOut(Schema):
    last_business_day: date
    business_days: int
    holidays: list[HolidayOut]


# Only the forms the documentation promises, in ASCII digits: Python's fromisoformat also
# takes ISO week dates ("2026-W49-1"), and str.isdigit() takes "³", which int() refuses.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)
NUMBER = re.compile(r"\d{1,4}", re.ASCII)
# The calendar and the rules cover these years; further out, date arithmetic overflows.
YEARS = range(2000, 2101)


def _parse_date(value: str, field: str = "desired_date") -> date:
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            422,
            "invalid_date",
            _("%(field)s must be a date written YYYY-MM-DD.") % {"field": field},
        ) from None
    if parsed.year not in YEARS:
        raise ApiError(422, "date_out_of_range", _("The date must be between 2000 and 2100."))
    return parsed


def _parse_instant(value: str) -> datetime:
    try:
        if not INSTANT.fullmatch(value):
            raise ValueError
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(
            422,
            "invalid_datetime",
            _("submitted_at must be an ISO-8601 date and time with an offset."),
        ) from None
    if instant.utcoffset() is None:
        raise ApiError(422, "naive_datetime", quote_error_message("naive_datetime"))
    if instant.year not in YEARS or instant.astimezone(UTC).year not in YEARS:
        raise ApiError(422, "date_out_of_range", _("The date must be between 2000 and 2100."))
    return instant


@router.post(
    "/quote",
    response={200: QuoteOut, 422: ErrorOut},
    summary="Dates and deadline of a cancellation received at an instant",
)
def post_quote(request: HttpRequest, payload: QuoteIn) -> QuoteOut:
    """Every rule is evaluated relative to `submitted_at` (default: now), never to the
    server's clock: what-if quotes and replays give the answer of that instant."""
    desired = _parse_date(payload.desired_date)
    received = _parse_instant(payload.submitted_at) if payload.submitted_at else timezone.now()
    try:
        result = quote(received, desired, current_calendar())
    except QuoteError as exc:
        raise ApiError(422, exc.code, quote_error_message(exc.code)) from None
    return QuoteOut(
        processing_date=result.processing_date,
        effective_date=result.effective_date,
        billing_end=result.billing_end,
        month_end_deadline=result.month_end_deadline.isoformat(timespec="seconds"),
        on_time_for_month_end=result.on_time_for_month_end,
    )


@router.get(
    "/calendar/{year}/{month}",
    response={200: CalendarOut, 422: ErrorOut},
    summary="Business calendar of a month (New Caledonia, with the ISP's overrides)",
)
def get_calendar(request: HttpRequest, year: str, month: str) -> CalendarOut:
    if not (NUMBER.fullmatch(year) and NUMBER.fullmatch(month)):
        raise ApiError(422, "invalid_month", _("Year and month must be numbers."))
    y, m = int(year), int(month)
    if not 1 <= m <= 12:
        raise ApiError(422, "invalid_month", _("The month must be between 1 and 12."))
    if not 2000 <= y <= 2100:
        raise ApiError(422, "invalid_year", _("The year must be between 2000 and 2100."))
    calendar = current_calendar()
    holidays = [
        HolidayOut(date=day, name=name)
        for day, name in calendar.holidays(y).items()
        if day.month == m
    ]
    return CalendarOut(
        last_business_day=calendar.last_business_day(y, m),
        business_days=business_days_in_month(y, m, calendar),
        holidays=holidays,
    )
