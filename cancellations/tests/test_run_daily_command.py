import io
import threading
from datetime import date, datetime
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections, transaction

from cancellations.drafts import Draft
from cancellations.models import CancellationRequest, RequestEvent, Status
from cancellations.submission import request_submit
from customers.models import Customer
from notifications.models import OutboundEmail
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db


def test_the_daily_command_confirms_and_completes_what_is_due(alice: Customer) -> None:
    request = request_submit(
        customer=alice,
        draft=Draft(
            subscription=alice.subscriptions.get(reference="SUB-A-1"),
            desired_date=date(2026, 11, 3),
            kind="moving",
        ),
        actor=None,
        now=datetime(2026, 10, 31, 9, tzinfo=NOUMEA),
    )
    out = io.StringIO()
    with time_machine.travel(datetime(2026, 11, 4, 0, 5, tzinfo=NOUMEA), tick=False):
        call_command("run_daily", stdout=out)
    assert out.getvalue().strip() == (
        "confirmed 1, completed 1, reminded 0, deleted 0, forms_reminded 0, pruned 0"
    )
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def _due_requests(alice: Customer, bob: Customer) -> None:
    for customer, reference in ((alice, "SUB-A-2"), (bob, "SUB-B-1")):
        request_submit(
            customer=customer,
            draft=Draft(
                subscription=customer.subscriptions.get(reference=reference),
                desired_date=date(2026, 11, 3),
                kind="moving",
            ),
            actor=None,
            now=datetime(2026, 10, 31, 9, tzinfo=NOUMEA),
        )


def test_the_run_reports_only_what_it_did_when_another_run_races_it(
    alice: Customer, bob: Customer
) -> None:
    from cancellations import completion
    from resilia import daily

    _due_requests(alice, bob)
    real = completion._complete
    other_worker_done: list[str] = []

    def raced(requests: list[CancellationRequest], today: date) -> int:
        if not other_worker_done:  # another machine's run completes one of them first
            other_worker_done.append(requests[0].reference)
            real(requests[:1], today)
        return real(requests, today)

    with (
        time_machine.travel(datetime(2026, 11, 4, 0, 5, tzinfo=NOUMEA), tick=False),
        mock.patch.object(completion, "_complete", raced),
    ):
        done = daily.run_daily()
    assert done["completed"] == 1  # the other one was the other run's work
    assert (
        CancellationRequest.objects.get(reference=other_worker_done[0]).status == Status.COMPLETED
    )
    assert set(CancellationRequest.objects.values_list("status", flat=True)) == {Status.COMPLETED}
    # Each completed once: one history entry, one audit entry, one e-mail each.
    assert RequestEvent.objects.filter(status=Status.COMPLETED).count() == 2
    assert OutboundEmail.objects.filter(template="request_completed").count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_concurrent_runs_together_report_each_completion_once(
    alice: Customer, bob: Customer
) -> None:
    from resilia.daily import run_daily

    _due_requests(alice, bob)
    barrier = threading.Barrier(3)
    reports: list[dict[str, int]] = []

    def one_run() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(run_daily(now=datetime(2026, 11, 4, 0, 5, tzinfo=NOUMEA)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(reports) == 3  # every run ends (two once made the same sequence at once)
    assert sum(report["completed"] for report in reports) == 2
    assert sum(report["confirmed"] for report in reports) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="ends a PostgreSQL session")
def test_the_daily_run_tries_again_after_the_database_drops(alice: Customer, bob: Customer) -> None:
    from resilia import daily

    _due_requests(alice, bob)
    real = daily.handle_due_completions
    waits: list[float] = []

    def dropped_once(today: date) -> int | None:
        if not waits:  # the database restarts under the first attempt
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return real(today)

    moment = datetime(2026, 11, 4, 0, 5, tzinfo=NOUMEA)
    with mock.patch.object(daily, "handle_due_completions", dropped_once):
        done = daily.run_daily_retrying(lambda: moment, sleep=waits.append)
    assert waits == [30.0]  # one wait, then the work, the same day
    assert done["completed"] == 2
    assert set(CancellationRequest.objects.values_list("status", flat=True)) == {Status.COMPLETED}


def test_the_daily_run_gives_up_when_the_day_is_over(alice: Customer) -> None:
    from django.db import OperationalError

    from resilia import daily

    late = datetime(2026, 11, 4, 23, 59, 50, tzinfo=NOUMEA)
    with (
        mock.patch.object(daily, "run_daily", side_effect=OperationalError("gone")),
        pytest.raises(OperationalError),
    ):
        daily.run_daily_retrying(lambda: late, sleep=lambda seconds: None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_a_run_skips_what_another_run_holds_instead_of_waiting(
    alice: Customer, bob: Customer
) -> None:
    _due_requests(alice, bob)
    held, other = CancellationRequest.objects.order_by("processing_date", "id")
    holding, release = threading.Event(), threading.Event()

    def another_run_holds_the_first() -> None:
        try:
            with transaction.atomic():
                CancellationRequest.objects.select_for_update().get(pk=held.pk)
                holding.set()
                release.wait(60)
        finally:
            connections.close_all()

    def this_run() -> None:
        try:
            from resilia.daily import run_daily

            run_daily(now=datetime(2026, 11, 4, 0, 5, tzinfo=NOUMEA))
        finally:
            connections.close_all()

    holder = threading.Thread(target=another_run_holds_the_first)
    holder.start()
    assert holding.wait(10)
    run = threading.Thread(target=this_run)
    run.start()
    run.join(timeout=20)
    finished = not run.is_alive()
    release.set()
    holder.join(timeout=10)
    run.join(timeout=60)
    assert finished, "the run waited for the row another run held"
    assert CancellationRequest.objects.get(pk=other.pk).status == Status.COMPLETED
    assert CancellationRequest.objects.get(pk=held.pk).status == Status.SUBMITTED
