from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django import template
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

NBSP = "\u00a0"


@register.filter
def xpf(amount: int | None) -> str:
    """4500 → "4 500 F" (no-break spaces, so the amount never wraps)."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", NBSP) + NBSP + "F"


@register.filter
def noumea(value: datetime | None, fmt: str = "j F Y H:i") -> str:
    """An instant as Nouméa wall-clock time, whatever the active time zone."""
    if value is None:
        return ""
    return date_format(value.astimezone(ZoneInfo("Pacific/Noumea")), fmt)


@register.filter
def received(value: datetime) -> str:
    """An instant of receipt, unambiguous anywhere: "30 November 2026 at 22:14:05 (Nouméa
    time, UTC+11:00)" (the receipt, the acknowledgement, the result pages)."""
    local = value.astimezone(ZoneInfo("Pacific/Noumea"))
    offset = local.strftime("%z")
    return _("%(day)s at %(time)s (Nouméa time, UTC%(offset)s)") % {
        "day": date_format(local, "j F Y"),
        "time": local.strftime("%H:%M:%S"),
        "offset": f"{offset[:3]}:{offset[3:]}",
    }


@register.filter
def days_since(value: datetime | None, today: date) -> int | str:
    """Whole Nouméa days from an instant to `today` (a form's age in the back office)."""
    if value is None:
        return ""
    return (today - value.astimezone(ZoneInfo("Pacific/Noumea")).date()).days


@register.filter
def hours(value: timedelta | None) -> str:
    """A delay as "3 d 4 h" or "5 h 20 min", for the dashboard's medians."""
    if value is None:
        return "—"
    minutes_total = int(value.total_seconds()) // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours_part, mins = divmod(rest, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours_part}
    if hours_part:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours_part, "minutes": f"{mins:02d}"}
    return _("%(minutes)s min") % {"minutes": mins}


@register.filter
def minutes(value: timedelta | None) -> int:
    """A duration in whole minutes (rounded up), e.g. the lockout's cool-off."""
    if value is None:
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.simple_tag
def colon() -> str:
    """The colon of a label, typeset for the active language: French puts a (no-break)
    space before it, English does not."""
    return NBSP + ":" if (get_language() or "fr").startswith("fr") else ":"
