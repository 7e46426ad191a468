"""Each worker says it is alive (the Santé page, /metrics): written when it starts,
then at most every BEAT_SECONDS, between any two steps; deleted when it stops as asked.
A worker killed, or stuck, is a beat that grows old."""

import os
import socket
from datetime import datetime

from django.utils import timezone

from operations.models import WorkerBeat

# A worker says it is alive this often at most (the Santé page, /metrics); one whose beat
# is older than WORKER_SILENT_SECONDS is stopped or stuck.
BEAT_SECONDS = 15
WORKER_SILENT_SECONDS = 120
# A beat older than this is a worker gone for good (killed, its machine replaced): it is
# no longer shown one by one, only missed in the count of workers alive.
WORKER_FORGOTTEN_SECONDS = 3600


def worker_name(*, cron: bool = False) -> str:
    return f"{socket.gethostname()}:{'cron' if cron else os.getpid()}"


def worker_beat(name: str, started_at: datetime) -> None:
    """This worker is alive (between two steps, or while it waits for work)."""
    WorkerBeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "started_at": started_at}
    )


def worker_gone(name: str) -> None:
    """This worker stopped as asked: it is no longer expected to beat."""
    WorkerBeat.objects.filter(name=name).delete()
