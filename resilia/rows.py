"""One row read with SQL written once per process, for the reads every request makes.

The ORM builds and compiles a query on every call; for a one-table lookup by key that
costs ten times more than running it (docs/BENCHMARKS.md). The text here is built once
per database, model and conditions, and run through `raw()`, which still converts the
values as the ORM would.
"""

from functools import cache
from typing import Any

from django.db import connections, models, router

# (column, operator) pairs, joined with AND; each compares with one parameter.
Conditions = tuple[tuple[str, str], ...]
OPERATORS = {"=", ">"}


@cache
def _select_sql(alias: str, model: type[models.Model], conditions: Conditions) -> str:
    quote = connections[alias].ops.quote_name
    if not conditions or any(operator not in OPERATORS for _column, operator in conditions):
        raise ValueError(f"unsupported conditions: {conditions!r}")
    where = " AND ".join(f"{quote(column)} {operator} %s" for column, operator in conditions)
    # Only quoted names from the model go into the text; the values are parameters.
    return f"SELECT * FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608


def first_row[M: models.Model](
    model: type[M], conditions: Conditions, values: list[Any]
) -> M | None:
    """The first row of `model` matching the conditions, or None."""
    alias = router.db_for_read(model)
    rows = model._default_manager.using(alias).raw(_select_sql(alias, model, conditions), values)
    return next(iter(rows), None)
