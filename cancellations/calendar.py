"""The business calendar in force: legal holidays plus the supervisors' overrides.

Built from the database once and kept in the process; a change of override clears it
in the process that made it, and other processes pick it up within CACHE_SECONDS.
"""

import threading
import time
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from accounts.models import User
from audit.services import audit_log
from cancellations.models import CalendarOverride, OverrideKind
from cancellations.rules import Calendar

CACHE_SECONDS = 60
_lock = threading.Lock()
_cached: tuple[float, Calendar] | None = None


def current_calendar() -> Calendar:
    global _cached
    cached = _cached
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    overrides = list(CalendarOverride.objects.values_list("day", "kind", "name"))
    calendar = Calendar(
        closed={day: name for day, kind, name in overrides if kind == OverrideKind.CLOSED},
        opened=frozenset(day for day, kind, _ in overrides if kind == OverrideKind.OPEN),
    )
    with _lock:
        _cached = (time.monotonic(), calendar)
    return calendar


def forget_calendar(**kwargs: Any) -> None:
    global _cached
    with _lock:
        _cached = None


post_save.connect(forget_calendar, sender=CalendarOverride, dispatch_uid="calendar-save")
post_delete.connect(forget_calendar, sender=CalendarOverride, dispatch_uid="calendar-delete")


def calendar_override_add(
    *, day: date, kind: str, name: str, actor: User | None, ip: str | None = None
) -> CalendarOverride:
    """A supervisor closes a day (a bridge day) or opens a holiday, with its audit entry."""
    with transaction.atomic():
        override = CalendarOverride(day=day, kind=kind, name=name.strip(), created_by=actor)
        override.full_clean()
        override.save()
        audit_log(
            actor=actor, action="calendar.add", target=override, ip=ip, day=str(day), kind=kind
        )
    return override


def calendar_override_remove(
    *, override: CalendarOverride, actor: User | None, ip: str | None = None
) -> None:
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="calendar.remove",
            target=override,
            ip=ip,
            day=str(override.day),
            kind=override.kind,
        )
        override.delete()


def override_preview(*, day: date, kind: str) -> tuple[date, date]:
    """The last business day of `day`'s month with the calendar in force, and with this
    override added: what a supervisor sees before saving it."""
    calendar = current_calendar()
    closed = dict(calendar.closed)
    opened = set(calendar.opened)
    if kind == OverrideKind.CLOSED:
        closed[day] = "preview"
    else:
        opened.add(day)
    changed = Calendar(closed=closed, opened=frozenset(opened))
    return (
        calendar.last_business_day(day.year, day.month),
        changed.last_business_day(day.year, day.month),
    )
