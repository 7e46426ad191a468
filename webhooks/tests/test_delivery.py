"""Webhooks against a real HTTP receiver on 127.0.0.1 that verifies every signature with
the standardwebhooks library: delivery, retries after a 500 and after a timeout, order per
endpoint, the attempt log, and disabling after three days of failures."""

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.models import User
from cancellations.services import request_reject, request_withdraw
from customers.models import Customer
from notifications.models import OutboundEmail
from testing.helpers import run_worker, submit
from toolbox.noumea import NOUMEA
from webhooks.delivery import handle_one_webhook
from webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_enable,
    webhook_replay,
    webhook_replay_since,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 9, tzinfo=NOUMEA)


class Receiver:
    """Answers with the next of `answers` (a status, or "hang" to time out), then 200;
    keeps what it verified."""

    def __init__(self) -> None:
        self.secret = ""
        self.answers: list[int | str] = []
        self.received: list[dict[str, Any]] = []
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "hang":
                    threading.Event().wait(2)
                    return
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                except WebhookVerificationError:
                    receiver.refused += 1
                    answer = 401
                else:
                    if answer == 200:
                        receiver.received.append(
                            {"id": self.headers["webhook-id"], **payload}  # type: ignore[dict-item]
                        )
                self.send_response(int(answer))
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if answer == 200 else b"receiver error")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver(supervisor: User, settings: Any) -> Iterator[Receiver]:
    settings.RESILIA_WEBHOOK_TIMEOUT = 1
    settings.RESILIA_WEBHOOK_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    server = Receiver()
    _, server.secret = webhook_endpoint_create(
        url=server.url, event_types=[], description="billing", actor=supervisor
    )
    yield server
    server.server.shutdown()


def drain(now: datetime | None = None) -> int:
    sent = 0
    while handle_one_webhook(now):
        sent += 1
    return sent


def test_each_change_is_delivered_signed_and_in_order(
    receiver: Receiver, alice: Customer, agent: User
) -> None:
    request = submit(alice, "SUB-A-1")
    request_withdraw(request=request, actor=None, now=NOW)
    other = submit(alice, "SUB-A-2")
    request_reject(request=other, actor=agent, reason="Litige")
    drain()
    types = [(m["type"], m["data"]["reference"]) for m in receiver.received]
    assert types == [
        ("request.submitted", request.reference),
        ("request.confirmed", request.reference),
        ("request.withdrawn", request.reference),
        ("request.submitted", other.reference),
        ("request.confirmed", other.reference),
        ("request.rejected", other.reference),
    ]
    assert receiver.received[-1]["data"]["reason"] == "Litige"
    assert receiver.refused == 0
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}


def test_a_500_then_a_timeout_are_retried_with_backoff_and_logged(
    receiver: Receiver, alice: Customer
) -> None:
    receiver.answers = [500, "hang"]
    submit(alice, "SUB-A-1")  # submitted + confirmed: two events, in this order
    with time_machine.travel(NOW, tick=True):
        assert drain() == 1  # the first attempt fails; the second event waits its turn
    delivery = WebhookDelivery.objects.order_by("id").first()
    assert delivery is not None and delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1 and delivery.next_attempt_at is not None
    first = WebhookAttempt.objects.get()
    assert first.status_code == 500 and first.response_excerpt == "receiver error"
    with time_machine.travel(NOW + timedelta(seconds=31), tick=True):
        drain()  # the retry times out
    timeout = WebhookAttempt.objects.order_by("-id").first()
    assert timeout is not None and timeout.status_code is None and "timed out" in timeout.error
    with time_machine.travel(NOW + timedelta(minutes=5), tick=True):
        drain()
    assert [m["type"] for m in receiver.received] == ["request.submitted", "request.confirmed"]
    assert WebhookAttempt.objects.count() == 4


def test_an_endpoint_failing_for_three_days_is_disabled_and_supervisors_told(
    receiver: Receiver, alice: Customer, supervisor: User
) -> None:
    supervisor.email = "chef@mls.nc"
    supervisor.save()
    receiver.answers = [503] * 200
    with time_machine.travel(NOW, tick=False):
        submit(alice, "SUB-A-1")
    moment = NOW
    for _ in range(60):
        with time_machine.travel(moment, tick=False):
            drain(moment)
        moment += timedelta(hours=2)
    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.active and "HTTP 503" in endpoint.disabled_reason
    email = OutboundEmail.objects.get(template="webhook_disabled")
    assert email.to == "chef@mls.nc" and receiver.url in email.body_text
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).exists()
    run_worker()
    assert any(receiver.url in str(m.body) for m in mail.outbox)


def test_a_delivery_can_be_replayed_with_the_same_id(
    receiver: Receiver, alice: Customer, supervisor: User
) -> None:
    submit(alice, "SUB-A-1")
    drain()
    first = WebhookDelivery.objects.order_by("id").first()
    assert first is not None
    webhook_replay(delivery=first, actor=supervisor)
    drain()
    ids = [m["id"] for m in receiver.received]
    assert ids[0] == ids[-1] and len(ids) == 3


def test_an_endpoint_only_gets_the_types_it_asked_for(
    receiver: Receiver, alice: Customer, supervisor: User
) -> None:
    WebhookEndpoint.objects.update(event_types=["request.withdrawn"])
    request = submit(alice, "SUB-A-1")
    request_withdraw(request=request, actor=None, now=NOW)
    drain()
    assert [m["type"] for m in receiver.received] == ["request.withdrawn"]
    assert json.loads(WebhookDelivery.objects.get().event.body)["data"]["status"] == "withdrawn"


def test_redirects_are_not_followed_and_private_addresses_refused_at_send(
    receiver: Receiver, alice: Customer, settings: Any
) -> None:
    receiver.answers = [302]
    submit(alice, "SUB-A-1")
    drain()
    first = WebhookAttempt.objects.order_by("id").first()
    assert first is not None and first.status_code == 302  # a failure, not followed
    settings.RESILIA_WEBHOOK_ALLOW_PRIVATE = False
    drain(timezone.now() + timedelta(minutes=5))  # the retry's turn
    last = WebhookAttempt.objects.order_by("-id").first()
    assert last is not None and last.status_code is None and "réseau privé" in last.error


def test_changes_made_while_an_endpoint_is_disabled_go_out_in_order_when_enabled(
    receiver: Receiver, alice: Customer, supervisor: User, agent: User
) -> None:
    endpoint = WebhookEndpoint.objects.get()
    webhook_endpoint_enable(endpoint=endpoint, active=False, actor=supervisor)
    request = submit(alice, "SUB-A-1")
    request_withdraw(request=request, actor=None, now=NOW)
    assert drain() == 0  # nothing is attempted while it is disabled
    assert WebhookAttempt.objects.count() == 0
    webhook_endpoint_enable(endpoint=endpoint, active=True, actor=supervisor)
    drain()
    assert [m["type"] for m in receiver.received] == [
        "request.submitted",
        "request.confirmed",
        "request.withdrawn",
    ]


def test_every_event_is_kept_and_a_replay_sends_everything_since_a_moment(
    receiver: Receiver, alice: Customer, supervisor: User
) -> None:
    WebhookEndpoint.objects.all().delete()  # nobody listens ...
    request = submit(alice, "SUB-A-1")
    request_withdraw(request=request, actor=None, now=NOW)
    assert WebhookEvent.objects.count() == 3  # ... and every event is written all the same
    endpoint, receiver.secret = webhook_endpoint_create(
        url=receiver.url, event_types=[], description="late", actor=supervisor
    )
    assert (
        webhook_replay_since(
            endpoint=endpoint, since=timezone.now() - timedelta(hours=1), actor=supervisor
        )
        == 3
    )
    drain()
    assert [m["data"]["reference"] for m in receiver.received] == [request.reference] * 3
    assert [m["type"] for m in receiver.received][-1] == "request.withdrawn"


def test_a_supervisor_replays_from_a_day_in_the_back_office(
    receiver: Receiver, alice: Customer, supervisor: User
) -> None:
    from django.test import Client
    from django.urls import reverse

    submit(alice, "SUB-A-1")
    drain()
    endpoint = WebhookEndpoint.objects.get()
    client = Client()
    client.force_login(supervisor)
    page = reverse("backoffice:endpoint_detail", args=[endpoint.pk])
    assert 'name="since"' in client.get(page).content.decode()
    action = reverse("backoffice:endpoint_action", args=[endpoint.pk, "replay-since"])
    day = timezone.localdate(timezone.now()).isoformat()
    answer = client.post(action, {"since": day}, follow=True).content.decode()
    assert "2 événements seront envoyés à nouveau" in answer
    assert (
        "Indiquez le jour" in client.post(action, {"since": "demain"}, follow=True).content.decode()
    )
    drain()
    assert len(receiver.received) == 4


@pytest.mark.parametrize(
    "host",
    [
        "[64:ff9b::7f00:1]",  # NAT64 for 127.0.0.1
        "[64:ff9b::a9fe:a9fe]",  # NAT64 for 169.254.169.254, the cloud's metadata
        "[64:ff9b::a00:1]",  # NAT64 for 10.0.0.1
        "[2002:c0a8:101::1]",  # 6to4 for 192.168.1.1
        "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
        "[::ffff:127.0.0.1]",
        "[::7f00:1]",  # IPv4-compatible (::/96) for 127.0.0.1
        "[::127.0.0.1]",
        "[::a9fe:a9fe]",
        "224.0.0.1",  # multicast, which is_global lets through
        "239.255.255.250",
        "[ff02::1]",
    ],
)
def test_addresses_that_carry_a_private_one_are_refused(host: str, settings: Any) -> None:
    from webhooks.addresses import refusal

    settings.RESILIA_WEBHOOK_ALLOW_PRIVATE = False
    assert refusal(f"https://{host}/hooks") is not None


def test_a_public_address_through_nat64_is_allowed(settings: Any) -> None:
    from webhooks.addresses import refusal

    settings.RESILIA_WEBHOOK_ALLOW_PRIVATE = False
    assert refusal("https://[64:ff9b::808:808]/hooks") is None  # 8.8.8.8


def test_an_attempt_connects_to_the_address_that_was_checked(
    receiver: Receiver, alice: Customer, supervisor: User
) -> None:
    """DNS rebinding: the name answers the checked address, then another one. The attempt
    goes to the checked one (here the receiver), never to the second answer."""
    import socket
    from unittest import mock

    real = socket.getaddrinfo
    answers = ["127.0.0.1"]  # the first lookup; every later one says 10.255.255.1

    def rebinding(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        address = answers.pop(0) if answers else "10.255.255.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    port = receiver.url.split(":")[2].split("/")[0]
    WebhookEndpoint.objects.update(url=f"http://hooks.example.test:{port}/hooks")
    submit(alice, "SUB-A-1")
    with mock.patch("socket.getaddrinfo", rebinding):
        drain()
    assert [m["type"] for m in receiver.received][:1] == ["request.submitted"]
    assert WebhookAttempt.objects.order_by("id").first().status_code == 200  # type: ignore[union-attr]
