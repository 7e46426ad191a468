"""The switching budgets and the API's failed-key limit hold when the attempts arrive
together: parallel calls to a live server, each with its own database connection, and
the count each attempt has just written decides."""

from typing import Any

import pytest
import requests

from accounts.models import User
from api.auth import FAILURES_ALLOWED
from api.keys import api_key_create
from customers.models import Customer
from customers.switching_codes import new_code
from switching.matching import FAILED_MATCHES_PER_PROVIDER_PER_HOUR
from switching.models import SwitchMatch
from testing.helpers import together

pytestmark = pytest.mark.django_db(transaction=True)


def _match(url: str, key: str, code: str, name: str) -> Any:
    return lambda: requests.post(
        f"{url}/api/v1/switches/match",
        json={"switching_code": code, "holder_last_name": name},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )


def test_a_providers_failed_matches_stop_exactly_at_its_budget(
    live_server: Any, alice: Customer, supervisor: User
) -> None:
    _, key = api_key_create(name="Lagoon", scope="switching", expires_at=None, actor=supervisor)
    # Most of the budget one after the other, the last five and ten more together (the
    # test server's listen queue is short).
    before, left, extra = FAILED_MATCHES_PER_PROVIDER_PER_HOUR - 5, 5, 10
    for _ in range(before):
        assert _match(str(live_server), key, new_code(), "Dupont")().status_code == 404
    sent = [_match(str(live_server), key, new_code(), "Dupont") for _ in range(left + extra)]
    statuses = [a.status_code for a in together(sent)]
    assert statuses.count(404) == left, statuses
    assert statuses.count(429) == extra


def test_guesses_at_one_code_sent_together_leave_it_blocked(
    live_server: Any, alice: Customer, supervisor: User
) -> None:
    _, key = api_key_create(name="Lagoon", scope="switching", expires_at=None, actor=supervisor)
    code = alice.subscriptions.get(reference="SUB-A-1").switching_code
    names = ["Dupont", "Martin", "Nguyen", "Tein", "Kaloi", "Wamytan", "Gope", "Hnawia"]
    answers = together([_match(str(live_server), key, code, name) for name in names])
    assert {a.status_code for a in answers} == {404}
    # Eight failures counted, past the five a day: even the right name matches nothing.
    right = _match(str(live_server), key, code, "Wayaridri")()
    assert right.status_code == 404 and right.json()["code"] == "no_match"
    assert not SwitchMatch.objects.exists()


def test_bad_api_keys_sent_together_get_exactly_the_allowed_answers(live_server: Any) -> None:
    def bad(n: int) -> Any:
        return lambda: requests.get(
            f"{live_server}/api/v1/requests",
            headers={"Authorization": f"Bearer rsl_not-a-key-{n:04d}"},
            timeout=60,
        )

    before, left, extra = FAILURES_ALLOWED - 5, 5, 10
    assert all(bad(n)().status_code == 401 for n in range(before))
    statuses = [a.status_code for a in together([bad(n) for n in range(left + extra)])]
    assert statuses.count(401) == left, statuses
    assert statuses.count(429) == extra
