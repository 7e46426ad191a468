"""The business calendar in force: legal holidays plus the supervisors' overrides.

The overrides are kept in Django's cache, shared by every web process and worker, and
cleared when a supervisor changes one (after the change commits). Each process also
keeps the built calendar for at most CHECK_SECONDS, so a page costs no query for it, and
a change reaches every process within that second.
"""

import time
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from accounts.models import User
from audit.services import audit_log
from cancellations.models import CalendarOverride, OverrideKind
from rules import Calendar
from states import AuditAction

CACHE_KEY = "calendar:overrides:v1"
CHECK_SECONDS = 1.0
# (when this process last read the shared cache, the overrides read, the calendar built)
_cached: tuple[float, list[tuple[date, str, str]], Calendar] | None = None


def _overrides() -> list[tuple[date, str, str]]:
    overrides = cache.get(CACHE_KEY)
    if overrides is None:
        overrides = list(CalendarOverride.objects.values_list("day", "kind", "name"))
        cache.set(CACHE_KEY, overrides, None)
    return overrides  # type: ignore[no-any-return]


def current_calendar() -> Calendar:
    global _cached
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - cached[0] < CHECK_SECONDS:
        return cached[2]
    overrides = _overrides()
    if cached is not None and cached[1] == overrides:
        calendar = cached[2]  # unchanged: keep the built calendar and its memoised years
    else:
        calendar = Calendar(
            closed={day: name for day, kind, name in overrides if kind == OverrideKind.CLOSED},
            opened=frozenset(day for day, kind, _ in overrides if kind == OverrideKind.OPEN),
        )
    _cached = (now, overrides, calendar)  # one assignment: another thread sees either
    return calendar


def forget_calendar() -> None:
    """This process builds the calendar again at its next use (as after a restart)."""
    global _cached
    _cached = None


def _override_changed(**kwargs: Any) -> None:
    """An override changed: every process builds the calendar again (this one at once, the
    others within CHECK_SECONDS), from the database once the change is committed."""
    forget_calendar()
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


post_save.connect(_override_changed, sender=CalendarOverride, dispatch_uid="calendar-save")
post_delete.connect(_override_changed, sender=CalendarOverride, dispatch_uid="calendar-delete")


def calendar_override_add(
    *, day: date, kind: str, name: str, actor: User | None, ip: str | None = None
) -> CalendarOverride:
    """A supervisor closes a day (a bridge day) or opens a holiday, with its audit entry."""
    with transaction.atomic():
        override = CalendarOverride(day=day, kind=kind, name=name.strip(), created_by=actor)
        override.full_clean()
        override.save()
        audit_log(
            actor=actor,
            action=AuditAction.CALENDAR_ADD,
            target=override,
            ip=ip,
            day=str(day),
            kind=kind,
        )
    return override


def calendar_override_remove(
    *, override: CalendarOverride, actor: User | None, ip: str | None = None
) -> None:
    with transaction.atomic():
        audit_log(
            actor=actor,
            action=AuditAction.CALENDAR_REMOVE,
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
