"""A request the rules or its state refuse, and the customer-facing messages for the
rules' refusal codes, in the user's language."""

from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rules import MAX_DAYS_AHEAD
from toolbox.refusals import Refusal

if TYPE_CHECKING:
    from cancellations.models import CancellationRequest

QUOTE_ERROR_MESSAGES: dict[str, Promise] = {
    "date_in_past": _("The desired date is in the past: choose today or a later date."),
    "date_too_far": _("The desired date is too far ahead: choose a date within %(days)s days."),
    "naive_datetime": _("The date and time of the request must include a time zone offset."),
}


def quote_error_message(code: str) -> str:
    """The message in the active language (evaluated now, not at import)."""
    return str(QUOTE_ERROR_MESSAGES[code]) % {"days": MAX_DAYS_AHEAD}


class RequestError(Refusal):
    """A request the rules or the current state refuse; `message` is for the user."""

    def __init__(self, code: str, message: str, existing: "CancellationRequest | None" = None):
        super().__init__(code, message)
        self.existing = existing
