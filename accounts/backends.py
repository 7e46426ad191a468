"""How a logged-in user is loaded on each request."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class UserBackend(ModelBackend):
    """Django's password backend, except that loading the session's user also loads their
    customer record, in the same query: every client-area page needs both, and the menu
    asks `user.is_customer` (no record: a staff member)."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("customer").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
