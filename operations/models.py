"""What the running parts record about themselves, for the people who run Résilia (the
"Santé" page and /metrics): each worker's heartbeat (operations.heartbeats), each daily
run (resilia.daily)."""

from django.db import models


class WorkerBeat(models.Model):
    """A running worker (`manage.py worker`): written when it starts, then at most every
    `operations.heartbeats.BEAT_SECONDS`; deleted when it stops as asked. A worker
    killed, or stuck, is a beat that grows old."""

    name = models.CharField(max_length=200, unique=True)  # host:pid
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class DailyRun(models.Model):
    """One `manage.py run_daily`: when it started and finished, what it did, or why it
    failed."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    done = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"
