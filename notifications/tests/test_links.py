"""Every e-mail about a request links to it, absolutely, from RESILIA_SITE_URL: the link
opens that request for its customer, goes through the log-in page when logged out, and
shows nothing to another customer."""

import re
from datetime import date, datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client

from cancellations.models import CancellationRequest
from cancellations.services import request_withdraw
from customers.models import Customer
from testing.helpers import run_worker, submit
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db
SITE = "https://resilia.mls.nc/espace"
NOW = datetime(2026, 11, 26, 10, tzinfo=NOUMEA)


def _links(text: str) -> list[str]:
    return re.findall(re.escape(SITE) + r"(/[^\s\"<>]*)", text)


@pytest.fixture(autouse=True)
def _site(settings: object) -> None:
    settings.RESILIA_SITE_URL = SITE + "/"  # type: ignore[attr-defined]


def test_each_message_links_to_its_request_and_the_steps_in_it(
    alice: Customer, alice_client: Client, bob_client: Client
) -> None:
    with time_machine.travel(NOW, tick=False):
        request = submit(alice, "SUB-A-1")  # a fibre line: the form is to sign
        run_worker()
    (ack,) = [m for m in mail.outbox if request.reference in m.subject or m.attachments]
    html = ack.alternatives[0][0]  # type: ignore[attr-defined]
    text_links, html_links = _links(str(ack.body)), _links(str(html))
    reference = request.reference
    expected = {
        f"/mes-demandes/{reference}/",
        f"/mes-demandes/{reference}/bon/",
        f"/mes-demandes/{reference}/retirer/",
    }
    assert set(text_links) == expected and set(html_links) == expected
    assert "jusqu'au mercredi 30 décembre 2026" in str(ack.body)  # the withdrawal deadline
    for path in expected:
        page = alice_client.get(path)
        assert page.status_code == 200 and reference in page.content.decode()
        assert bob_client.get(path).status_code == 404  # another customer: nothing
        logged_out = Client().get(path)
        assert logged_out.status_code == 302 and "next=" in logged_out["Location"]


def test_a_message_sent_later_by_the_worker_links_the_same_way(alice: Customer) -> None:
    with time_machine.travel(NOW, tick=False):
        request = submit(alice, "SUB-A-2", desired_date=date(2026, 12, 31))
        run_worker()
        mail.outbox.clear()
        request_withdraw(request=CancellationRequest.objects.get(pk=request.pk), actor=None)
        run_worker()
    (withdrawn,) = mail.outbox
    assert _links(str(withdrawn.body)) == [f"/mes-demandes/{request.reference}/"]
