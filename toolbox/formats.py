"""Amounts and instants as people read them, for pages, e-mails and PDFs alike."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

NBSP = "\u00a0"


def xpf(amount: int | None) -> str:
    """4500 → "4 500 F" (no-break spaces, so the amount never wraps)."""
    if amount is None:
        return ""
    return f"{int(amount):,}".replace(",", NBSP) + NBSP + "F"


def received(value: datetime, zone: ZoneInfo) -> str:
    """An instant, unambiguous anywhere: "30 November 2026 at 22:14:05 (Nouméa time,
    UTC+11:00)" in `zone` (the receipt, the acknowledgement, the result pages)."""
    local = value.astimezone(zone)
    offset = local.strftime("%z")
    return _("%(day)s at %(time)s (Nouméa time, UTC%(offset)s)") % {
        "day": date_format(local, "j F Y"),
        "time": local.strftime("%H:%M:%S"),
        "offset": f"{offset[:3]}:{offset[3:]}",
    }
