"""The daily run (SPEC §8): a loop of `handle_one_*` steps, each claiming its work so
that any number of runs on any number of machines do each piece once.

Run it from cron shortly after midnight Nouméa time (`manage.py run_daily`); it catches up
after downtime: three days down, one run does the three days' work once.
"""

from collections.abc import Callable
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from cancellations.completion import handle_due_completions
from cancellations.mailboxes import handle_mailbox_deletions, handle_mailbox_reminders
from cancellations.models import CancellationRequest, Status
from cancellations.references import sequence_prepare
from cancellations.rules import NOUMEA
from cancellations.services import RequestError, request_confirm

type Step = Callable[[date], int | bool | None]

# Steps of the apps built on this one (access_forms: the reminders to sign), registered
# when they are ready, run after the cancellations' own, each reported under its name.
_registered: list[tuple[str, Step]] = []


def register_daily_step(name: str, step: Step) -> None:
    if all(known != name for known, _step in _registered):
        _registered.append((name, step))


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
    sequence_prepare(today.year + 1)  # next year's references, before it starts

    def drain(step: Step) -> int:
        """Run a step until nothing is due; count only what this run did itself."""
        done = 0
        while (outcome := step(today)) is not None:
            done += outcome
        return done

    confirmed = drain(handle_one_due_confirmation) if settings.RESILIA_AUTO_CONFIRM else 0
    completed = drain(handle_due_completions)
    deleted = drain(handle_mailbox_deletions)
    reminded = drain(handle_mailbox_reminders)
    done = {
        "confirmed": confirmed,
        "completed": completed,
        "reminded": reminded,
        "deleted": deleted,
    }
    for name, step in _registered:
        done[name] = drain(step)
    return done
