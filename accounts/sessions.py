"""The session store: Django's database sessions, with the user's id in a column
(`accounts.models.Session`), read with their user and customer in one query whose SQL is
written once per process."""

from functools import cache
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils import timezone

from accounts.backends import user_columns, user_with_customer
from accounts.models import Session, User
from resilia.rows import Columns, columns, read


@cache
def _session_query(alias: str) -> tuple[str, Columns[Session]]:
    session, user, customer = columns(alias, Session, "s"), *user_columns(alias)
    sql = (
        f"SELECT {session.sql}, {user.sql}, {customer.sql} FROM {session.from_table()}"  # noqa: S608
        f" LEFT JOIN {user.from_table()} ON {user.column('id')} = {session.column('user')}"
        f" LEFT JOIN {customer.from_table()} ON {customer.column('user')} = {user.column('id')}"
        f" WHERE {session.column('session_key')} = %s AND {session.column('expire_date')} > %s"
    )
    return sql, session


class SessionStore(db.SessionStore):
    """Every page reads its session, then the user it names: the session row comes with
    that user and their customer record, joined on the session's user column, so the
    user backend has them without a second query (`user_read_with_it`)."""

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        # (the session's user id, the user read with it or None), once loaded.
        self._user_read: tuple[Any, User | None] | None = None

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        session = super().create_model_instance(data)
        session.user_id = _user_id(data.get(SESSION_KEY))  # type: ignore[attr-defined]
        return session

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        alias = router.db_for_read(Session)
        sql, sessions = _session_query(alias)
        now = Session._meta.get_field("expire_date").get_db_prep_value(
            timezone.now(), connections[alias]
        )
        self._user_read = None
        rows = read(alias, sql, [self.session_key, now])
        session = sessions.make(rows[0]) if rows else None
        if session is None:
            self._session_key = None
            return None
        if session.user_id is not None:
            self._user_read = (session.user_id, user_with_customer(alias, rows[0], sessions.width))
        return session

    def user_read_with_it(self, user_id: Any) -> tuple[bool, User | None]:
        """(True, the user or None if they no longer exist) when this session was read
        with the user `user_id`; (False, None) when it was not (no user column yet, or
        another id), and the backend reads the user itself."""
        if self._user_read is not None and self._user_read[0] == user_id:
            return True, self._user_read[1]
        return False, None


def _user_id(value: Any) -> Any:
    """The user id in the session's data, as the user column takes it (None if none)."""
    if value is None:
        return None
    try:
        return User._meta.pk.to_python(value)  # type: ignore[union-attr]
    except ValidationError:
        return None
