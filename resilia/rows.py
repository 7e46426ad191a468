"""Rows read with SQL written once per process, for the reads every page makes.

The ORM builds and compiles a query on every call; for the few reads each page of the
client area makes (its session, its user and customer, the customer's subscriptions) that
cost several times more than running them (docs/BENCHMARKS.md). The text here is built
once per database from the models' own tables and columns, run through a cursor, and the
values come back converted as the ORM converts them (a date-time read on SQLite is a text
in UTC, made aware), into instances made the way the ORM makes them (`Model.from_db`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models.expressions import Col

Converter = Callable[[Any, Col, Any], Any]


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)  # a field's name or attname ("user_id")
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"not a column of {model.__name__}: {name!r}")
    return str(field.column)


@dataclass(frozen=True)
class Columns[M: models.Model]:
    """A model's columns in a SELECT, under a table alias, and how to make an instance
    of the values read back."""

    model: type[M]
    alias: str  # the database's
    table: str  # the table's alias in the query
    names: tuple[str, ...]  # the fields' attnames, in the order selected
    key: int  # the position of the primary key among them
    converters: tuple[tuple[int, tuple[Converter, ...], Col], ...]

    @property
    def sql(self) -> str:
        return ", ".join(self.column(name) for name in self.names)

    @property
    def width(self) -> int:
        return len(self.names)

    def column(self, name: str) -> str:
        """A column as the query names it ("s"."customer_id"), from its field's name."""
        quote = connections[self.alias].ops.quote_name
        return f"{quote(self.table)}.{quote(_column(self.model, name))}"

    def from_table(self) -> str:
        quote = connections[self.alias].ops.quote_name
        return f"{quote(self.model._meta.db_table)} {quote(self.table)}"

    def make(self, row: Sequence[Any], start: int = 0) -> M | None:
        """The instance of the values at `row[start:]`, or None where its key is null
        (no row on that side of an outer join)."""
        values = list(row[start : start + self.width])
        if values[self.key] is None:
            return None
        connection = connections[self.alias]
        for position, functions, expression in self.converters:
            value = values[position]
            for function in functions:
                value = function(value, expression, connection)
            values[position] = value
        return self.model.from_db(self.alias, self.names, values)


@cache
def columns[M: models.Model](alias: str, model: type[M], table: str) -> Columns[M]:
    """Every concrete column of `model` under the table alias `table`, with the converters
    the ORM applies to each (found once per process, as its compiler finds them)."""
    connection = connections[alias]
    fields = model._meta.concrete_fields
    converters = []
    for position, field in enumerate(fields):
        expression = field.get_col(table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if found:
            converters.append((position, tuple(found), expression))
    names = tuple(f.attname for f in fields)
    key = names.index(model._meta.pk.attname)
    return Columns(model, alias, table, names, key, tuple(converters))


def read(alias: str, sql: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Every row the query returns, as the database's driver returns them."""
    connection = connections[alias]
    with _cursor(connection) as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def _cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """On PostgreSQL a cursor that binds on the server, so that these texts, which never
    change, are prepared (`resilia/db/postgresql/base.py`): a prepared text is neither
    parsed nor planned again, on loopback 0.37 → 0.23 ms for the user and their
    customer, 0.49 → 0.24 ms for the subscriptions (docs/BENCHMARKS.md)."""
    prepared_cursor = getattr(connection, "prepared_cursor", None)
    return prepared_cursor() if prepared_cursor else connection.cursor()
