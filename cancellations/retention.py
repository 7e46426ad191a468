"""What is kept, and for how long (settings.RESILIA_RETENTION_DAYS; the README's "What is
kept"), applied by the daily run: e-mails' text, finished tasks' results, settled webhook
events, the log-in log, ended attempt counters, expired sessions. Apps built on this one
register their own pruning (the API: its idempotency answers).

Kept by design, never pruned here: the audit log, the requests' history and their
receipts, the signed forms. They are the proof of each request's time of receipt and of
what was done, kept as long as the ISP keeps its contracts' records.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications.services import outbox_prune
from toolbox import throttle
from webhooks.services import webhook_prune

type Pruning = Callable[[datetime], int]

_registered: list[Pruning] = []


def register_pruning(prune: Pruning) -> None:
    """`prune(now)` deletes what its app no longer keeps; returns how many rows."""
    if prune not in _registered:
        _registered.append(prune)


def _days(name: str) -> timedelta:
    return timedelta(days=settings.RESILIA_RETENTION_DAYS[name])


def prune_old_records(now: datetime | None = None) -> int:
    """Apply the retention policy once; how many rows were deleted or emptied."""
    now = now or timezone.now()
    done = outbox_prune(now - _days("email_bodies"))
    done += webhook_prune(now - _days("webhooks"))
    before = now - _days("access_log")
    done += AccessLog.objects.filter(attempt_time__lt=before).delete()[0]
    done += AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0]
    done += DBTaskResult.objects.filter(finished_at__lt=now - _days("task_results")).count()
    call_command(
        "prune_db_task_results",
        queue_name="*",
        min_age_days=settings.RESILIA_RETENTION_DAYS["task_results"],
        verbosity=0,
    )
    done += Session.objects.filter(expire_date__lt=now).count()
    call_command("clearsessions")
    done += throttle.prune(now)
    for prune in _registered:
        done += prune(now)
    return done
