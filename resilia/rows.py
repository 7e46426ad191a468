"""One row read with SQL written once per process, for the reads every request makes.

The ORM builds and compiles a query on every call; for a one-table lookup by key that
costs ten times more than running it (docs/BENCHMARKS.md). The text here is built once
per database, model and conditions, and run through `raw()`. The values go in and come
out converted as the ORM would (a date-time compared on SQLite is a text in UTC).
"""

from functools import cache
from typing import Any

from django.db import connections, models, router

# (field, operator) pairs, joined with AND; each compares with one parameter.
Conditions = tuple[tuple[str, str], ...]
OPERATORS = {"=", ">"}


def _field(model: type[models.Model], name: str) -> "models.Field[Any, Any]":
    field = model._meta.get_field(name)  # a field's name or attname ("user_id")
    if not isinstance(field, models.Field):
        raise ValueError(f"not a column of {model.__name__}: {name!r}")
    return field


def _column(model: type[models.Model], name: str) -> str:
    column = _field(model, name).column
    if column is None:
        raise ValueError(f"not a column of {model.__name__}: {name!r}")
    return column


@cache
def _select_sql(alias: str, model: type[models.Model], conditions: Conditions) -> str:
    quote = connections[alias].ops.quote_name
    if not conditions or any(operator not in OPERATORS for _name, operator in conditions):
        raise ValueError(f"unsupported conditions: {conditions!r}")
    where = " AND ".join(
        f"{quote(_column(model, name))} {operator} %s" for name, operator in conditions
    )
    # Only quoted names from the model go into the text; the values are parameters.
    return f"SELECT * FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608


def first_row[M: models.Model](
    model: type[M], conditions: Conditions, values: list[Any]
) -> M | None:
    """The first row of `model` matching the conditions, or None."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    prepared = [
        _field(model, name).get_db_prep_value(value, connection)
        for (name, _operator), value in zip(conditions, values, strict=True)
    ]
    rows = model._default_manager.using(alias).raw(_select_sql(alias, model, conditions), prepared)
    return next(iter(rows), None)
