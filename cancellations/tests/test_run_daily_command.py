import io
import threading
from datetime import date, datetime
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections

from cancellations.models import CancellationRequest, RequestEvent, Status
from cancellations.rules import NOUMEA
from cancellations.services import Draft, request_submit
from customers.models import Customer
from notifications.models import OutboundEmail

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
        "confirmed 1, completed 1, reminded 0, deleted 0, forms_reminded 0"
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
    from cancellations import completion, jobs

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
        done = jobs.run_daily()
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
    from cancellations.jobs import run_daily

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
    assert sum(report["completed"] for report in reports) == 2
    assert sum(report["confirmed"] for report in reports) == 2
