"""References numbered from 1 each year (Nouméa's year): RES-2026-000123 for requests,
SW-2026-000001 for switches; one mechanism for every series.

On PostgreSQL a series' year may have a sequence: numbers are taken without a lock, so
concurrent submissions do not queue behind each other's commit (a number lost to a
rollback leaves a gap). The sequences are made ahead, never by a request: by a migration
(this year's and the next requests') and by the daily run (next year's of every series,
on every day of this one). A year without its sequence is numbered by its counter row
(a model with `year` as primary key and `last`), as on SQLite, where one writer at a time
takes the row anyway; a year numbered by its counter keeps it, so that no number is given
twice.
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection, models, transaction

from cancellations.models import ReferenceSequence


@dataclass(frozen=True)
class Series:
    prefix: str  # RES, SW
    counter: type[models.Model]  # the years' counter rows: `year` (primary key), `last`
    sequence_prefix: str  # PostgreSQL's sequences: <sequence_prefix>_<year>

    def reference(self, year: int, number: int) -> str:
        return f"{self.prefix}-{year}-{number:06d}"

    def sequence_name(self, year: int) -> str:
        return f"{self.sequence_prefix}_{int(year)}"


REQUESTS = Series("RES", ReferenceSequence, "resilia_reference")


def next_reference(series: Series, year: int) -> str:
    """The series' next reference of the year, inside the caller's transaction."""
    number = _sequence_next(series, year) if connection.vendor == "postgresql" else None
    return series.reference(year, number if number is not None else _counter_next(series, year))


def _sequence_next(series: Series, year: int) -> int | None:
    """The year's next number from its sequence, or None if the year has none (one round
    trip either way, and no error that would need a savepoint)."""
    name = series.sequence_name(year)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN to_regclass(%s) IS NULL THEN NULL"
            " ELSE nextval(%s::text::regclass) END",
            [name, name],
        )
        number = cursor.fetchone()[0]
    return None if number is None else int(number)


def _counter_next(series: Series, year: int) -> int:
    """The year's counter row, incremented and read in one statement (the year's first
    number makes the row; of two first numbers at once, one makes it, both count)."""
    quote = connection.ops.quote_name
    table, last, key = quote(series.counter._meta.db_table), quote("last"), quote("year")
    # The model's own names, quoted; the year is a parameter.
    increment = f"UPDATE {table} SET {last} = {last} + 1 WHERE {key} = %s RETURNING {last}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(increment, [year])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    series.counter._default_manager.create(year=year)
            except IntegrityError:
                pass  # made by another transaction meanwhile
            cursor.execute(increment, [year])
            row = cursor.fetchone()
    return int(row[0])


def sequence_prepare(series: Series, year: int, *, started: bool = False) -> bool:
    """Make the year's sequence of a series on PostgreSQL if it has none: before the year
    starts (the daily run, for next year), or with `started` for a year whose numbers may
    already have been given by its counter (the migration), starting after them. A year
    with a counter row keeps its counter otherwise. True if a sequence was made."""
    if connection.vendor != "postgresql":
        return False
    name = series.sequence_name(year)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        counter = series.counter._default_manager.select_for_update().filter(year=year).first()
        if counter is not None and not started:
            return False
        start = (counter.last if counter is not None else 0) + 1  # type: ignore[attr-defined]
        try:
            with transaction.atomic():
                # The name is made of letters, underscores and digits; START is a number.
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START {int(start)}")
        except IntegrityError:
            # Another run (another machine's daily run) made it a moment before: IF NOT
            # EXISTS is not atomic in PostgreSQL, its catalogue's unique index says so.
            return False
    return True
