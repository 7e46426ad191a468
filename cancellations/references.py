"""Request references: RES-2026-000123, numbered from 1 each year (Nouméa's year of
receipt).

On PostgreSQL each year has a sequence: numbers are taken without a lock, so concurrent
submissions do not queue behind each other's commit (a number lost to a rollback leaves
a gap). The sequences are made ahead of the requests, never by one: by a migration (this
year's and the next) and by the daily run (next year's, on every day of this one). A
year without its sequence (the daily run not scheduled for a whole year) is numbered by
its counter row, as on SQLite, where one writer at a time takes the row anyway; a year
numbered by its counter keeps it, so that no number is given twice.
"""

from django.db import connection, transaction

from cancellations.models import ReferenceSequence


def reference(year: int, number: int) -> str:
    return f"RES-{year}-{number:06d}"


def next_reference(year: int) -> str:
    """The next reference of the year, inside the caller's transaction."""
    number = _sequence_next(year) if connection.vendor == "postgresql" else None
    return reference(year, number if number is not None else _counter_next(year))


def _sequence_name(year: int) -> str:
    return f"resilia_reference_{int(year)}"


def _sequence_next(year: int) -> int | None:
    """The year's next number from its sequence, or None if the year has none (one round
    trip either way, and no error that would need a savepoint)."""
    name = _sequence_name(year)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN to_regclass(%s) IS NULL THEN NULL"
            " ELSE nextval(%s::text::regclass) END",
            [name, name],
        )
        number = cursor.fetchone()[0]
    return None if number is None else int(number)


def _counter_next(year: int) -> int:
    """The year's counter row, incremented and read in one statement (the year's first
    number makes the row)."""
    quote = connection.ops.quote_name
    table, last, key = quote(ReferenceSequence._meta.db_table), quote("last"), quote("year")
    # The model's own names, quoted; the year is a parameter.
    increment = f"UPDATE {table} SET {last} = {last} + 1 WHERE {key} = %s RETURNING {last}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(increment, [year])
        row = cursor.fetchone()
        if row is None:
            ReferenceSequence.objects.create(year=year)
            cursor.execute(increment, [year])
            row = cursor.fetchone()
    return int(row[0])


def sequence_prepare(year: int, *, started: bool = False) -> bool:
    """Make the year's sequence on PostgreSQL if it has none: before the year starts (the
    daily run, for next year), or with `started` for a year whose numbers may already
    have been given by its counter (the migration), starting after them. A year with a
    counter row keeps its counter otherwise. True if a sequence was made."""
    if connection.vendor != "postgresql":
        return False
    name = _sequence_name(year)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        counter = ReferenceSequence.objects.select_for_update().filter(year=year).first()
        if counter is not None and not started:
            return False
        start = (counter.last if counter is not None else 0) + 1
        # The name is made of digits here; START is a number.
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START {int(start)}")
    return True
