"""How the logged-in user is loaded on each request."""

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import connections, models, router

from accounts.models import User
from customers.models import Customer


@cache
def _row_sql(alias: str, model: type[models.Model], column: str) -> str:
    quote = connections[alias].ops.quote_name
    # Only quoted names from the models go into the text; the value is a parameter.
    return f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(column)} = %s"  # noqa: S608


def _row[M: models.Model](model: type[M], column: str, value: Any) -> M | None:
    alias = router.db_for_read(model)
    return next(
        iter(model._default_manager.using(alias).raw(_row_sql(alias, model, column), [value])), None
    )


class UserBackend(ModelBackend):
    """Django's password backend; loading the session's user is the one read every page
    makes, twice over (the user, then their customer record, which the client area and
    the menu's `user.is_customer` need). Both are read with SQL written once per process:
    the ORM compiled the same two queries on every request, and that cost more than
    running them (docs/BENCHMARKS.md)."""

    def get_user(self, user_id: Any) -> User | None:
        user = _row(User, "id", user_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        customer = _row(Customer, "user_id", user.pk)
        # Cached on the user both ways: `user.customer` (or its absence, for a staff
        # member) and `customer.user` ask no further query.
        User.customer.related.set_cached_value(user, customer)
        if customer is not None:
            Customer.user.field.set_cached_value(customer, user)
        return user
