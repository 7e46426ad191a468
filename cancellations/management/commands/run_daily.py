from typing import Any

from django.core.management.base import BaseCommand

from cancellations.jobs import run_daily


class Command(BaseCommand):
    help = (
        "Confirm the requests whose processing day has come and complete those whose "
        "effective date has come. Idempotent; run it shortly after midnight Nouméa time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = run_daily()
        self.stdout.write(", ".join(f"{what} {count}" for what, count in done.items()))
