"""Upsert customers, plans, subscriptions and mailboxes from the billing system's CSV.

Rows are validated first, then written chunk by chunk with bulk queries, each chunk in
one transaction: a rejected row writes nothing, the good rows around it are imported,
and re-importing the same file changes nothing.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import DatabaseError, transaction
from django.utils import timezone

from customers.import_rows import Row, RowError, decoded_lines, parse_row, read_rows
from customers.models import Customer, Mailbox, Plan, Subscription

CHUNK_SIZE = 2000


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
        """One chunk: what is already stored read in four queries, the rows that conflict
        with it rejected, then plans, customers, subscriptions and mailboxes each written
        in bulk (the import never deletes a mailbox)."""
        stored = _Stored.read(rows)
        accepted = [row for row in rows if self._no_conflict(row, stored)]
        touched: set[int] = set()  # lines that changed something
        touched |= _write_plans(accepted, stored.plans)
        touched |= _write_customers(accepted, stored.customers)
        created, changed = _write_subscriptions(accepted, stored)
        touched |= changed | _write_mailboxes(accepted, stored)
        for row in accepted:
            if row.line in created:
                outcome = "created"
                self.summary.created += 1
            elif row.line in touched:
                outcome = "updated"
                self.summary.updated += 1
            else:
                outcome = "unchanged"
                self.summary.unchanged += 1
            self.outcomes[row.line] = outcome
        if self.progress is not None:
            self.progress(self.summary)

    def _no_conflict(self, row: Row, stored: "_Stored") -> bool:
        """False (the row rejected, with the reason) when the database says its
        subscription or one of its mailboxes belongs to someone else."""
        existing = stored.subscriptions.get(row.subscription_ref)
        if existing is not None and existing.customer.client_code != row.client_code:
            self.summary.reject(
                row.line,
                f"subscription_ref {row.subscription_ref} belongs to customer "
                f"{existing.customer.client_code}",
            )
            return False
        for address in row.mailboxes:
            taken = stored.mailboxes.get(address)
            if taken is not None and taken.subscription.reference != row.subscription_ref:
                self.summary.reject(
                    row.line,
                    f"mailbox {taken.address} belongs to subscription "
                    f"{taken.subscription.reference}",
                )
                return False
        return True


@dataclass
class _Stored:
    """What a chunk's rows name that is already in the database, by natural key."""

    customers: dict[str, Customer]
    plans: dict[str, Plan]
    subscriptions: dict[str, Subscription]
    mailboxes: dict[str, Mailbox]

    @classmethod
    def read(cls, rows: list[Row]) -> "_Stored":
        return cls(
            customers=Customer.objects.in_bulk(
                [r.client_code for r in rows], field_name="client_code"
            ),
            plans=Plan.objects.in_bulk({r.plan for r in rows}, field_name="name"),
            subscriptions=Subscription.objects.select_related("customer").in_bulk(
                [r.subscription_ref for r in rows], field_name="reference"
            ),
            mailboxes=Mailbox.objects.select_related("subscription").in_bulk(
                [a for r in rows for a in r.mailboxes], field_name="address"
            ),
        )


def _write_plans(rows: list[Row], plans: dict[str, Plan]) -> set[int]:
    """New plans and new prices; `plans` gains the new ones. The lines that changed one."""
    new: dict[str, Plan] = {}
    changed: dict[str, Plan] = {}
    touched = set()
    for row in rows:
        plan = plans.get(row.plan) or new.get(row.plan)
        if plan is None:
            new[row.plan] = Plan(name=row.plan, monthly_price_xpf=row.monthly_price_xpf)
            touched.add(row.line)
        elif _changed(plan, {"monthly_price_xpf": row.monthly_price_xpf}):
            if plan.pk:
                changed[plan.name] = plan
            touched.add(row.line)
    Plan.objects.bulk_create(new.values())
    Plan.objects.bulk_update(changed.values(), ["monthly_price_xpf"])
    plans.update(new)
    return touched


def _write_customers(rows: list[Row], customers: dict[str, Customer]) -> set[int]:
    """New customers and changed details; `customers` gains the new ones."""
    new: dict[str, Customer] = {}
    changed: dict[str, Customer] = {}
    touched = set()
    for row in rows:
        values = {
            "name": row.name,
            "email": row.email,
            "phone": row.phone,
            "language": row.language,
        }
        customer = customers.get(row.client_code) or new.get(row.client_code)
        if customer is None:
            new[row.client_code] = Customer(client_code=row.client_code, **values)
            touched.add(row.line)
        elif _changed(customer, values):
            customer.updated_at = timezone.now()
            if customer.pk:
                changed[customer.client_code] = customer
            touched.add(row.line)
    Customer.objects.bulk_create(new.values())
    Customer.objects.bulk_update(
        changed.values(), ["name", "email", "phone", "language", "updated_at"]
    )
    customers.update(new)
    return touched


def _write_subscriptions(rows: list[Row], stored: _Stored) -> tuple[set[int], set[int]]:
    """New and changed subscriptions: (the lines that created one, those that changed one)."""
    new: list[Subscription] = []
    changed: list[Subscription] = []
    created: set[int] = set()
    touched: set[int] = set()
    for row in rows:
        values: dict[str, object] = {
            "plan_id": stored.plans[row.plan].pk,
            "started_on": row.started_on,
            "access_line": row.access_line,
            "line_holder": row.line_holder,
        }
        subscription = stored.subscriptions.get(row.subscription_ref)
        if subscription is None:
            subscription = Subscription(
                reference=row.subscription_ref,
                customer=stored.customers[row.client_code],
                **values,  # type: ignore[arg-type]
            )
            stored.subscriptions[row.subscription_ref] = subscription
            new.append(subscription)
            created.add(row.line)
        elif _changed(subscription, values):
            changed.append(subscription)
            touched.add(row.line)
    Subscription.objects.bulk_create(new)
    Subscription.objects.bulk_update(changed, ["plan", "started_on", "access_line", "line_holder"])
    return created, touched


def _write_mailboxes(rows: list[Row], stored: _Stored) -> set[int]:
    """The listed mailboxes not yet stored (the import never deletes one)."""
    new = []
    touched = set()
    for row in rows:
        for address in row.mailboxes:
            if address not in stored.mailboxes:
                new.append(
                    Mailbox(
                        subscription=stored.subscriptions[row.subscription_ref], address=address
                    )
                )
                touched.add(row.line)
    Mailbox.objects.bulk_create(new)
    return touched


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
