"""The rules of SPEC §2, without a database: worked examples, month ends, holidays,
the UTC/Nouméa boundary and Hypothesis properties."""

import itertools
import os
import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rules
from rules import Calendar, QuoteError, quote
from toolbox.noumea import NOUMEA


def noumea(*args: int) -> datetime:
    return datetime(*args, tzinfo=NOUMEA)  # type: ignore[misc,arg-type]


# --- SPEC §2 worked examples ------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "desired", "processing", "effective", "billing_end", "on_time"),
    [
        # in advance, no notice
        (noumea(2026, 12, 24, 10), date(2027, 3, 15), date(2026, 12, 24), date(2027, 3, 15),
         date(2027, 3, 31), True),
        # last business day of October, on time
        (noumea(2026, 10, 30, 23, 30), date(2026, 10, 31), date(2026, 10, 30),
         date(2026, 10, 31), date(2026, 10, 31), True),
        # too late for October (1 Nov is a Sunday and a holiday)
        (noumea(2026, 10, 31, 9), date(2026, 10, 31), date(2026, 11, 2), date(2026, 11, 2),
         date(2026, 11, 30), False),
        # Christmas is not a business day
        (noumea(2026, 12, 25, 8), date(2026, 12, 25), date(2026, 12, 28), date(2026, 12, 28),
         date(2026, 12, 31), True),
    ],
)  # fmt: skip
def test_the_worked_examples_of_the_spec(
    received: datetime,
    desired: date,
    processing: date,
    effective: date,
    billing_end: date,
    on_time: bool,
) -> None:
    result = quote(received, desired)
    assert result.processing_date == processing
    assert result.effective_date == effective
    assert result.billing_end == billing_end
    assert result.on_time_for_month_end is on_time


def test_it_refuses_a_date_in_the_past() -> None:
    with pytest.raises(QuoteError) as error:
        quote(noumea(2026, 11, 25, 14), date(2026, 11, 20))
    assert error.value.code == "date_in_past"


def test_it_accepts_today_and_365_days_ahead_but_not_366() -> None:
    received = noumea(2026, 11, 26, 9)
    assert quote(received, date(2026, 11, 26)).effective_date == date(2026, 11, 26)
    assert quote(received, date(2027, 11, 26)).effective_date == date(2027, 11, 26)
    with pytest.raises(QuoteError) as error:
        quote(received, date(2027, 11, 27))
    assert error.value.code == "date_too_far"


def test_it_refuses_an_instant_without_time_zone() -> None:
    with pytest.raises(QuoteError) as error:
        quote(datetime(2026, 11, 26, 9), date(2026, 11, 30))
    assert error.value.code == "naive_datetime"


# --- The UTC / Nouméa boundary ----------------------------------------------------------


def test_2330_in_noumea_on_the_last_business_day_is_on_time() -> None:
    received = datetime(2026, 10, 30, 12, 30, tzinfo=UTC)  # Fri 23:30 in Nouméa
    result = quote(received, date(2026, 10, 31))
    assert result.received_on == date(2026, 10, 30)
    assert result.on_time_for_month_end
    assert result.billing_end == date(2026, 10, 31)


def test_0030_in_noumea_the_next_day_is_late_although_utc_is_still_the_same_day() -> None:
    received = datetime(2026, 10, 30, 13, 30, tzinfo=UTC)  # Sat 00:30 in Nouméa
    result = quote(received, date(2026, 10, 31))
    assert result.received_on == date(2026, 10, 31)
    assert not result.on_time_for_month_end
    assert result.processing_date == date(2026, 11, 2)
    assert result.billing_end == date(2026, 11, 30)


def test_the_deadline_is_the_last_instant_of_the_last_business_day_in_noumea() -> None:
    deadline = rules.month_end_deadline(2026, 10)
    assert deadline.astimezone(NOUMEA).date() == date(2026, 10, 30)
    assert deadline.astimezone(UTC) < datetime(2026, 10, 30, 13, 0, tzinfo=UTC)
    assert deadline + timedelta(microseconds=1) == noumea(2026, 10, 31)
    late = quote(deadline + timedelta(microseconds=1), date(2026, 10, 31))
    assert late.on_time_for_month_end is False
    assert quote(deadline, date(2026, 10, 31)).on_time_for_month_end is True


def test_a_request_at_the_very_end_of_november_30_is_processed_that_day() -> None:
    result = quote(noumea(2026, 11, 30, 23, 59, 59), date(2026, 11, 30))
    assert result.processing_date == date(2026, 11, 30)
    assert result.on_time_for_month_end


# --- The calendar -----------------------------------------------------------------------

TWELVE = {
    2026: [(1, 1), (4, 6), (5, 1), (5, 8), (5, 14), (5, 25), (7, 14), (8, 15), (9, 24),
           (11, 1), (11, 11), (12, 25)],
    2027: [(1, 1), (3, 29), (5, 1), (5, 6), (5, 8), (5, 17), (7, 14), (8, 15), (9, 24),
           (11, 1), (11, 11), (12, 25)],
    2028: [(1, 1), (4, 17), (5, 1), (5, 8), (5, 25), (6, 5), (7, 14), (8, 15), (9, 24),
           (11, 1), (11, 11), (12, 25)],
}  # fmt: skip


@pytest.mark.parametrize("year", sorted(TWELVE))
def test_the_twelve_new_caledonia_holidays_are_not_business_days(year: int) -> None:
    expected = [date(year, m, d) for m, d in TWELVE[year]]
    assert sorted(rules.DEFAULT_CALENDAR.holidays(year)) == expected
    for day in expected:
        assert not rules.is_business_day(day)


def test_24_september_is_a_holiday_by_its_french_name() -> None:
    names = rules.DEFAULT_CALENDAR.holidays(2026)
    assert date(2026, 9, 24) in names
    assert "Citoyenneté" in names[date(2026, 9, 24)]


def test_weekends_are_not_business_days_and_weekdays_are() -> None:
    assert not rules.is_business_day(date(2026, 11, 28))  # Saturday
    assert not rules.is_business_day(date(2026, 11, 29))  # Sunday
    assert rules.is_business_day(date(2026, 11, 26))  # Thursday


def test_next_business_day_skips_weekends_and_holidays() -> None:
    assert rules.next_business_day(date(2026, 10, 30)) == date(2026, 11, 2)
    assert rules.next_business_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert rules.next_business_day(date(2026, 11, 10)) == date(2026, 11, 12)  # 11 Nov


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2026, 5, date(2026, 5, 29)),
        (2026, 8, date(2026, 8, 31)),
        (2026, 10, date(2026, 10, 30)),
        (2026, 11, date(2026, 11, 30)),
        (2026, 12, date(2026, 12, 31)),
        (2027, 2, date(2027, 2, 26)),
        (2027, 7, date(2027, 7, 30)),
        (2028, 4, date(2028, 4, 28)),
        (2028, 12, date(2028, 12, 29)),
    ],
)
def test_last_business_day_of_known_months(year: int, month: int, expected: date) -> None:
    assert rules.last_business_day(year, month) == expected


@pytest.mark.parametrize("year", [2026, 2027, 2028])
@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_end_of_2026_to_2028(year: int, month: int) -> None:
    last = rules.last_business_day(year, month)
    assert last.month == month and rules.is_business_day(last)
    day = last + timedelta(days=1)
    while day.month == month:
        assert not rules.is_business_day(day)
        day += timedelta(days=1)
    # One instant before the deadline is on time for the month; one after is late.
    deadline = rules.month_end_deadline(year, month)
    desired = rules.month_end(last)
    before = quote(deadline - timedelta(minutes=1), desired)
    assert before.on_time_for_month_end and before.billing_end == desired
    after = deadline + timedelta(minutes=1)
    if after.astimezone(NOUMEA).date() <= desired:
        late = quote(after, desired)
        assert not late.on_time_for_month_end
        assert late.billing_end > desired


def test_a_closed_override_moves_the_month_end_deadline() -> None:
    bridge = Calendar(closed={date(2026, 11, 30): "Pont"})
    assert rules.last_business_day(2026, 11, bridge) == date(2026, 11, 27)
    assert not bridge.is_business_day(date(2026, 11, 30))
    assert bridge.holidays(2026)[date(2026, 11, 30)] == "Pont"
    result = quote(noumea(2026, 11, 30, 9), date(2026, 11, 30), bridge)
    assert result.processing_date == date(2026, 12, 1)
    assert result.billing_end == date(2026, 12, 31)


def test_an_opened_holiday_is_a_business_day() -> None:
    working = Calendar(opened=frozenset({date(2026, 9, 24)}))
    assert working.is_business_day(date(2026, 9, 24))
    assert date(2026, 9, 24) not in working.holidays(2026)
    assert quote(noumea(2026, 9, 24, 9), date(2026, 9, 24), working).processing_date == date(
        2026, 9, 24
    )


def test_business_days_in_a_month() -> None:
    # November 2026: 21 weekdays, minus Wednesday 11 November (1 November is a Sunday).
    assert rules.business_days_in_month(2026, 11) == 20


# --- Properties ----------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[datetime, date]:
    received = draw(instants)
    today = received.astimezone(NOUMEA).date()
    return received, today + timedelta(days=draw(st.integers(0, rules.MAX_DAYS_AHEAD)))


@settings(max_examples=400, deadline=None)
@given(requests())
def test_properties_of_every_quote(request: tuple[datetime, date]) -> None:
    received, desired = request
    result = quote(received, desired)
    received_on = received.astimezone(NOUMEA).date()
    assert result.effective_date >= desired
    assert result.effective_date >= result.processing_date
    assert rules.is_business_day(result.processing_date)
    assert result.processing_date >= received_on
    assert all(
        not rules.is_business_day(received_on + timedelta(days=n))
        for n in range((result.processing_date - received_on).days)
    )
    assert result.billing_end == rules.month_end(result.effective_date)
    assert result.billing_end >= result.effective_date
    assert (result.billing_end + timedelta(days=1)).day == 1
    assert result.on_time_for_month_end == (received <= result.month_end_deadline)
    deadline_day = result.month_end_deadline.astimezone(NOUMEA).date()
    assert deadline_day == rules.last_business_day(desired.year, desired.month)
    if result.on_time_for_month_end:
        # On time: billing stops at the end of the desired month.
        assert result.billing_end == rules.month_end(desired)


@settings(max_examples=200, deadline=None)
@given(requests(), st.integers(-12 * 60, 14 * 60))
def test_the_same_instant_in_any_offset_gives_the_same_quote(
    request: tuple[datetime, date], offset_minutes: int
) -> None:
    received, desired = request
    elsewhere = received.astimezone(timezone(timedelta(minutes=offset_minutes)))
    a, b = quote(received, desired), quote(elsewhere, desired)
    assert (a.processing_date, a.effective_date, a.billing_end, a.month_end_deadline) == (
        b.processing_date,
        b.effective_date,
        b.billing_end,
        b.month_end_deadline,
    )


@settings(max_examples=50, deadline=None)
@given(requests())
def test_results_do_not_depend_on_the_server_time_zone(request: tuple[datetime, date]) -> None:
    received, desired = request
    saved = os.environ.get("TZ")
    results = []
    try:
        for zone in ("UTC", "Pacific/Noumea", "America/Los_Angeles", "Asia/Kolkata"):
            os.environ["TZ"] = zone
            time.tzset()
            results.append(quote(received, desired))
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()
    assert all(r == results[0] for r in results)


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert rules.add_months(date(2026, 12, 31), 1) == date(2027, 1, 31)
    assert rules.add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert rules.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert rules.add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)


@given(
    effective=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)),
    months=st.sampled_from([1, 3, 6, 12]),
)
def test_after_the_effective_date_every_day_comes_in_order(effective: date, months: int) -> None:
    from rules import (
        completion_day,
        latest_effective_date_to_complete,
        mailbox_deletion_day,
        mailbox_kept_until,
        mailbox_reminder_day,
    )

    assert completion_day(effective) == effective + timedelta(days=1)
    assert latest_effective_date_to_complete(completion_day(effective)) == effective
    kept = mailbox_kept_until(effective, months)
    assert kept > effective
    assert mailbox_reminder_day(kept) < mailbox_deletion_day(kept) == kept + timedelta(days=1)
    assert (mailbox_deletion_day(kept) - mailbox_reminder_day(kept)).days == 15


@given(
    received=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)),
    extra_days=st.integers(min_value=0, max_value=400),
)
def test_every_started_month_is_billed_once(received: date, extra_days: int) -> None:
    billing_end = rules.month_end(received + timedelta(days=extra_days))
    months = rules.months_still_billed(received, billing_end)
    assert months[0] == received.replace(day=1)
    assert months[-1] == billing_end.replace(day=1)
    for earlier, later in itertools.pairwise(months):
        assert rules.month_end(earlier) + timedelta(days=1) == later


def test_the_reminder_to_sign_goes_to_requests_received_that_many_days_before() -> None:
    from rules import previous_business_day, unsigned_form_reminder_day

    assert unsigned_form_reminder_day(date(2026, 12, 3), 7) == date(2026, 11, 26)
    # The last business day before a Monday is the Friday; before 2 January 2027 (a
    # Saturday after New Year's Day), Thursday 31 December.
    assert previous_business_day(date(2026, 11, 30)) == date(2026, 11, 27)
    assert previous_business_day(date(2027, 1, 2)) == date(2026, 12, 31)


def test_a_public_submission_is_verified_by_the_next_business_day_in_noumea() -> None:
    from rules import identity_verification_day
    from toolbox.noumea import NOUMEA

    # 22:40 on Monday 30 November, Nouméa (11:40 UTC): verified by Tuesday 1 December.
    assert identity_verification_day(datetime(2026, 11, 30, 22, 40, tzinfo=NOUMEA)) == date(
        2026, 12, 1
    )
    # Friday 25 December is Christmas: Thursday 24's submission waits for Monday 28.
    assert identity_verification_day(datetime(2026, 12, 24, 9, tzinfo=NOUMEA)) == date(2026, 12, 28)
    # An instant in UTC is judged on its Nouméa day: 2026-12-23 20:00 UTC is the 24th there.
    from datetime import UTC

    assert identity_verification_day(datetime(2026, 12, 23, 20, tzinfo=UTC)) == date(2026, 12, 28)
