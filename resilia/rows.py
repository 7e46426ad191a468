"""Rows read with SQL written once per process, for the reads every page makes; and rows
looked up (`among`) and written (`insert`) by the thousand without the ORM's per-value
compiling, for the billing import and the daily run's batches.

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
from django.utils import timezone

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


def among[M: models.Model](
    alias: str, model: type[M], key: str, values: Sequence[Any], related: str | None = None
) -> dict[Any, M]:
    """The rows of `model` whose unique field `key` is one of `values`, by that key; with
    the row its foreign key `related` points to joined, as `select_related` does. What
    `in_bulk` does, for the billing import's chunks of 2,000 keys: on PostgreSQL the keys
    go as one array bound in binary (`= ANY`), not as 2,000 values the client writes into
    the text, and the rows are made without the ORM's compiling (docs/BENCHMARKS.md)."""
    if not values:
        return {}
    connection = connections[alias]
    selected = columns(alias, model, "t")
    sql = f"SELECT {selected.sql}"
    joined: Columns[models.Model] | None = None
    link: Any = None
    if related is not None:
        link = model._meta.get_field(related)
        joined = columns(alias, link.related_model, "r")
        sql += (
            f", {joined.sql} FROM {selected.from_table()} INNER JOIN {joined.from_table()}"
            f" ON {joined.column(link.target_field.name)}"
            f" = {selected.column(related)}"
        )
    else:
        sql += f" FROM {selected.from_table()}"
    field = model._meta.get_field(key)
    assert isinstance(field, models.Field)  # a column (`selected.column` checked it)
    if connection.vendor == "postgresql":
        sql += f" WHERE {selected.column(key)} = ANY((%b)::{_array_type(field, connection)})"
        parameters: list[Any] = [list(values)]
    else:
        sql += f" WHERE {selected.column(key)} IN ({', '.join(['%s'] * len(values))})"
        parameters = list(values)
    attname = field.attname
    found: dict[Any, M] = {}
    for row in read(alias, sql, parameters):
        instance = selected.make(row)
        assert instance is not None  # the key of a row read from its table
        if joined is not None:
            link.set_cached_value(instance, joined.make(row, selected.width))
        found[getattr(instance, attname)] = instance
    return found


def _array_type(field: models.Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    """The PostgreSQL array type of a column's values ("varchar[]" for a varchar(60))."""
    return f"{str(field.db_type(connection)).split('(')[0]}[]"


def _cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """On PostgreSQL a cursor that binds on the server, so that these texts, which never
    change, are prepared (`resilia/db/postgresql/base.py`): a prepared text is neither
    parsed nor planned again, on loopback 0.37 → 0.23 ms for the user and their
    customer, 0.49 → 0.24 ms for the subscriptions (docs/BENCHMARKS.md)."""
    prepared_cursor = getattr(connection, "prepared_cursor", None)
    return prepared_cursor() if prepared_cursor else connection.cursor()


def insert[M: models.Model](alias: str, objs: Sequence[M], key: str | None = None) -> None:
    """Write new rows, and give each instance the id its row got: what `bulk_create`
    does (multi-row INSERTs, as many rows each as the backend takes), without compiling
    every value of every row through its field, which was most of a first import's time
    (docs/BENCHMARKS.md). The values are the instances' own (their defaults included);
    an `auto_now`/`auto_now_add` date is set to now, as on a save. `key` names a unique
    field that tells the new rows apart: the ids come back with it (`RETURNING`), or are
    read back by it in one query where the database cannot return rows (none: the ids
    are not needed). For models whose id the database assigns, as every model here."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    prepare = [_prepare(field, connection) for field in fields]
    names = [f.attname for f in fields]
    # Every name in these texts comes from the model, every value is a parameter.
    head = "INSERT INTO {} ({})".format(
        quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    )
    pk = str(model._meta.pk.column)
    values = [
        [to_db(getattr(obj, name)) for to_db, name in zip(prepare, names, strict=True)]
        for obj in objs
    ]
    tail = ""
    if key is not None and connection.features.can_return_rows_from_bulk_insert:
        tail = f" RETURNING {quote(_column(model, key))}, {quote(pk)}"
    returning = bool(tail)
    ids: dict[Any, Any] = {}
    with _cursor(connection) as cursor:
        if connection.vendor == "postgresql":
            # One array per column, as Django's bulk_create sends them there: a text
            # PostgreSQL parses and plans once, whatever the number of rows. The arrays
            # are bound on the server in binary (`%b`): psycopg writes a text array in
            # Python, character by character, three times slower (docs/BENCHMARKS.md).
            arrays = ", ".join(f"(%b)::{_array_type(f, connection)}" for f in fields)
            cursor.execute(
                f"{head} SELECT * FROM UNNEST({arrays}){tail}",  # noqa: S608
                [list(c) for c in zip(*values, strict=True)],
            )
            ids.update(cursor.fetchall() if returning else ())
        else:
            row = "({})".format(", ".join(["%s"] * len(fields)))
            size = connection.ops.bulk_batch_size(fields, objs)
            for start in range(0, len(values), size):
                batch = values[start : start + size]
                cursor.execute(
                    f"{head} VALUES {', '.join([row] * len(batch))}{tail}",
                    [value for row_values in batch for value in row_values],
                )
                ids.update(cursor.fetchall() if returning else ())
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    if key is None:
        return
    if not returning:
        ids = dict(
            model._default_manager.using(alias)
            .filter(**{f"{key}__in": [getattr(obj, key) for obj in objs]})
            .values_list(key, "pk")
        )
    for obj in objs:
        obj.pk = ids[getattr(obj, key)]


def _prepare(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any]:
    """How a value of `field` goes to the database: as it is for text, numbers and ids;
    through the backend's adapter for dates; else the field's own preparation."""
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(
        field, models.CharField | models.TextField | models.IntegerField | models.ForeignKey
    ):
        return _as_it_is
    return lambda value: field.get_db_prep_save(value, connection)


def _as_it_is(value: Any) -> Any:
    return value
