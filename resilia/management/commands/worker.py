"""The task worker: runs queued tasks, sweeps the e-mail outbox, sends webhooks, and
outlives outages.

Replaces `db_worker` in production. Each pass takes a bounded share of each kind of work,
so that no backlog starves the rest: the urgent e-mails (codes, access and signing links),
a batch of tasks (urgent ones first: those that lead to a code or a link), a batch of
e-mails (the daily run's notices, and any whose task was lost: a worker killed mid-send,
after its lease), webhooks for at most a few seconds (in order per endpoint), then the
the back office dashboard's refresh.
It also puts back in the queue the tasks a vanished worker left RUNNING (every task here
is safe to run twice). While work remains it starts the next pass at once; idle, it
sleeps `--interval`. A database error does not end it: it waits (1 s, 2 s, 4 s ... up to
a minute) and carries on. SIGTERM/SIGINT stop it after the e-mail, webhook or task in
hand, never in the middle of one.
"""

import logging
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from backoffice.selectors import dashboard_refresh_if_due
from notifications.services import handle_one_email
from webhooks.services import handle_one_webhook

logger = logging.getLogger("resilia.worker")
MAX_BACKOFF = 60.0
# One pass's share of each kind of work (docs/BENCHMARKS.md: the backlog case).
URGENT_EMAILS = 50
TASKS = 20
EMAILS = 20
WEBHOOKS = 20
WEBHOOK_SECONDS = 2.0
# The tasks this worker runs (and so the ones whose presence keeps it busy).
QUEUE = {"queue_name": "default", "backend_name": "default"}


def requeue_abandoned_tasks() -> int:
    """Tasks left RUNNING by a worker that vanished (SIGKILL, power loss) run again."""
    cutoff = timezone.now() - timedelta(seconds=settings.RESILIA_EMAIL_LEASE_SECONDS)
    return DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).update(
        status="READY", started_at=None
    )


class Command(BaseCommand):
    help = "Run background tasks and deliver e-mails; survives database outages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--once", action="store_true", help="Do the work that is due, then exit (cron)."
        )

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        self.stopping = False
        self.worker: Worker | None = None
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._stop)
        backoff = 1.0
        while not self.stopping:
            try:
                busy = self._work_due()
            except DatabaseError as exc:
                logger.warning("Database unavailable (%s); trying again in %.0f s", exc, backoff)
                connections.close_all()
                if once:
                    raise
                self._sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            if busy:
                continue  # more is due: the next pass at once
            if once:
                return
            self._sleep(interval)

    def _work_due(self) -> bool:
        """One pass; True when it stopped at a share's bound (more work is due)."""
        requeue_abandoned_tasks()
        busy = self._repeat(lambda: handle_one_email(urgent_only=True), URGENT_EMAILS)
        busy |= self._run_tasks(TASKS)
        busy |= self._repeat(handle_one_email, EMAILS)
        busy |= self._repeat(handle_one_webhook, WEBHOOKS, seconds=WEBHOOK_SECONDS)
        if not self.stopping:
            dashboard_refresh_if_due()  # the back office's figures, when four minutes old
        return busy and not self.stopping

    def _repeat(self, step: Callable[[], bool], most: int, seconds: float | None = None) -> bool:
        """Run `step` until it finds nothing to do, `most` times, or for `seconds`; True
        when stopped by a bound."""
        deadline = None if seconds is None else time.monotonic() + seconds
        for _ in range(most):
            if self.stopping:
                return False
            if deadline is not None and time.monotonic() > deadline:
                return True
            if not step():
                return False
        return True

    def _run_tasks(self, most: int) -> bool:
        self.worker = Worker(
            queue_names=[QUEUE["queue_name"]],
            interval=0,
            batch=True,
            backend_name=QUEUE["backend_name"],
            startup_delay=False,
            max_tasks=most,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        self.worker.running = not self.stopping
        self.worker.run()
        return DBTaskResult.objects.ready().filter(**QUEUE).exists()

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # Never exit in the middle of an SMTP exchange: the message would be sent again.
        logger.warning("Received %s: stopping after the work in hand.", signal.strsignal(signum))
        self.stopping = True
        if self.worker is not None:
            self.worker.running = False

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))
