"""The toolbox's one table: the attempt counters of `toolbox.throttle`."""

from django.db import models


class AttemptCounter(models.Model):
    """Attempts under one key (an address, a client code …) in a fixed window."""

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_ends = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
