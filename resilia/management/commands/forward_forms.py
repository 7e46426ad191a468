from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from access_forms.forwarding import batch_forward, scheduled_forwarding
from cancellations.calendar import current_calendar


class Command(BaseCommand):
    help = (
        "Forward the checked OPTimo forms to the operator in one e-mail. With --scheduled, "
        "only on business days from RESILIA_FORWARD_TIME, at most once a day (run it from "
        "cron every few minutes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scheduled", action="store_true")

    def handle(self, *args: Any, scheduled: bool, **options: Any) -> None:
        batch = scheduled_forwarding(current_calendar()) if scheduled else batch_forward(actor=None)
        if batch is None:
            self.stdout.write("nothing forwarded")
        else:
            self.stdout.write(f"forwarded {batch.forms.count()} form(s) in {batch.reference}")
