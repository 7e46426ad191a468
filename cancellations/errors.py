"""Customer-facing messages for the rules' refusal codes, in the user's language."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rules import MAX_DAYS_AHEAD

QUOTE_ERROR_MESSAGES: dict[str, Promise] = {
    "date_in_past": _("The desired date is in the past: choose today or a later date."),
    "date_too_far": _("The desired date is too far ahead: choose a date within %(days)s days."),
    "naive_datetime": _("The date and time of the request must include a time zone offset."),
}


def quote_error_message(code: str) -> str:
    """The message in the active language (evaluated now, not at import)."""
    return str(QUOTE_ERROR_MESSAGES[code]) % {"days": MAX_DAYS_AHEAD}
