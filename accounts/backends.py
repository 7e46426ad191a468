"""How the logged-in user is loaded on each request."""

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import router

from accounts.models import User
from customers.models import Customer
from resilia.rows import Columns, columns, read


@cache
def _user_query(alias: str) -> tuple[str, Columns[User], Columns[Customer]]:
    user, customer = columns(alias, User, "u"), columns(alias, Customer, "c")
    sql = (
        f"SELECT {user.sql}, {customer.sql} FROM {user.from_table()}"  # noqa: S608
        f" LEFT JOIN {customer.from_table()} ON {customer.column('user')} = {user.column('id')}"
        f" WHERE {user.column('id')} = %s"
    )
    return sql, user, customer


class UserBackend(ModelBackend):
    """Django's password backend; loading the session's user is the one read every page
    makes, twice over (the user, then their customer record, which the client area and
    the menu's `user.is_customer` need). Both come in one query, through `resilia.rows`,
    with SQL written once per process instead of compiled by the ORM on every request."""

    def get_user(self, user_id: Any) -> User | None:
        alias = router.db_for_read(User)
        sql, users, customers = _user_query(alias)
        # Django's `auth.get_user` has already read the id through the key's `to_python`.
        rows = read(alias, sql, [user_id])
        user = users.make(rows[0]) if rows else None
        if user is None or not self.user_can_authenticate(user):
            return None
        customer = customers.make(rows[0], users.width)
        # Cached on the user both ways: `user.customer` (or its absence, for a staff
        # member) and `customer.user` ask no further query.
        User.customer.related.set_cached_value(user, customer)
        if customer is not None:
            Customer.user.field.set_cached_value(customer, user)
        return user
