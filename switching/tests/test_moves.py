"""A provider moves its switch within limits: a few times a day, the customer told at
most once a day with the link to stop it, and a date brought closer leaving a week from
that e-mail."""

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client

from accounts.models import User
from api.keys import api_key_create
from customers.models import Customer
from notifications.models import OutboundEmail
from rules import SWITCH_MOVES_PER_DAY, SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE
from switching.models import Switch
from testing.helpers import SWITCHING_MORNING as MORNING
from testing.helpers import place_switch, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(supervisor: User) -> str:
    _, value = api_key_create(name="Lagoon", scope="switching", expires_at=None, actor=supervisor)
    return value


@pytest.fixture
def switch(alice: Customer, secret: str) -> Switch:
    from api.models import ApiKey

    placed = place_switch(ApiKey.objects.get(name="Lagoon"), alice, date(2026, 12, 15))
    run_worker()
    mail.outbox.clear()
    return placed


def move(secret: str, switch: Switch, planned: str) -> Any:
    return Client().post(
        f"/api/v1/switches/{switch.reference}/reschedule",
        json.dumps({"planned_date": planned}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_a_few_moves_a_day_and_one_email_a_day_telling_the_last(
    switch: Switch, secret: str
) -> None:
    # The first move is told at once.
    assert move(secret, switch, "2026-12-16").status_code == 200
    run_worker()
    assert len(mail.outbox) == 1
    first = mail.outbox[0]
    assert "Lagoon" in first.subject and "déplacé" in first.subject
    body = str(first.body)
    assert "mercredi 16 décembre 2026" in body
    assert "Vous n'avez rien demandé à Lagoon ? Arrêtez-le jusqu'au mardi 15 décembre" in body
    link = re.search(r"(http://\S+/transfert/[^/\s]+/)", body)
    assert link is not None
    assert Client().get(link.group(1).removeprefix("http://127.0.0.1:8000")).status_code == 200
    # A few more the same day, then refused until midnight; told the next morning.
    dates = ["2026-12-17", "2026-12-18", "2026-12-19", "2026-12-20", "2026-12-21"]
    answers = [move(secret, switch, d) for d in dates]
    assert [a.status_code for a in answers] == [200] * (SWITCH_MOVES_PER_DAY - 1) + [429] * 3
    refused = answers[-1]
    assert refused.json()["code"] == "too_many_moves"
    assert int(refused["Retry-After"]) == 15 * 3600  # until midnight in Nouméa
    switch.refresh_from_db()
    assert switch.planned_date == date(2026, 12, 18)
    run_worker()
    assert len(mail.outbox) == 1
    with time_machine.travel(MORNING + timedelta(hours=21, minutes=59), tick=False):
        run_worker()
        assert len(mail.outbox) == 1  # 06:59 the next day: still held
    with time_machine.travel(MORNING + timedelta(hours=22), tick=False):
        run_worker()
    assert len(mail.outbox) == 2
    assert "vendredi 18 décembre 2026" in str(mail.outbox[1].body)
    # Told this morning already: a move made later today is told tomorrow morning.
    with time_machine.travel(MORNING + timedelta(days=1, hours=1), tick=False):
        assert move(secret, switch, "2026-12-22").status_code == 200
        run_worker()
    assert len(mail.outbox) == 2
    with time_machine.travel(MORNING + timedelta(days=1, hours=22), tick=False):
        run_worker()
    assert len(mail.outbox) == 3 and "mardi 22 décembre 2026" in str(mail.outbox[2].body)
    assert OutboundEmail.objects.filter(template="switch_moved").count() == 3


def test_a_date_brought_closer_leaves_a_week_from_the_email(alice: Customer, secret: str) -> None:
    from api.models import ApiKey

    far = place_switch(ApiKey.objects.get(name="Lagoon"), alice, date(2027, 11, 1))
    tomorrow = move(secret, far, "2026-11-11")
    assert tomorrow.status_code == 422
    week = MORNING.date() + timedelta(days=SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE)
    assert tomorrow.json()["code"] == "date_too_soon"
    assert tomorrow.json()["earliest_date"] == week.isoformat()
    assert move(secret, far, (week - timedelta(days=1)).isoformat()).status_code == 422
    assert move(secret, far, week.isoformat()).status_code == 200
    # A second move today is told tomorrow morning: the week counts from then.
    later = week + timedelta(days=1)
    assert move(secret, far, (week + timedelta(days=30)).isoformat()).status_code == 200
    assert move(secret, far, week.isoformat()).json()["earliest_date"] == later.isoformat()


def test_a_stop_takes_the_held_move_message_with_it(switch: Switch, secret: str) -> None:
    assert move(secret, switch, "2026-12-16").status_code == 200
    run_worker()  # told at once
    assert move(secret, switch, "2026-12-17").status_code == 200  # held for the morning
    cancelled = Client().post(
        f"/api/v1/switches/{switch.reference}/cancel",
        json.dumps({"reason": "Installation reportée"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert cancelled.status_code == 200
    with time_machine.travel(MORNING + timedelta(days=1), tick=False):
        run_worker()
    assert [m.subject for m in mail.outbox if "déplacé" in m.subject] == [mail.outbox[0].subject]
    assert any("arrêté" in m.subject for m in mail.outbox)


def test_each_switch_event_is_told_in_its_own_words(
    alice: Customer, secret: str, supervisor: User
) -> None:
    """Matched, ordered, moved, called off, completed, refused by the ISP: each e-mail
    names the provider and never speaks of a request the customer made."""
    from api.models import ApiKey
    from cancellations.completion import handle_due_completions
    from cancellations.services import request_reject

    key = ApiKey.objects.get(name="Lagoon")
    first = place_switch(key, alice, date(2026, 12, 15))
    run_worker()
    move(secret, first, "2026-12-22")
    run_worker()
    Client().post(
        f"/api/v1/switches/{first.reference}/cancel",
        json.dumps({"reason": "Installation reportée"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    run_worker()
    second = place_switch(key, alice, date(2026, 11, 20), reference="SUB-A-2")
    run_worker()
    with time_machine.travel(MORNING + timedelta(days=11), tick=False):
        handle_due_completions(date(2026, 11, 21))
        run_worker()
    third_key, _ = api_key_create(
        name="Can'l", scope="switching", expires_at=None, actor=supervisor
    )
    with time_machine.travel(MORNING + timedelta(days=40), tick=False):
        third = place_switch(third_key, alice, date(2027, 1, 15))
        run_worker()
        request_reject(request=third.request, actor=supervisor, reason="Ligne en travaux")
        run_worker()
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        "Lagoon demande à reprendre votre ligne internet",
        "Lagoon a commandé votre changement de fournisseur : demande RES-2026-000001",
        "Lagoon a déplacé la date de votre changement de fournisseur",
        "Votre changement de fournisseur vers Lagoon est arrêté",
        "Lagoon demande à reprendre votre ligne internet",
        "Lagoon a commandé votre changement de fournisseur : demande RES-2026-000002",
        "Votre changement de fournisseur vers Lagoon est effectué",
        "Can'l demande à reprendre votre ligne internet",
        "Can'l a commandé votre changement de fournisseur : demande RES-2026-000003",
        "Votre changement de fournisseur vers Can'l ne peut pas se faire",
    ]
    for message in mail.outbox:
        body = str(message.body)
        assert "votre demande" not in body.lower().replace("(demande", ""), message.subject
        assert "retirer" not in body, message.subject
    assert second.request.reference in str(mail.outbox[6].body)


def test_a_refusal_replayed_is_the_first_answer_byte_for_byte(switch: Switch, secret: str) -> None:
    for n, planned in enumerate(("2026-12-16", "2026-12-17", "2026-12-18")):
        assert move(secret, switch, planned).status_code == 200, n
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "fourth-move"}
    url = f"/api/v1/switches/{switch.reference}/reschedule"
    body = json.dumps({"planned_date": "2026-12-19"})
    first = Client().post(url, body, content_type="application/json", headers=headers)
    again = Client().post(url, body, content_type="application/json", headers=headers)
    assert first.status_code == again.status_code == 429
    assert again.content == first.content and "retry_after" not in first.json()
    assert again["Retry-After"] == first["Retry-After"]
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
