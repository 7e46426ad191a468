"""What a backup must hold, and whether a restored one holds it (scripts/backup.sh,
scripts/restore-check.sh; docs/operations.md).

Without --verify: print the manifest of the live database as JSON (for each kept table,
its highest id and how many rows are at or under it), written next to the dump just
before it is taken. With --verify MANIFEST, run against the restored database and files:
every row the manifest counted is there (rows committed after the manifest may add to
it, never take away), and every receipt and signed form is a file whose SHA-256 is the
one recorded. Exits 1 and says what is missing otherwise.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max, Model, Q, QuerySet

from access_forms.models import AccessLineForm
from audit.models import AuditEntry
from cancellations.models import CancellationRequest
from customers.models import Customer


def _kept() -> dict[str, QuerySet[Any]]:
    return {
        "customers": Customer.objects.all(),
        "requests": CancellationRequest.objects.all(),
        "receipts": CancellationRequest.objects.exclude(receipt=""),
        "signed_forms": AccessLineForm.objects.exclude(document=""),
        "audit_entries": AuditEntry.objects.all(),
    }


def manifest() -> dict[str, dict[str, int]]:
    found = {}
    for name, rows in _kept().items():
        highest = rows.aggregate(highest=Max("id"))["highest"] or 0
        found[name] = {"highest_id": highest, "rows": rows.filter(id__lte=highest).count()}
    return found


def _file_problem(row: Model, field: str, sha_field: str) -> str:
    stored = getattr(row, field)
    try:
        with default_storage.open(stored.name, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except FileNotFoundError:
        return f"{stored.name}: missing"
    if digest != getattr(row, sha_field):
        return f"{stored.name}: its SHA-256 is not the one recorded"
    return ""


def verify(expected: dict[str, dict[str, int]]) -> list[str]:
    problems = []
    for name, rows in _kept().items():
        wanted = expected[name]
        there = rows.filter(id__lte=wanted["highest_id"]).count()
        if there < wanted["rows"]:
            problems.append(f"{name}: {there} restored, {wanted['rows']} in the backup's manifest")
    forms = AccessLineForm.objects
    files = (
        [
            (row, "receipt", "receipt_sha256")
            for row in CancellationRequest.objects.exclude(Q(receipt="") | Q(receipt_sha256=""))
        ]
        + [
            (row, "document", "document_sha256")
            for row in forms.exclude(Q(document="") | Q(document_sha256=""))
        ]
        + [  # the PDF as its sender sent it: the evidence behind a rebuilt document
            (row, "original_document", "original_sha256")
            for row in forms.exclude(Q(original_document="") | Q(original_sha256=""))
        ]
    )
    problems += [problem for problem in (_file_problem(*f) for f in files) if problem]
    return problems


class Command(BaseCommand):
    help = "Print what a backup must hold (JSON), or --verify a restored one against it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--verify", dest="against", metavar="MANIFEST", help="The manifest to check against."
        )

    def handle(self, *args: Any, against: str | None = None, **options: Any) -> None:
        if against is None:
            self.stdout.write(json.dumps(manifest(), indent=2))
            return
        expected = json.loads(Path(against).read_text())
        problems = verify(expected)
        for name, figures in manifest().items():
            wanted = expected[name]["rows"]
            self.stdout.write(f"{name}: {figures['rows']} restored (manifest: {wanted})")
        if problems:
            raise CommandError("The restored backup is incomplete:\n" + "\n".join(problems[:50]))
        self.stdout.write("Every request, receipt, signed form and audit entry is there.")
