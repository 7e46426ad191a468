"""How the logged-in user is loaded on each request."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from customers.models import Customer
from resilia.rows import first_row


class UserBackend(ModelBackend):
    """Django's password backend; loading the session's user is the one read every page
    makes, twice over (the user, then their customer record, which the client area and
    the menu's `user.is_customer` need). Both are read through `resilia.rows`, with SQL
    written once per process instead of compiled by the ORM on every request."""

    def get_user(self, user_id: Any) -> User | None:
        user = first_row(User, (("id", "="),), [user_id])
        if user is None or not self.user_can_authenticate(user):
            return None
        customer = first_row(Customer, (("user_id", "="),), [user.pk])
        # Cached on the user both ways: `user.customer` (or its absence, for a staff
        # member) and `customer.user` ask no further query.
        User.customer.related.set_cached_value(user, customer)
        if customer is not None:
            Customer.user.field.set_cached_value(customer, user)
        return user
