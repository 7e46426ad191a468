"""Shared personas and helpers: Alice and Bob (customers), an agent and a supervisor."""

import os
import re
from datetime import date
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker

from accounts.models import User
from cancellations.calendar import forget_calendar
from customers.models import Customer, Mailbox, Plan, Subscription

PASSWORD = "correct-horse-battery"


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


def run_tasks() -> None:
    """Run every task that is due, as the worker would.

    The worker closes stale connections between tasks; inside a test's transaction
    that would close the test's own connection, so it is skipped here.
    """
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        _worker().run()


def delivered_link(pattern: str) -> str:
    """Deliver the queued e-mails and return the first link matching `pattern` (a regex
    with one group) in what reached the mailbox: stored copies hold only masked links."""
    run_tasks()
    for message in reversed(mail.outbox):
        match = re.search(pattern, str(message.body))
        if match:
            return match.group(1)
    raise AssertionError(f"no delivered e-mail has a link matching {pattern!r}")


def delivered_code() -> str:
    """Deliver the queued e-mails and return the last 6-digit code that reached the
    mailbox (the public page's confirmation code; stored copies hold only a mask)."""
    run_tasks()
    for message in reversed(mail.outbox):
        match = re.search(r"^\s+(\d{6})$", str(message.body), re.MULTILINE)
        if match:
            return match.group(1)
    raise AssertionError("no code was delivered")


def _worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def make_customer(code: str, name: str, email: str, language: str = "fr") -> Customer:
    user = User.objects.create_user(username=code, email=email, password=PASSWORD)
    return Customer.objects.create(
        client_code=code, name=name, email=email, language=language, user=user
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
