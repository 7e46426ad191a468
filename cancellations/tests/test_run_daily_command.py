import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import call_command

from cancellations.models import Status
from cancellations.rules import NOUMEA
from cancellations.services import Draft, request_submit
from customers.models import Customer

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
    with time_machine.travel(datetime(2026, 11, 3, 0, 5, tzinfo=NOUMEA), tick=False):
        call_command("run_daily", stdout=out)
    assert out.getvalue().strip() == "confirmed 1, completed 1, reminded 0, deleted 0"
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
