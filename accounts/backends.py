"""How the logged-in user is loaded on each request."""

from collections.abc import Sequence
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING, Any

from django.contrib.auth.backends import ModelBackend
from django.db import router

from accounts.models import User
from customers.models import Customer
from resilia.rows import Columns, columns, read

if TYPE_CHECKING:
    from accounts.sessions import SessionStore

# The session whose user `auth.get_user` is loading, set around that one call by
# `accounts.middleware` (never left set: a user read for one request serves no other).
reading_session: ContextVar["SessionStore | None"] = ContextVar("reading_session", default=None)


@cache
def user_columns(alias: str) -> tuple[Columns[User], Columns[Customer]]:
    """The user's and their customer's columns, as the session's query and this
    backend's select them (`u`, `c`)."""
    return columns(alias, User, "u"), columns(alias, Customer, "c")


def user_with_customer(alias: str, row: Sequence[Any], start: int) -> User | None:
    """The user at `row[start:]` (None where the outer join found none), with their
    customer record after it cached on it both ways: `user.customer` (or its absence,
    for a staff member) and `customer.user` ask no further query."""
    users, customers = user_columns(alias)
    user = users.make(row, start)
    if user is None:
        return None
    customer = customers.make(row, start + users.width)
    User.customer.related.set_cached_value(user, customer)
    if customer is not None:
        Customer.user.field.set_cached_value(customer, user)
    return user


@cache
def _user_query(alias: str) -> str:
    user, customer = user_columns(alias)
    return (
        f"SELECT {user.sql}, {customer.sql} FROM {user.from_table()}"  # noqa: S608
        f" LEFT JOIN {customer.from_table()} ON {customer.column('user')} = {user.column('id')}"
        f" WHERE {user.column('id')} = %s"
    )


class UserBackend(ModelBackend):
    """Django's password backend; loading the session's user is the one read every page
    makes, twice over (the user, then their customer record, which the client area and
    the menu's `user.is_customer` need). Both come with the session's own row when the
    session store has read them (accounts/sessions.py), else in one query of their own;
    either way through `resilia.rows`, with SQL written once per process."""

    def get_user(self, user_id: Any) -> User | None:
        # Django's `auth.get_user` has already read the id through the key's `to_python`.
        session = reading_session.get()
        found, user = session.user_read_with_it(user_id) if session else (False, None)
        if not found:
            alias = router.db_for_read(User)
            rows = read(alias, _user_query(alias), [user_id])
            user = user_with_customer(alias, rows[0], 0) if rows else None
        if user is None or not self.user_can_authenticate(user):
            return None
        return user
