from django.db import models


class Ping(models.Model):
    """One row per INSERT of the write ceilings (benchmarks only)."""

    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.at)


class Slot(models.Model):
    """A row for the same-writes ceiling to lock, as a submission locks its subscription."""

    def __str__(self) -> str:
        return str(self.pk)
