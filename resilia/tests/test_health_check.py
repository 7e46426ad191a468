"""The PostgreSQL health check (resilia/db/postgresql/base.py), against the real server:
a quiet kept connection is used without a `SELECT 1`, and one the server has closed is
replaced before the request's first query."""

import time
from collections.abc import Iterator

import pytest
from django.db import connection, connections

from resilia.db.postgresql.base import DatabaseWrapper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections"),
]


@pytest.fixture
def kept() -> Iterator[DatabaseWrapper]:
    """A second connection to the test database, as a web process keeps one."""
    wrapper = connections.create_connection("default")
    assert isinstance(wrapper, DatabaseWrapper)
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return str(cursor.fetchone()[0])


def _next_request(wrapper: DatabaseWrapper) -> None:
    """What Django does when a request starts, then at its first query."""
    wrapper.close_if_unusable_or_obsolete()
    wrapper.close_if_health_check_failed()


def test_a_quiet_kept_connection_is_used_without_a_round_trip(kept: DatabaseWrapper) -> None:
    with kept.cursor() as cursor:
        cursor.execute("SELECT 'the page before'")
    pid = kept.connection.info.backend_pid
    _next_request(kept)
    assert kept.connection is not None and kept.connection.info.backend_pid == pid
    assert _last_statement(pid) == "SELECT 'the page before'"


def test_a_connection_the_server_closed_is_replaced_before_the_first_query(
    kept: DatabaseWrapper,
) -> None:
    pid = kept.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not kept.connection.closed and kept._quiet() and time.monotonic() < deadline:
        time.sleep(0.02)  # the server's farewell is on its way
    _next_request(kept)
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_inside_a_transaction_the_full_check_runs(kept: DatabaseWrapper) -> None:
    kept.set_autocommit(False)
    with kept.cursor() as cursor:
        cursor.execute("SELECT 1 + 1")
    assert not kept._quiet()
    kept.rollback()
    kept.set_autocommit(True)
    assert kept._quiet()
