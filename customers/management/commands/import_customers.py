from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.import_rows import HeaderError
from customers.importer import ImportSummary, import_csv


class Command(BaseCommand):
    help = (
        "Upsert customers, plans, subscriptions and mailboxes from the billing system's CSV "
        "(header: client_code,name,email,phone,language,plan,monthly_price_xpf,"
        "subscription_ref,started_on,access_line,line_holder,mailboxes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")

    def handle(self, *args: Any, file: Path, verbosity: int, **options: Any) -> None:
        def progress(summary: ImportSummary) -> None:
            if verbosity >= 1:
                self.stderr.write(f"… {summary.total} rows read")

        try:
            with file.open("rb") as stream:
                summary = import_csv(stream, progress=progress)
        except (FileNotFoundError, IsADirectoryError):
            raise CommandError(f"No such file: {file}") from None
        except HeaderError as exc:
            raise CommandError(f"{file}: {exc}") from None

        for line, reason in summary.errors:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(
            f"created {summary.created}, updated {summary.updated}, "
            f"unchanged {summary.unchanged}, rejected {summary.rejected}"
        )
