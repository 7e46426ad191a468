"""The session store: Django's database sessions, read with SQL written once per process."""

from functools import cache

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone


@cache
def _read_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    # Only quoted names of Django's own table go into the text; the values are parameters.
    key, data, expiry = quote("session_key"), quote("session_data"), quote("expire_date")
    table = quote(Session._meta.db_table)
    return f"SELECT {key}, {data}, {expiry} FROM {table} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608


class SessionStore(db.SessionStore):
    """Every page reads its session: the same query each time, so its SQL is written once
    here instead of compiled by the ORM per request (that compilation cost more than the
    query itself: docs/BENCHMARKS.md)."""

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        alias = router.db_for_read(self.model)
        now = connections[alias].ops.adapt_datetimefield_value(timezone.now())
        rows = list(self.model.objects.using(alias).raw(_read_sql(alias), [self.session_key, now]))
        if rows:
            return rows[0]
        self._session_key = None
        return None
