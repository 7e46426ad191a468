from typing import Any

from django.core.management.base import BaseCommand

from resilia.daily import run_daily_retrying


class Command(BaseCommand):
    help = (
        "Confirm the requests whose processing day has come and complete those whose "
        "effective date has come. Idempotent; run it shortly after midnight Nouméa time. "
        "After a database error it tries again, with a growing wait, within the day."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = run_daily_retrying()
        self.stdout.write(", ".join(f"{what} {count}" for what, count in done.items()))
