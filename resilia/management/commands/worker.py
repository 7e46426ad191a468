"""The worker: does what `resilia.worker.PASS` lists, and outlives outages.

While work remains it starts the next pass at once; idle, it sleeps `--interval`. A
database error does not end it: it waits (1 s, 2 s, 4 s ... up to a minute) and carries
on. SIGTERM/SIGINT stop it after the e-mail, webhook or check in hand, never in the
middle of one. Run as many as you like: two workers never do the same work.
"""

import contextlib
import logging
import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connections
from django.utils import timezone

from operations.heartbeats import BEAT_SECONDS, worker_beat, worker_gone, worker_name
from resilia.worker import work_due

logger = logging.getLogger("resilia.worker")
MAX_BACKOFF = 60.0


class Command(BaseCommand):
    help = "Deliver e-mails and webhooks, check public submissions; survives database outages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--once", action="store_true", help="Do the work that is due, then exit (cron)."
        )

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        self.stopping = False
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._stop)
        backoff = 1.0
        # `--once` from cron: one name per machine, kept between runs (its age says when
        # cron last ran it); a long-running worker: one per process, gone when it stops.
        name = worker_name(cron=once)
        started_at, beaten = timezone.now(), [0.0]

        def beat() -> None:
            if time.monotonic() - beaten[0] >= BEAT_SECONDS:
                worker_beat(name, started_at)
                beaten[0] = time.monotonic()

        while not self.stopping:
            try:
                beat()
                busy = work_due(lambda: self.stopping, time.monotonic, beat)
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
                break
            self._sleep(interval)
        if not once:
            with contextlib.suppress(DatabaseError):  # if down, its beat grows old instead
                worker_gone(name)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        # Never exit in the middle of an SMTP exchange: the message would be sent again.
        logger.warning("Received %s: stopping after the work in hand.", signal.strsignal(signum))
        self.stopping = True

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, seconds))
