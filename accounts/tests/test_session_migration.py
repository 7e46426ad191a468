"""accounts 0002: the sessions move to a table with a user column, and no one is logged
out by it."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session
from customers.models import Customer

BEFORE = [("accounts", "0001_initial"), ("sessions", "0001_initial")]
AFTER = [("accounts", "0002_session_with_user_column")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_a_live_session_survives_the_move_with_its_user(alice: Customer) -> None:
    user = alice.user
    assert user is not None
    _migrate(BEFORE)
    try:
        store = DjangoSessionStore()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "accounts.backends.UserBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        later, earlier = timezone.now() + timedelta(hours=1), timezone.now() - timedelta(hours=1)
        with connection.cursor() as cursor:
            for key, expiry in (("k" * 32, later), ("e" * 32, earlier)):
                cursor.execute(
                    "INSERT INTO django_session (session_key, session_data, expire_date)"
                    " VALUES (%s, %s, %s)",
                    [key, store.encode(data), expiry],
                )
    finally:
        _migrate(AFTER)
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    moved = Session.objects.get()
    assert (moved.session_key, moved.user_id) == ("k" * 32, user.pk)  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_session")
        assert cursor.fetchone() == (0,)
    client = Client()
    client.cookies["sessionid"] = "k" * 32
    assert alice.name in client.get(reverse("portal:home")).text
