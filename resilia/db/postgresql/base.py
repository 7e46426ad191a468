"""Django's PostgreSQL backend, with a health check that costs no round trip while the
connection has nothing to say.

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
from psycopg.pq import TransactionStatus


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
