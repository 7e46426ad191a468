"""Upsert customers, plans, subscriptions and mailboxes from the billing system's CSV.

Rows are validated first, then written chunk by chunk with bulk queries, each chunk in
one transaction: a rejected row writes nothing, the good rows around it are imported,
and re-importing the same file changes nothing.
"""

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone

from customers.models import Customer, Language, Mailbox, Plan, Subscription

HEADER = (
    "client_code",
    "name",
    "email",
    "phone",
    "language",
    "plan",
    "monthly_price_xpf",
    "subscription_ref",
    "started_on",
    "access_line",
    "line_holder",
    "mailboxes",
)
CHUNK_SIZE = 2000
# No billing row comes near these; past them a line or a price is an error, not data.
MAX_LINE_BYTES = 64 * 1024
MAX_PRICE_XPF = 10_000_000
csv.field_size_limit(MAX_LINE_BYTES)


class RowError(Exception):
    pass


class HeaderError(Exception):
    pass


@dataclass(frozen=True)
class Row:
    line: int
    client_code: str
    name: str
    email: str
    phone: str
    language: str
    plan: str
    monthly_price_xpf: int
    subscription_ref: str
    started_on: date
    access_line: str
    line_holder: str
    mailboxes: tuple[str, ...]


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        self.errors.append((line, reason))


def _required(raw: dict[str, str], name: str, max_length: int) -> str:
    value = (raw.get(name) or "").strip()
    if not value:
        raise RowError(f"{name} is empty")
    if len(value) > max_length:
        raise RowError(f"{name} is longer than {max_length} characters")
    return value


def _email(value: str, column: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise RowError(f"{column} {value!r} is not a valid e-mail address") from None
    return value


def parse_row(line: int, raw: dict[str, str]) -> Row:
    """Validate one CSV row; raise RowError with the reason when it is bad."""
    if None in raw:
        raise RowError("too many columns")
    if any("\n" in value or "\r" in value for value in raw.values() if isinstance(value, str)):
        raise RowError("a field runs over several lines: is a quote left open?")
    if any(raw.get(column) is None for column in HEADER):
        raise RowError("too few columns")
    bad = next((column for column in HEADER if "\x00" in raw[column]), None)
    if bad is not None:
        raise RowError(f"{bad} contains a NUL byte")
    client_code = "".join(_required(raw, "client_code", 20).split()).upper()
    name = _required(raw, "name", 200)
    email = _email(_required(raw, "email", 254), "email")
    phone = raw["phone"].strip()
    if len(phone) > 30:
        raise RowError("phone is longer than 30 characters")
    language = raw["language"].strip().lower() or Language.FRENCH
    if language not in Language.values:
        raise RowError(f"language {language!r} is not one of fr, en")
    plan = _required(raw, "plan", 100)
    try:
        price = int(raw["monthly_price_xpf"].strip())
    except ValueError:
        raise RowError(
            f"monthly_price_xpf {raw['monthly_price_xpf']!r} is not a whole number of francs"
        ) from None
    if price < 0:
        raise RowError("monthly_price_xpf is negative")
    if price > MAX_PRICE_XPF:
        raise RowError(f"monthly_price_xpf {price} is more than {MAX_PRICE_XPF:,} francs")
    reference = _required(raw, "subscription_ref", 40)
    try:
        started_on = date.fromisoformat(raw["started_on"].strip())
    except ValueError:
        raise RowError(f"started_on {raw['started_on']!r} is not a date (YYYY-MM-DD)") from None
    access_line = "".join(ch for ch in raw["access_line"] if ch not in " .-")
    if access_line and not (access_line.isdigit() and 6 <= len(access_line) <= 12):
        raise RowError(f"access_line {raw['access_line']!r} is not a phone number")
    line_holder = raw["line_holder"].strip()
    if line_holder and not access_line:
        raise RowError("line_holder is given without an access_line")
    if len(line_holder) > 200:
        raise RowError("line_holder is longer than 200 characters")
    mailboxes = tuple(dict.fromkeys(raw["mailboxes"].lower().split()))
    for address in mailboxes:
        _email(address, "mailbox")
    return Row(
        line=line,
        client_code=client_code,
        name=name,
        email=email,
        phone=phone,
        language=language,
        plan=plan,
        monthly_price_xpf=price,
        subscription_ref=reference,
        started_on=started_on,
        access_line=access_line,
        line_holder=line_holder or (name if access_line else ""),
        mailboxes=mailboxes,
    )


def decoded_lines(stream: BinaryIO, errors: list[tuple[int, str]]) -> Iterator[str]:
    """The file's lines as text, one by one, so that one bad line costs one row.

    A line that is not UTF-8 or is longer than MAX_LINE_BYTES is reported in `errors` and
    replaced by an empty line (the CSV reader skips it, and line numbers stay true).
    """
    number = 0
    while chunk := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            errors.append((number, f"the line is longer than {MAX_LINE_BYTES:,} bytes"))
            yield "\n"
            continue
        try:
            text = chunk.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            errors.append((number, f"not UTF-8 text (byte {exc.start + 1} of the line)"))
            yield "\n"
            continue
        yield text


def read_rows(
    lines: Iterable[str], errors: list[tuple[int, str]]
) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(lines)
    missing = [column for column in HEADER if column not in (reader.fieldnames or [])]
    if missing:
        raise HeaderError(f"the header must be {','.join(HEADER)} (missing: {', '.join(missing)})")
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append((reader.line_num, f"not readable as CSV: {exc}"))
            continue
        yield reader.line_num, raw


def _changed(obj: object, values: Mapping[str, object]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class Importer:
    def __init__(self, progress: Callable[[ImportSummary], None] | None = None) -> None:
        self.summary = ImportSummary()
        self.progress = progress
        # Across the whole file: a subscription or a mailbox may appear once.
        self.seen_refs: dict[str, int] = {}
        self.seen_mailboxes: dict[str, str] = {}
        self.seen_customers: dict[str, tuple[int, tuple[str, ...]]] = {}
        # What became of each accepted line: "created", "updated" or "unchanged".
        self.outcomes: dict[int, str] = {}

    def run(
        self, rows: Iterable[tuple[int, dict[str, str]]], read_errors: list[tuple[int, str]]
    ) -> ImportSummary:
        chunk: list[Row] = []
        for line, raw in rows:
            self._take_read_errors(read_errors)
            try:
                row = parse_row(line, raw)
                self._check_unique_in_file(row)
            except RowError as exc:
                self.summary.reject(line, str(exc))
                continue
            chunk.append(row)
            if len(chunk) >= CHUNK_SIZE:
                self._write_chunk(chunk)
                chunk = []
        if chunk:
            self._write_chunk(chunk)
        self._take_read_errors(read_errors)
        self.summary.errors.sort()
        return self.summary

    def _take_read_errors(self, read_errors: list[tuple[int, str]]) -> None:
        for line, reason in read_errors:
            self.summary.reject(line, reason)
        read_errors.clear()

    def _write_chunk(self, rows: list[Row]) -> None:
        """Write a chunk in one transaction; should the database still refuse it, write
        the rows one by one so that only the refused ones are left out (with the reason)."""
        try:
            self._write_rows(rows)
        except DatabaseError:
            for row in rows:
                try:
                    self._write_rows([row])
                except DatabaseError as exc:
                    self.summary.reject(row.line, f"refused by the database: {exc}")

    def _check_unique_in_file(self, row: Row) -> None:
        if row.subscription_ref in self.seen_refs:
            raise RowError(
                f"subscription_ref {row.subscription_ref} already appears on line "
                f"{self.seen_refs[row.subscription_ref]}"
            )
        for address in row.mailboxes:
            owner = self.seen_mailboxes.get(address)
            if owner is not None and owner != row.subscription_ref:
                raise RowError(f"mailbox {address} is already listed for subscription {owner}")
        details = (row.name, row.email, row.phone, row.language)
        first = self.seen_customers.setdefault(row.client_code, (row.line, details))
        if first[1] != details:
            raise RowError(
                f"client_code {row.client_code} appears on line {first[0]} with other "
                "name, email, phone or language"
            )
        self.seen_refs[row.subscription_ref] = row.line
        for address in row.mailboxes:
            self.seen_mailboxes[address] = row.subscription_ref

    @transaction.atomic
    def _write_rows(self, rows: list[Row]) -> None:
        customers = Customer.objects.in_bulk(
            [r.client_code for r in rows], field_name="client_code"
        )
        plans = Plan.objects.in_bulk({r.plan for r in rows}, field_name="name")
        subs = Subscription.objects.select_related("customer").in_bulk(
            [r.subscription_ref for r in rows], field_name="reference"
        )
        mailboxes = Mailbox.objects.select_related("subscription").in_bulk(
            [a for r in rows for a in r.mailboxes], field_name="address"
        )

        # Reject what conflicts with the database before anything is written.
        accepted: list[Row] = []
        for row in rows:
            existing = subs.get(row.subscription_ref)
            if existing is not None and existing.customer.client_code != row.client_code:
                self.summary.reject(
                    row.line,
                    f"subscription_ref {row.subscription_ref} belongs to customer "
                    f"{existing.customer.client_code}",
                )
                continue
            taken = next(
                (
                    m
                    for a in row.mailboxes
                    if (m := mailboxes.get(a)) and m.subscription.reference != row.subscription_ref
                ),
                None,
            )
            if taken is not None:
                self.summary.reject(
                    row.line,
                    f"mailbox {taken.address} belongs to subscription "
                    f"{taken.subscription.reference}",
                )
                continue
            accepted.append(row)

        touched: dict[int, bool] = {}  # row line -> changed something

        def mark(row: Row) -> None:
            touched[row.line] = True

        # Plans.
        new_plans: dict[str, Plan] = {}
        changed_plans: dict[str, Plan] = {}
        for row in accepted:
            plan = plans.get(row.plan) or new_plans.get(row.plan)
            if plan is None:
                new_plans[row.plan] = Plan(name=row.plan, monthly_price_xpf=row.monthly_price_xpf)
                mark(row)
            elif _changed(plan, {"monthly_price_xpf": row.monthly_price_xpf}):
                if plan.pk:
                    changed_plans[plan.name] = plan
                mark(row)
        Plan.objects.bulk_create(new_plans.values())
        Plan.objects.bulk_update(changed_plans.values(), ["monthly_price_xpf"])
        plans.update(new_plans)

        # Customers.
        new_customers: dict[str, Customer] = {}
        changed_customers: dict[str, Customer] = {}
        for row in accepted:
            values = {
                "name": row.name,
                "email": row.email,
                "phone": row.phone,
                "language": row.language,
            }
            customer = customers.get(row.client_code) or new_customers.get(row.client_code)
            if customer is None:
                new_customers[row.client_code] = Customer(client_code=row.client_code, **values)
                mark(row)
            elif _changed(customer, values):
                customer.updated_at = timezone.now()
                if customer.pk:
                    changed_customers[customer.client_code] = customer
                mark(row)
        Customer.objects.bulk_create(new_customers.values())
        Customer.objects.bulk_update(
            changed_customers.values(), ["name", "email", "phone", "language", "updated_at"]
        )
        customers.update(new_customers)

        # Subscriptions.
        new_subs: list[Subscription] = []
        changed_subs: list[Subscription] = []
        created_lines: set[int] = set()
        for row in accepted:
            sub_values: dict[str, object] = {
                "plan_id": plans[row.plan].pk,
                "started_on": row.started_on,
                "access_line": row.access_line,
                "line_holder": row.line_holder,
            }
            sub = subs.get(row.subscription_ref)
            if sub is None:
                sub = Subscription(
                    reference=row.subscription_ref,
                    customer=customers[row.client_code],
                    **sub_values,  # type: ignore[arg-type]
                )
                subs[row.subscription_ref] = sub
                new_subs.append(sub)
                created_lines.add(row.line)
            elif _changed(sub, sub_values):
                changed_subs.append(sub)
                mark(row)
        Subscription.objects.bulk_create(new_subs)
        Subscription.objects.bulk_update(
            changed_subs, ["plan", "started_on", "access_line", "line_holder"]
        )

        # Mailboxes: listed ones are created; the import never deletes a mailbox.
        new_boxes = []
        for row in accepted:
            for address in row.mailboxes:
                if address not in mailboxes:
                    new_boxes.append(
                        Mailbox(subscription=subs[row.subscription_ref], address=address)
                    )
                    mark(row)
        Mailbox.objects.bulk_create(new_boxes)

        for row in accepted:
            if row.line in created_lines:
                self.summary.created += 1
                self.outcomes[row.line] = "created"
            elif touched.get(row.line):
                self.summary.updated += 1
                self.outcomes[row.line] = "updated"
            else:
                self.summary.unchanged += 1
                self.outcomes[row.line] = "unchanged"
        if self.progress is not None:
            self.progress(self.summary)


def import_csv(
    stream: BinaryIO, progress: Callable[[ImportSummary], None] | None = None
) -> ImportSummary:
    """Import a CSV file opened in binary mode (UTF-8, a byte-order mark accepted)."""
    errors: list[tuple[int, str]] = []
    return Importer(progress=progress).run(read_rows(decoded_lines(stream, errors), errors), errors)


def import_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
) -> tuple[ImportSummary, dict[int, str]]:
    """The same validation and writing as the CSV import, for rows already read (the
    API's bulk upsert): the summary, and what became of each accepted row."""
    importer = Importer()
    summary = importer.run(rows, [])
    return summary, importer.outcomes
