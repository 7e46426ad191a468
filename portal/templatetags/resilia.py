from datetime import date, datetime, timedelta

from django import template
from django.template.defaultfilters import date as django_date
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cancellations.summary import Summary, mailbox_sentence, request_mailbox_sentence
from customers.switching_codes import grouped
from toolbox import formats
from toolbox.formats import NBSP
from toolbox.links import site_url
from toolbox.noumea import NOUMEA

register = template.Library()


@register.filter
def xpf(amount: int | None) -> str:
    """4500 → "4 500 F" (no-break spaces, so the amount never wraps)."""
    return formats.xpf(amount)


@register.filter(expects_localtime=True)
def day(value: date | None, fmt: str) -> str:
    """A calendar day in the active language ("lundi 30 novembre 2026"): Django's `date`
    filter (an instant reads in the active time zone, as there)."""
    if value is None:
        return ""
    return django_date(value, fmt)


@register.filter
def noumea(value: datetime | None, fmt: str = "j F Y H:i") -> str:
    """An instant as Nouméa wall-clock time, whatever the active time zone."""
    if value is None:
        return ""
    return date_format(value.astimezone(NOUMEA), fmt)


@register.filter
def received(value: datetime) -> str:
    """An instant of receipt, unambiguous anywhere: "30 November 2026 at 22:14:05 (Nouméa
    time, UTC+11:00)" (the receipt, the acknowledgement, the result pages)."""
    return formats.received(value, NOUMEA)


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


@register.filter
def switching_code(code: str) -> str:
    """A switching code as people read and type it: 4-4-4."""
    return grouped(code)


@register.simple_tag
def colon() -> str:
    """The colon of a label, typeset for the active language: French puts a (no-break)
    space before it, English does not."""
    return NBSP + ":" if (get_language() or "fr").startswith("fr") else ":"


@register.simple_tag
def site_link(view_name: str, *args: object) -> str:
    """The absolute address of one of Résilia's pages, for e-mails (toolbox.links)."""
    return site_url(view_name, *args)


@register.simple_tag
def mailboxes_of(subject: object) -> str:
    """The one sentence about a request's or a summary's mailboxes
    (cancellations.summary.mailbox_sentence)."""
    if isinstance(subject, Summary):
        return mailbox_sentence(
            subject.mailboxes, ends_on=subject.effective_date, kept_until=subject.retained_until
        )
    return request_mailbox_sentence(subject)  # type: ignore[arg-type]
