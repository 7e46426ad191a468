"""How the logged-in user is loaded on each request."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class UserBackend(ModelBackend):
    """Django's password backend. Loading the session's user reads their customer record
    in the same query: every page of the client area and the menu ask `user.customer`
    (or its absence, for a staff member)."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("customer").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
