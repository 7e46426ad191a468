from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase


class User(AbstractUser):
    """Anyone who logs in: a customer (username = client code) or a staff member.

    A customer's identity and contact details live on `customers.Customer`; the user
    only carries what authentication needs.
    """

    @property
    def is_customer(self) -> bool:
        return hasattr(self, "customer")


class Session(AbstractBaseSession):
    """Django's database session, with the logged-in user's id in a column of its own
    (Django keeps it only inside the signed data), so that each page reads its session,
    its user and their customer record in one query (accounts/sessions.py).

    No database constraint and nothing done on a user's deletion, as with Django's own
    sessions: a session naming a user who no longer exists reads as an anonymous visit.
    """

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta(AbstractBaseSession.Meta):
        db_table = "accounts_session"

    @classmethod
    def get_session_store_class(cls) -> type["SessionBase"]:
        from accounts.sessions import SessionStore  # here: that module imports this one

        return SessionStore
