"""The daily run (SPEC §8) and the retention policy, in one list: reading this module tells
every step the run takes and every table it prunes.

Run it from cron shortly after midnight Nouméa time (`manage.py run_daily`). Each step is
a loop of `handle_one_*` calls that claim their work, so any number of runs on any number
of machines do each piece once; it catches up after downtime (three days down, one run
does the three days' work once). A database error makes it try again, with a growing
wait, within the day. Two runs at once share the work: each skips the rows the other
holds (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL).

What is kept, and for how long, is settings.RESILIA_RETENTION_DAYS (docs/configuration.md).
Kept by design, never pruned: the audit log, the requests' history and their receipts,
the signed forms. They are the proof of each request's time of receipt and of what was
done, kept as long as the ISP keeps its contracts' records.
"""

import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone

from access_forms.reminders import handle_one_form_reminder
from api.idempotency import idempotency_prune
from cancellations.completion import handle_due_completions
from cancellations.confirmation import handle_one_due_confirmation
from cancellations.mailboxes import handle_mailbox_deletions, handle_mailbox_reminders
from cancellations.references import REQUESTS, sequence_prepare
from notifications.services import outbox_prune
from operations.models import DailyRun, WorkerBeat
from switching.models import SWITCHES
from toolbox import throttle
from toolbox.noumea import NOUMEA
from webhooks.services import webhook_prune

# A step answers None when nothing is due, else how much work it did itself: True or a
# count; False or 0 when another run did it first (the run reports only its own work).
type Step = Callable[[date], int | bool | None]

logger = logging.getLogger(__name__)
LONGEST_WAIT = 15 * 60.0


def steps() -> list[tuple[str, Step]]:
    """The day's work, in order, each reported under its name."""
    return [
        ("confirmed", handle_one_due_confirmation if settings.RESILIA_AUTO_CONFIRM else _nothing),
        ("completed", handle_due_completions),
        ("reminded", handle_mailbox_reminders),  # mailboxes whose deletion is 1 to 15 days away
        ("deleted", handle_mailbox_deletions),  # mailboxes past their kept-until day
        ("forms_reminded", handle_one_form_reminder),
    ]


def _nothing(today: date) -> None:
    """A step switched off by a setting (RESILIA_AUTO_CONFIRM: agents confirm)."""


def _days(name: str) -> timedelta:
    return timedelta(days=settings.RESILIA_RETENTION_DAYS[name])


def prune_old_records(now: datetime | None = None) -> int:
    """Apply the retention policy once; how many rows were deleted or emptied."""
    now = now or timezone.now()
    done = outbox_prune(now - _days("email_bodies"))  # e-mails' text (the rows stay)
    done += webhook_prune(now - _days("webhooks"))  # settled webhook events
    before = now - _days("access_log")  # the log-in log and failed log-ins
    done += AccessLog.objects.filter(attempt_time__lt=before).delete()[0]
    done += AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0]
    # Failed log-ins' counters (username, address, browser), long past their lock-out.
    done += AccessAttempt.objects.filter(attempt_time__lt=before).delete()[0]
    done += Session.objects.filter(expire_date__lt=now).count()
    call_command("clearsessions")  # expired sessions
    done += throttle.prune(now)  # ended attempt counters
    done += idempotency_prune(now)  # the API's idempotent answers past their 24 hours
    # Workers silent for a week (stopped without saying so), daily runs past a year.
    done += WorkerBeat.objects.filter(beat_at__lt=now - timedelta(days=7)).delete()[0]
    done += DailyRun.objects.filter(started_at__lt=now - timedelta(days=366)).delete()[0]
    return done


def run_daily(now: datetime | None = None) -> dict[str, int]:
    """Idempotent and catching up: everything due by today is done once."""
    today = (now or timezone.now()).astimezone(NOUMEA).date()
    for series in (REQUESTS, SWITCHES):  # next year's references, before it starts
        sequence_prepare(series, today.year + 1)
    done: dict[str, int] = {}
    for name, step in steps():
        done[name] = 0
        while (outcome := step(today)) is not None:
            done[name] += outcome
    done["pruned"] = prune_old_records(now)
    return done


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
    record = _run_started(now())
    wait = first_wait
    while True:
        try:
            done = run_daily(now())
        except DatabaseError as exc:
            close_old_connections()
            connections.close_all()
            retry_at = now() + timedelta(seconds=wait)
            if retry_at.astimezone(NOUMEA).date() != started:
                _run_ended(record, now(), error=str(exc))
                raise
            logger.warning("Daily run failed (%s); trying again in %.0f s", exc, wait)
            sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
        except Exception as exc:  # a bug: recorded as a failed run, then raised
            _run_ended(record, now(), error=f"{type(exc).__name__}: {exc}")
            raise
        else:
            _run_ended(record, now(), done=done)
            return done


def _run_started(at: datetime) -> DailyRun | None:
    """The run's record (the Santé page, /metrics), or None if the database is down: the
    run itself is what matters, and it retries."""
    try:
        return DailyRun.objects.create(started_at=at)
    except DatabaseError:
        close_old_connections()
        return None


def _run_ended(
    record: DailyRun | None, at: datetime, *, done: dict[str, int] | None = None, error: str = ""
) -> None:
    try:
        if record is None:
            record = DailyRun(started_at=at)
        record.finished_at = at
        record.succeeded = done is not None
        record.done = done or {}
        record.error = error[:2000]
        record.save()
    except DatabaseError:
        logger.exception("The daily run's record could not be written")
