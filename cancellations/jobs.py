"""The daily run (SPEC §8): a loop of `handle_one_*` steps, each claiming its work so
that any number of runs on any number of machines do each piece once.

Run it from cron shortly after midnight Nouméa time (`manage.py run_daily`); it catches up
after downtime: three days down, one run does the three days' work once.
"""

from collections.abc import Callable
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from access_forms.signing import handle_one_form_reminder
from cancellations.completion import handle_due_completions
from cancellations.models import CancellationRequest, Status
from cancellations.rules import NOUMEA
from cancellations.services import RequestError, request_confirm
from customers.jobs import handle_mailbox_deletions, handle_mailbox_reminders

# A scheduled step answers None when nothing is due, else how much work it did itself:
# True or a count; False or 0 when another worker did it first (the run reports only its own work).


def handle_one_due_confirmation(today: date) -> bool | None:
    """Confirm one received request whose processing day has come (SPEC §8)."""
    request = (
        CancellationRequest.objects.filter(status=Status.SUBMITTED, processing_date__lte=today)
        .order_by("processing_date", "id")
        .first()
    )
    if request is None:
        return None
    try:
        request_confirm(request=request, actor=None)
    except RequestError:  # another worker got there first
        return False
    return True


def run_daily(now: datetime | None = None) -> dict[str, int]:
    """Idempotent and catching up: everything due by today is done once."""
    today = (now or timezone.now()).astimezone(NOUMEA).date()

    def drain(step: Callable[[date], int | bool | None]) -> int:
        """Run a step until nothing is due; count only what this run did itself."""
        done = 0
        while (outcome := step(today)) is not None:
            done += outcome
        return done

    confirmed = drain(handle_one_due_confirmation) if settings.RESILIA_AUTO_CONFIRM else 0
    completed = drain(handle_due_completions)
    deleted = drain(handle_mailbox_deletions)
    reminded = drain(handle_mailbox_reminders)
    forms_reminded = drain(handle_one_form_reminder)
    return {
        "confirmed": confirmed,
        "completed": completed,
        "reminded": reminded,
        "deleted": deleted,
        "forms_reminded": forms_reminded,
    }
