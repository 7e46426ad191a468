"""The session store: Django's database sessions, read with SQL written once per process."""

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.utils import timezone

from resilia.rows import first_row


class SessionStore(db.SessionStore):
    """Every page reads its session: the same query each time, so it goes through
    `resilia.rows` instead of being compiled by the ORM per request."""

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        session = first_row(
            self.model,
            (("session_key", "="), ("expire_date", ">")),
            [self.session_key, timezone.now()],
        )
        if session is None:
            self._session_key = None
        return session
