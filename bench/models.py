from django.db import models


class Ping(models.Model):
    """One row per call of the one-INSERT ceiling view (benchmarks only)."""

    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.at)
