from datetime import date, datetime, timedelta
from functools import lru_cache

from django import template
from django.template.defaultfilters import date as django_date
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cancellations.rules import NOUMEA

register = template.Library()

NBSP = "\u00a0"


@register.filter
def xpf(amount: int | None) -> str:
    """4500 → "4 500 F" (no-break spaces, so the amount never wraps)."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", NBSP) + NBSP + "F"


@register.filter(expects_localtime=True)
def day(value: date | None, fmt: str) -> str:
    """A calendar day in the active language ("lundi 30 novembre 2026"): Django's `date`
    filter, remembered per process. The hot pages (the live summary, the subscriptions)
    format the same few month ends for every customer, and one formatting costs about as
    much as a query's client side (docs/BENCHMARKS.md, seventh round)."""
    if value is None:
        return ""
    if isinstance(value, datetime):  # an instant: in the active time zone, as `date` does
        return django_date(value, fmt)
    return _formatted(value, fmt, get_language())


@register.filter
def noumea(value: datetime | None, fmt: str = "j F Y H:i") -> str:
    """An instant as Nouméa wall-clock time, whatever the active time zone (remembered
    per process like `day`: the same instant always reads the same in Nouméa)."""
    if value is None:
        return ""
    return _formatted(value.astimezone(NOUMEA), fmt, get_language())


@lru_cache(maxsize=4096)
def _formatted(value: date, fmt: str, language: str | None) -> str:
    """`language` is the active one: it is part of the key, not read again here."""
    return date_format(value, fmt)


@register.filter
def received(value: datetime) -> str:
    """An instant of receipt, unambiguous anywhere: "30 November 2026 at 22:14:05 (Nouméa
    time, UTC+11:00)" (the receipt, the acknowledgement, the result pages)."""
    local = value.astimezone(NOUMEA)
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
    return (today - value.astimezone(NOUMEA).date()).days


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
