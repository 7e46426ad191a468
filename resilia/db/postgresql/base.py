"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection has nothing to say, and cursors that prepare what they run often.

Django checks a kept connection before each request's first query (`conn_health_checks`)
by asking the server `SELECT 1`: a round trip on every page. A connection the server has
closed since (a restart, a terminated backend, a pooler's idle timeout) has something
waiting on its socket: the server's farewell, or the end of the stream. So a socket with
nothing to read, on a connection idle outside any transaction, is taken as healthy, and
anything else gets Django's own check, which reconnects when it fails.

What this does not see, `SELECT 1` would not have fixed either: a server host that
vanished without closing its connections (the query then waits for TCP, as the check
would have). A host restarted in between answers the page's first query with a reset:
that page fails, and Django drops the connection when the request ends.
"""

import select

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorWrapper
from psycopg import adapters
from psycopg.pq import Format, TransactionStatus

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # Django's own attributes, which its stubs do not declare
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        if (
            not self.pool
            and self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self._quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        """Idle, outside a transaction, with nothing from the server to read."""
        connection = self.connection
        if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
            return False
        try:
            readable, _writable, _failed = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def prepared_cursor(self) -> CursorWrapper:
        """A cursor as `cursor()` gives (health-checked, connected, its queries logged as
        every other), whose values are bound on the server, so that psycopg prepares a
        text it has run `prepare_threshold` times on this connection (settings: 5, none
        behind PgBouncer in transaction mode). For the fixed texts of `resilia/rows.py`;
        Django's own cursors bind on the client and never prepare."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = base.ServerBindingCursor(self.connection)  # type: ignore[call-arg]
            # As Django's `create_cursor`: the connection's time zone for timestamps.
            loader = self.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
            if self.timezone != loader.timezone:  # type: ignore[union-attr]
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)  # type: ignore[attr-defined,no-any-return]
