"""The daily run (SPEC §8): a loop of `handle_one_*` steps, each claiming its work so
that any number of runs on any number of machines do each piece once.

Run it from cron shortly after midnight Nouméa time (`manage.py run_daily`); it catches up
after downtime: three days down, one run does the three days' work once. A database error
makes it try again, with a growing wait, within the day. Two runs at once share the work:
each skips the rows the other holds (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL).
"""

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.utils import timezone

from cancellations.completion import handle_due_completions
from cancellations.mailboxes import handle_mailbox_deletions, handle_mailbox_reminders
from cancellations.models import CancellationRequest, Status
from cancellations.references import sequence_prepare
from cancellations.retention import prune_old_records
from cancellations.rules import NOUMEA
from cancellations.services import RequestError, request_confirm

type Step = Callable[[date], int | bool | None]

logger = logging.getLogger(__name__)
LONGEST_WAIT = 15 * 60.0

# Steps of the apps built on this one (access_forms: the reminders to sign), registered
# when they are ready, run after the cancellations' own, each reported under its name.
_registered: list[tuple[str, Step]] = []


def register_daily_step(name: str, step: Step) -> None:
    if all(known != name for known, _step in _registered):
        _registered.append((name, step))


# A scheduled step answers None when nothing is due, else how much work it did itself:
# True or a count; False or 0 when another worker did it first (the run reports only its own work).


def handle_one_due_confirmation(today: date) -> bool | None:
    """Confirm one received request whose processing day has come (SPEC §8). A request
    another run holds is skipped (it confirms it): None when none is left for this one."""
    with transaction.atomic():
        request = (
            CancellationRequest.objects.filter(status=Status.SUBMITTED, processing_date__lte=today)
            .select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
            )
            .order_by("processing_date", "id")
            .first()
        )
        if request is None:
            return None
        try:
            request_confirm(request=request, actor=None)
        except RequestError:  # an agent changed it first
            return False
    return True


def run_daily_retrying(
    now: Callable[[], datetime] = timezone.now,
    *,
    sleep: Callable[[float], object] = time.sleep,
    first_wait: float = 30.0,
) -> dict[str, int]:
    """`run_daily`, run again after a database error (a restart, a dropped connection)
    with a growing wait (30 s, 1 min, 2 min … at most 15 min), for as long as the Nouméa
    day lasts: an outage at 00:05 delays the day's work by minutes, not by a day. Safe,
    as the run is idempotent and picks up where the failed one stopped."""
    started = now().astimezone(NOUMEA).date()
    wait = first_wait
    while True:
        try:
            return run_daily(now())
        except DatabaseError as exc:
            close_old_connections()
            connections.close_all()
            retry_at = now() + timedelta(seconds=wait)
            if retry_at.astimezone(NOUMEA).date() != started:
                raise
            logger.warning("Daily run failed (%s); trying again in %.0f s", exc, wait)
            sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)


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
    done["pruned"] = prune_old_records(now)
    return done
