"""The toolbox's tables: the attempt counters of `toolbox.throttle`, and how often each
limit refused."""

from django.db import models


class AttemptCounter(models.Model):
    """Attempts under one key (an address, a client code …) in a fixed window."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class RefusalCount(models.Model):
    """Attempts refused by one limit on one day (UTC): how often each limit bites, for the
    people running Résilia (the "Santé" page, /metrics)."""

    limit = models.CharField(max_length=60)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["limit", "day"], name="one_count_a_day")]

    def __str__(self) -> str:
        return f"{self.limit} {self.day}: {self.count}"
