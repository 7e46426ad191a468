"""Whether the support desk is open right now, from the configured hours (Nouméa)."""

from dataclasses import dataclass
from datetime import datetime, time
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rules import DEFAULT_CALENDAR, Calendar
from toolbox.noumea import NOUMEA


@dataclass(frozen=True)
class SupportHours:
    weekdays: frozenset[int]  # ISO: 1 = Monday
    opens: time
    closes: time

    def is_open(self, at: datetime, calendar: Calendar = DEFAULT_CALENDAR) -> bool:
        """Open on the configured weekdays and hours, except the calendar's closed days
        (public holidays, and the supervisors' extra closures)."""
        local = at.astimezone(NOUMEA)
        if local.isoweekday() not in self.weekdays:
            return False
        if local.date() in calendar.holidays(local.year):
            return False
        return self.opens <= local.time() < self.closes


def parse_support_hours(days: str, hours: str) -> SupportHours:
    try:
        first, _, last = days.partition("-")
        weekdays = frozenset(range(int(first), int(last or first) + 1))
        opens, closes = (time.fromisoformat(part.strip()) for part in hours.split("-"))
    except ValueError:
        raise ImproperlyConfigured(
            f"Support hours must look like RESILIA_SUPPORT_DAYS=1-5 and "
            f"RESILIA_SUPPORT_HOURS=08:00-16:00, not {days!r} and {hours!r}."
        ) from None
    if not weekdays <= set(range(1, 8)) or opens >= closes:
        raise ImproperlyConfigured(f"Invalid support hours {days!r} {hours!r}.")
    return SupportHours(weekdays=weekdays, opens=opens, closes=closes)


@cache
def configured_support_hours() -> SupportHours:
    return parse_support_hours(settings.RESILIA_SUPPORT_DAYS, settings.RESILIA_SUPPORT_HOURS)
