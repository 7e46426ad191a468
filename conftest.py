"""Shared personas and helpers: Alice and Bob (customers), an agent and a supervisor."""

import os
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts.models import User
from cancellations.calendar import forget_calendar
from customers.models import Customer, Mailbox, Plan, Subscription
from testing.helpers import PASSWORD, World, build_world, make_customer


@pytest.fixture(autouse=True, scope="session")
def _collected_static_files() -> None:
    """Pages are rendered with the static storage production uses (hashed names from the
    manifest), so a vendored file that breaks collectstatic fails the suite too."""
    call_command("collectstatic", "--noinput", verbosity=0)


@pytest.fixture(autouse=True)
def _server_time_zone(settings: Any) -> None:
    """RESILIA_TEST_TIME_ZONE=UTC runs the suite with another TIME_ZONE: the rules and the
    pages must still speak Nouméa dates (.ci/run does it for the time-sensitive tests)."""
    zone = os.environ.get("RESILIA_TEST_TIME_ZONE")
    if zone:
        settings.TIME_ZONE = zone


@pytest.fixture(autouse=True)
def _calendar_checked_once_per_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """In production each process re-reads the shared calendar at most once a second: a
    query that depends on the clock. A test's process sees every override change at once
    (the signals clear its copy), so the re-read is spaced out here: a slow machine does
    not make a page ask one query more than the same page a moment earlier."""
    import cancellations.calendar

    monkeypatch.setattr(cancellations.calendar, "CHECK_SECONDS", 3600.0)


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> None:
    """Each test starts with an empty cache. The cache lives in the database (as in
    production), outside the models a transactional test flushes: emptied here, for the
    tests that use the database."""
    forget_calendar()
    marker = request.node.get_closest_marker("django_db")
    uses_db = marker is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if not uses_db:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    cache.clear()
    _restart_reference_sequences()


def _restart_reference_sequences() -> None:
    """On PostgreSQL the years' reference sequences are made by a migration, and a
    sequence's numbers are not rolled back with a test's transaction: each test starts
    them again from 1, as the rows they numbered are gone."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(c.oid, 1, false) FROM pg_class c"
            " WHERE c.relkind = 'S' AND c.relname LIKE 'resilia_reference_%%'"
        )


@pytest.fixture
def plans(db: None) -> dict[str, Plan]:
    return {
        "fibre": Plan.objects.create(name="Fibre 100", monthly_price_xpf=6900),
        "adsl": Plan.objects.create(name="ADSL Confort", monthly_price_xpf=4500),
    }


@pytest.fixture
def alice(plans: dict[str, Plan]) -> Customer:
    """Two subscriptions: fibre over an OPTimo line with two mailboxes, and ADSL."""
    customer = make_customer("C100001", "Alice Wayaridri", "alice@example.nc")
    fibre = Subscription.objects.create(
        reference="SUB-A-1",
        customer=customer,
        plan=plans["fibre"],
        started_on=date(2021, 3, 15),
        access_line="254318",
        line_holder="Alice Wayaridri",
    )
    Mailbox.objects.create(subscription=fibre, address="alice@mls.nc")
    Mailbox.objects.create(subscription=fibre, address="famille@mls.nc")
    Subscription.objects.create(
        reference="SUB-A-2", customer=customer, plan=plans["adsl"], started_on=date(2023, 9, 1)
    )
    return customer


@pytest.fixture
def bob(plans: dict[str, Plan]) -> Customer:
    customer = make_customer("C100002", "Bob Tein", "bob@example.nc", language="en")
    sub = Subscription.objects.create(
        reference="SUB-B-1",
        customer=customer,
        plan=plans["adsl"],
        started_on=date(2022, 6, 20),
        access_line="287741",
    )
    Mailbox.objects.create(subscription=sub, address="bob@mls.nc")
    return customer


def _staff(username: str, role: str) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def agent(db: None) -> User:
    return _staff("agent", "agent")


@pytest.fixture
def supervisor(db: None) -> User:
    return _staff("superviseur", "supervisor")


@pytest.fixture
def alice_client(alice: Customer) -> Client:
    client = Client()
    client.force_login(alice.user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def bob_client(bob: Customer) -> Client:
    client = Client()
    client.force_login(bob.user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def world(alice: Customer, bob: Customer, agent: User, settings: Any) -> World:
    """The back office's world (testing.helpers.build_world), agents confirming."""
    settings.RESILIA_AUTO_CONFIRM = False
    return build_world(alice, bob, agent)
