"""A change of provider placed by two gaining providers through the switching API: match,
order, follow, move, cancel; the customer's objection from the e-mail's link; completion
by the daily run; every bad input answered with a stable code and nothing changed; and
the webhooks each provider receives, verified with the standardwebhooks library by a
real receiver."""

import json
import re
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from access_forms.models import AccessLineForm
from accounts.models import User
from api.keys import api_key_create
from cancellations.completion import handle_due_completions
from cancellations.models import CancellationRequest
from customers.models import Customer, Subscription
from customers.switching_codes import grouped, is_well_formed, new_code
from notifications.models import OutboundEmail
from switching.models import Provider, Switch, SwitchMatch
from testing.helpers import delivered_link, run_worker, sign
from toolbox.noumea import NOUMEA
from webhooks.services import webhook_endpoint_create
from webhooks.tests.test_delivery import Receiver, drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(supervisor: User) -> dict[str, str]:
    """Two gaining providers' switching keys, and the ISP's own write key."""
    found = {}
    for name, scope in (("Lagoon", "switching"), ("Can'l", "switching"), ("Billing", "write")):
        _, found[name] = api_key_create(name=name, scope=scope, expires_at=None, actor=supervisor)
    return found


def call(key: str, method: str, path: str, body: object = None, **headers: str) -> Any:
    client = Client()
    sent = {"Authorization": f"Bearer {key}", **headers}
    if method == "get":
        return client.get(f"/api/v1{path}", headers=sent)
    return client.post(
        f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", headers=sent
    )


def code_of(customer: Customer, reference: str = "SUB-A-1") -> str:
    return customer.subscriptions.get(reference=reference).switching_code


def matched(key: str, alice: Customer) -> dict[str, Any]:
    answer = call(
        key,
        "post",
        "/switches/match",
        {"switching_code": grouped(code_of(alice)).lower(), "holder_last_name": "wayaridri"},
    )
    assert answer.status_code == 200, answer.content
    return answer.json()  # type: ignore[no-any-return]


def ordered(key: str, alice: Customer, planned: str = "2026-12-15") -> dict[str, Any]:
    match = matched(key, alice)
    answer = call(
        key, "post", "/switches", {"match_id": match["match_id"], "planned_date": planned}
    )
    assert answer.status_code == 201, answer.content
    return answer.json()  # type: ignore[no-any-return]


def test_switching_codes_catch_typos_and_are_given_to_the_billing_system(
    alice: Customer, keys: dict[str, str]
) -> None:
    code = code_of(alice)
    assert is_well_formed(code) and len(code) == 12
    assert code != code_of(alice, "SUB-A-2")
    for position in range(12):
        typo = code[:position] + ("2" if code[position] != "2" else "3") + code[position + 1 :]
        assert not is_well_formed(typo)
    customer = call(keys["Billing"], "get", "/customers/C100001").json()
    assert {s["reference"]: s["switching_code"] for s in customer["subscriptions"]} == {
        "SUB-A-1": code,
        "SUB-A-2": code_of(alice, "SUB-A-2"),
    }
    assert is_well_formed(new_code())


def test_a_match_tells_the_customer_at_once_and_what_it_means(
    alice: Customer, keys: dict[str, str]
) -> None:
    answer = call(
        keys["Lagoon"],
        "post",
        "/switches/match",
        {
            "switching_code": grouped(code_of(alice)),
            "holder_last_name": "WAYARÍDRI",  # accents and case aside
            "access_line": "25 43 18",
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["subscription"] == {"plan": "Fibre 100", "access_line": "254318"}
    # Tomorrow: the first date an order accepts (the customer may say no until tonight).
    assert body["implications"]["earliest_date"] == "2026-11-11"
    assert body["implications"]["billing_end"] == "2026-11-30"
    assert body["implications"]["months_billed"] == [{"month": "2026-11", "amount_xpf": 6900}]
    assert body["implications"]["no_fee"] is True
    assert [m["address"] for m in body["implications"]["mailboxes"]] == [
        "alice@mls.nc",
        "famille@mls.nc",
    ]
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)")
    message = mail.outbox[-1]
    assert message.to == ["alice@example.nc"]
    assert "Lagoon" in str(message.subject) and "Lagoon" in str(message.body)
    assert "6\u00a0900\u00a0F" in str(message.body)  # the thousands space, never cut
    assert "alice@mls.nc, famille@mls.nc" in str(message.body)
    page = Client().get(link.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert (
        "Je n&#x27;ai rien demandé" in page.content.decode()
        or "Je n'ai rien demandé" in page.content.decode()
    )


def test_wrong_code_and_wrong_name_answer_alike_after_the_same_work(
    alice: Customer, bob: Customer, keys: dict[str, str]
) -> None:
    """Nothing tells whether a customer exists: the same status and body, and the same
    database work (the same queries, so no timing difference either)."""
    # The key's first use and first failure are noted once: not part of the comparison.
    warm_up = {"switching_code": new_code(), "holder_last_name": "x"}
    assert call(keys["Lagoon"], "post", "/switches/match", warm_up).status_code == 404
    answers, work = [], []
    for code, name in ((new_code(), "Wayaridri"), (code_of(alice), "Tein")):
        with CaptureQueriesContext(connection) as queries:
            answer = call(
                keys["Lagoon"], "post", "/switches/match",
                {"switching_code": code, "holder_last_name": name},
            )  # fmt: skip
        answers.append((answer.status_code, answer.json()))
        work.append([re.sub(r"s\d+_x\d+|'[^']*'", "…", q["sql"]) for q in queries.captured_queries])
    assert answers[0] == answers[1]
    assert answers[0][0] == 404 and answers[0][1]["code"] == "no_match"
    assert work[0] == work[1]
    assert len(mail.outbox) == 0
    # A first name alone is not the last name.
    alone = call(
        keys["Lagoon"], "post", "/switches/match",
        {"switching_code": code_of(alice), "holder_last_name": "Alice"},
    )  # fmt: skip
    assert alone.status_code == 404


def test_a_mistyped_code_is_refused_before_any_lookup(
    alice: Customer, keys: dict[str, str]
) -> None:
    code = code_of(alice)
    typo = code[:3] + ("2" if code[3] != "2" else "3") + code[4:]
    with CaptureQueriesContext(connection) as queries:
        answer = call(
            keys["Lagoon"], "post", "/switches/match",
            {"switching_code": typo, "holder_last_name": "Wayaridri"},
        )  # fmt: skip
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_code"
    assert not any("customers_subscription" in q["sql"] for q in queries.captured_queries)


def test_guessing_names_for_one_code_stops_working(alice: Customer, keys: dict[str, str]) -> None:
    """Each failure counts, with or without an Idempotency-Key (a fresh key per guess
    once made the count roll back with the refusal)."""
    for n, name in enumerate(("Dupont", "Martin", "Nguyen", "Tein", "Kaloi")):
        assert call(
            keys["Can'l"], "post", "/switches/match",
            {"switching_code": code_of(alice), "holder_last_name": name},
            **({"Idempotency-Key": f"guess-{n}"} if n % 2 else {}),
        ).status_code == 404  # fmt: skip
    right = call(
        keys["Can'l"], "post", "/switches/match",
        {"switching_code": code_of(alice), "holder_last_name": "Wayaridri"},
    )  # fmt: skip
    assert right.status_code == 404 and right.json()["code"] == "no_match"
    # One provider's guesses never block the code for another.
    other = call(
        keys["Lagoon"], "post", "/switches/match",
        {"switching_code": code_of(alice), "holder_last_name": "Wayaridri"},
    )  # fmt: skip
    assert other.status_code == 200


def test_the_whole_switch_from_two_providers(
    alice: Customer, bob: Customer, keys: dict[str, str], supervisor: User, settings: Any
) -> None:
    settings.RESILIA_WEBHOOK_TIMEOUT = 1
    settings.RESILIA_WEBHOOK_ALLOW_PRIVATE = True
    receivers = {}
    for name in ("Lagoon", "Can'l"):
        receiver = Receiver()
        _, receiver.secret = webhook_endpoint_create(
            url=receiver.url,
            event_types=[],
            description=name,
            actor=supervisor,
            provider_id=Provider.objects.get(name=name).pk,
        )
        receivers[name] = receiver

    # Lagoon takes Alice's fibre; Can'l Bob's ADSL.
    switch = ordered(keys["Lagoon"], alice)
    assert switch["status"] == "ordered" and switch["reference"] == "SW-2026-000001"
    assert switch["effective_date"] == "2026-12-15" and switch["billing_end"] == "2026-12-31"
    request = CancellationRequest.objects.get(reference=switch["request"])
    assert (request.kind, request.new_isp, request.channel) == ("isp_change", "Lagoon", "switch")
    form = AccessLineForm.objects.get(request=request)
    assert form.kind == "isp_release" and form.switch_reference == "SW-2026-000001"
    assert form.status == "awaiting_signature"  # the holder signs online, as today
    sign(request)  # Lagoon hears of the form's steps
    assert call(keys["Lagoon"], "get", "/switches/SW-2026-000001").json()["form"]["signed"]
    match = call(
        keys["Can'l"], "post", "/switches/match",
        {"switching_code": code_of(bob, "SUB-B-1"), "holder_last_name": "Tein"},
    ).json()  # fmt: skip
    bobs = call(
        keys["Can'l"], "post", "/switches",
        {"match_id": match["match_id"], "planned_date": "2026-12-20"},
    ).json()  # fmt: skip
    assert bobs["reference"] == "SW-2026-000002"

    # Each sees its own switches only.
    assert call(keys["Can'l"], "get", f"/switches/{switch['reference']}").status_code == 404
    assert call(keys["Lagoon"], "get", f"/switches/{bobs['reference']}").status_code == 404
    assert call(keys["Lagoon"], "get", "/switches/sw-2026-000001").json()["status"] == "ordered"

    # Lagoon moves its switch; Can'l calls its own off.
    moved = call(
        keys["Lagoon"], "post", f"/switches/{switch['reference']}/reschedule",
        {"planned_date": "2027-01-05"},
    )  # fmt: skip
    assert moved.status_code == 200, moved.content
    assert moved.json()["effective_date"] == "2027-01-05"
    assert moved.json()["billing_end"] == "2027-01-31"
    assert Subscription.objects.get(reference="SUB-A-1").ends_on == date(2027, 1, 5)
    assert AccessLineForm.objects.get(request=request).form_date == date(2027, 1, 5)
    cancelled = call(
        keys["Can'l"], "post", f"/switches/{bobs['reference']}/cancel", {"reason": "Client parti"}
    )
    assert cancelled.json()["status"] == "cancelled"
    assert CancellationRequest.objects.get(reference=bobs["request"]).status == "withdrawn"
    again = call(keys["Can'l"], "post", f"/switches/{bobs['reference']}/cancel", {"reason": "x"})
    assert again.status_code == 409 and again.json()["code"] == "switch_cancelled"

    # The day comes: the daily run completes Alice's switch.
    with time_machine.travel(datetime(2027, 1, 6, 0, 10, tzinfo=NOUMEA), tick=False):
        handle_due_completions(date(2027, 1, 6))
        assert (
            call(keys["Lagoon"], "get", "/switches/SW-2026-000001").json()["status"] == "completed"
        )
        late = call(
            keys["Lagoon"], "post", "/switches/SW-2026-000001/reschedule",
            {"planned_date": "2027-02-01"},
        )  # fmt: skip
        assert late.status_code == 409 and late.json()["code"] == "switch_completed"
        run_worker()
        drain()
    lagoon = [(m["type"], m["data"].get("reference")) for m in receivers["Lagoon"].received]
    canl = [(m["type"], m["data"].get("reference")) for m in receivers["Can'l"].received]
    assert lagoon == [
        ("switch.ordered", "SW-2026-000001"),
        ("switch.form_signed", "SW-2026-000001"),
        ("switch.rescheduled", "SW-2026-000001"),
        ("switch.completed", "SW-2026-000001"),
    ]
    assert canl == [("switch.ordered", "SW-2026-000002"), ("switch.cancelled", "SW-2026-000002")]
    assert receivers["Lagoon"].refused == receivers["Can'l"].refused == 0
    for receiver in receivers.values():
        receiver.server.shutdown()


def test_the_customer_objects_from_the_emails_link(
    alice: Customer, keys: dict[str, str], supervisor: User
) -> None:
    switch = ordered(keys["Lagoon"], alice)
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)").removeprefix("http://127.0.0.1:8000")
    client = Client()
    page = client.get(link).content.decode()
    assert switch["reference"] in page and "Lagoon" in page
    client.post(link, {"action": "object", "confirmed": "yes"})
    assert Switch.objects.get().status == "objected"
    assert CancellationRequest.objects.get(reference=switch["request"]).status == "withdrawn"
    assert AccessLineForm.objects.get(request__reference=switch["request"]).status == "cancelled"
    answer = call(keys["Lagoon"], "get", f"/switches/{switch['reference']}").json()
    assert answer["status"] == "objected" and answer["objected_at"]
    refused = call(
        keys["Lagoon"], "post", f"/switches/{switch['reference']}/cancel", {"reason": "x"}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "switch_objected"
    # The customer's "no" is to Lagoon: it cannot match her again for now.
    again = call(
        keys["Lagoon"], "post", "/switches/match",
        {"switching_code": code_of(alice), "holder_last_name": "Wayaridri"},
    )  # fmt: skip
    assert again.status_code == 409 and again.json()["code"] == "objected"
    # Before any order, an objection stops the order, and the provider's other matches.
    first = matched(keys["Can'l"], alice)
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)").removeprefix("http://127.0.0.1:8000")
    Client().post(link, {"action": "object", "confirmed": "yes"})
    order = call(
        keys["Can'l"],
        "post",
        "/switches",
        {"match_id": first["match_id"], "planned_date": "2026-12-15"},
    )
    assert order.status_code == 409 and order.json()["code"] == "objected"
    assert call(
        keys["Can'l"], "post", "/switches/match",
        {"switching_code": code_of(alice), "holder_last_name": "Wayaridri"},
    ).status_code == 409  # fmt: skip


def test_bad_input_changes_nothing(alice: Customer, keys: dict[str, str]) -> None:
    match = matched(keys["Lagoon"], alice)
    for body, status, code in (
        ({"match_id": match["match_id"], "planned_date": "2026-11-01"}, 422, "date_in_past"),
        ({"match_id": match["match_id"], "planned_date": "2026-11-10"}, 422, "date_too_soon"),
        # The refusal says the first date that is accepted.
        ({"match_id": match["match_id"], "planned_date": "2027-12-01"}, 422, "date_too_far"),
        ({"match_id": match["match_id"], "planned_date": "15/12/2026"}, 422, "invalid_date"),
        ({"match_id": "mt_unknown", "planned_date": "2026-12-15"}, 404, "not_found"),
    ):
        answer = call(keys["Lagoon"], "post", "/switches", body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
    too_soon = call(
        keys["Lagoon"],
        "post",
        "/switches",
        {"match_id": match["match_id"], "planned_date": "2026-11-10"},
    )
    assert too_soon.json()["earliest_date"] == match["implications"]["earliest_date"]
    assert "2026-11-11" in too_soon.json()["message"]
    # Another provider cannot order Lagoon's match.
    other = call(
        keys["Can'l"],
        "post",
        "/switches",
        {"match_id": match["match_id"], "planned_date": "2026-12-15"},
    )
    assert other.status_code == 404
    assert not CancellationRequest.objects.exists()
    # A renewed code ends its matches and matches nothing.
    from switching.matching import switching_code_renew

    old = code_of(alice)
    switching_code_renew(subscription=alice.subscriptions.get(reference="SUB-A-1"), actor=None)
    expired = call(
        keys["Lagoon"],
        "post",
        "/switches",
        {"match_id": match["match_id"], "planned_date": "2026-12-15"},
    )
    assert expired.status_code == 409 and expired.json()["code"] == "match_expired"
    assert call(
        keys["Lagoon"], "post", "/switches/match",
        {"switching_code": old, "holder_last_name": "Wayaridri"},
    ).status_code == 404  # fmt: skip
    # A subscription with a request under way.
    ordered(keys["Lagoon"], alice)
    busy = call(
        keys["Can'l"], "post", "/switches/match",
        {"switching_code": code_of(alice), "holder_last_name": "Wayaridri"},
    )  # fmt: skip
    assert busy.status_code == 409 and busy.json()["code"] == "request_open"


def test_key_scopes(alice: Customer, keys: dict[str, str]) -> None:
    """A switching key opens the switching endpoints only, and only it opens them."""
    assert call(keys["Lagoon"], "get", "/requests").status_code == 403
    assert call(keys["Lagoon"], "get", "/customers/C100001").status_code == 403
    refused = call(
        keys["Billing"], "post", "/switches/match",
        {"switching_code": code_of(alice), "holder_last_name": "Wayaridri"},
    )  # fmt: skip
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    assert len(mail.outbox) == 0


def test_matching_again_within_a_day_sends_no_second_email(
    alice: Customer, keys: dict[str, str]
) -> None:
    first = matched(keys["Lagoon"], alice)
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code_of(alice))
    again = call(
        keys["Lagoon"], "post", "/switches/match",
        {"switching_code": wide, "holder_last_name": "Wayaridri"},  # full-width characters
    )  # fmt: skip
    assert again.status_code == 200 and again.json()["match_id"] == first["match_id"]
    run_worker()
    assert len([m for m in mail.outbox if "Lagoon" in str(m.subject)]) == 1


def test_moving_a_switch_to_its_own_date_changes_nothing(
    alice: Customer, keys: dict[str, str]
) -> None:
    switch = ordered(keys["Lagoon"], alice)
    run_worker()
    sent = len(mail.outbox)
    same = call(
        keys["Lagoon"], "post", f"/switches/{switch['reference']}/reschedule",
        {"planned_date": "2026-12-15"},
    )  # fmt: skip
    assert same.status_code == 200
    run_worker()
    assert len(mail.outbox) == sent


def test_the_earliest_date_shown_is_the_first_an_order_accepts(
    alice: Customer, keys: dict[str, str]
) -> None:
    match = matched(keys["Lagoon"], alice)
    earliest = match["implications"]["earliest_date"]
    order = call(
        keys["Lagoon"], "post", "/switches",
        {"match_id": match["match_id"], "planned_date": earliest},
    )  # fmt: skip
    assert order.status_code == 201, order.content
    assert order.json()["effective_date"] == earliest


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_twenty_simultaneous_matches_make_one_match_and_one_email(
    alice: Customer, keys: dict[str, str]
) -> None:
    import threading

    from django.db import connections

    barrier = threading.Barrier(20)
    answers: list[str] = []

    def match() -> None:
        try:
            barrier.wait(timeout=20)
            answer = call(
                keys["Lagoon"], "post", "/switches/match",
                {"switching_code": code_of(alice), "holder_last_name": "Wayaridri"},
            )  # fmt: skip
            answers.append(answer.json().get("match_id", answer.json().get("code")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=match) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 20 and len(set(answers)) == 1, answers
    assert SwitchMatch.objects.count() == 1
    assert OutboundEmail.objects.filter(template="switch_matched").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
def test_a_stop_a_call_off_a_move_and_a_mailbox_choice_at_once_end_in_one_state(
    alice: Customer, keys: dict[str, str]
) -> None:
    """Each takes its locks in one order (match, switch, request): none deadlocks, one of
    the stop and the call-off wins, and the other is told so."""
    import threading

    from django.db import connections

    switch = ordered(keys["Lagoon"], alice)
    link = delivered_link(r"(http://\S+/transfert/[^/\s]+/)").removeprefix("http://127.0.0.1:8000")
    reference = switch["reference"]
    barrier = threading.Barrier(4)
    answers: dict[str, int] = {}

    def run(name: str, act: Any) -> None:
        try:
            barrier.wait(timeout=20)
            answers[name] = act().status_code
        finally:
            connections.close_all()

    steps = {
        "stop": lambda: Client().post(link, {"action": "object", "confirmed": "yes"}),
        "call_off": lambda: call(
            keys["Lagoon"], "post", f"/switches/{reference}/cancel", {"reason": "Annulé"}
        ),
        "move": lambda: call(
            keys["Lagoon"],
            "post",
            f"/switches/{reference}/reschedule",
            {"planned_date": "2026-12-22"},
        ),
        "mailboxes": lambda: Client().post(link, {"action": "retention", "months": "3"}),
    }
    threads = [threading.Thread(target=run, args=item) for item in steps.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == sorted(steps), answers  # every one answered: no deadlock
    assert answers["stop"] == 302 and answers["mailboxes"] == 302
    assert answers["call_off"] in (200, 409) and answers["move"] in (200, 409)
    final = Switch.objects.get(reference=reference)
    assert final.status in ("objected", "cancelled")
    assert (final.objected_at is None) != (final.cancelled_at is None)
    assert (answers["call_off"] == 200) == (final.status == "cancelled")
