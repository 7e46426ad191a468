"""The log-in lockout and the page without log-in's limits hold when attempts arrive
together: parallel requests to a live server, each on its own connection (the API's and
switching's are in switching/tests/test_limits_under_concurrency.py)."""

import re
from threading import Lock
from typing import Any

import pytest
import requests
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from cancellations.public_views import SUBMISSIONS_PER_ADDRESS
from customers.models import Customer
from rules import month_end
from testing.helpers import PASSWORD, together
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _poster(url: str, data: dict[str, str]) -> Any:
    """A browser that has loaded the page (its CSRF cookie and token), ready to send."""
    page = requests.get(url, timeout=60)
    token = TOKEN.search(page.text)
    assert token, page.text[:500]
    # The cookie is marked Secure (production settings); this client sends it over HTTP.
    cookies = {"csrftoken": str(page.cookies.get("csrftoken", ""))}
    body = {**data, "csrfmiddlewaretoken": token.group(1)}
    return lambda: requests.post(url, data=body, cookies=cookies, allow_redirects=False, timeout=60)


def test_wrong_passwords_sent_together_are_tried_exactly_up_to_the_lockout(
    live_server: Any, alice: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The live server runs in this process: count the passwords it actually checks.
    tried: list[str] = []
    lock = Lock()
    check = User.check_password

    def counted(user: User, raw_password: str | None) -> bool:
        with lock:
            tried.append(raw_password or "")
        return check(user, raw_password)

    monkeypatch.setattr(User, "check_password", counted)
    url = f"{live_server}/connexion/"
    limit = settings.AXES_FAILURE_LIMIT
    wrong = [_poster(url, {"username": "C100001", "password": f"guess-{n}"}) for n in range(15)]
    statuses = [answer.status_code for answer in together(wrong)]
    assert len(tried) == limit, statuses  # no more guesses than the lockout allows
    assert statuses.count(200) == limit - 1, statuses  # "do not match", the form again
    assert statuses.count(429) == 15 - (limit - 1), statuses  # the lockout page
    # Locked: even the right password is not tried.
    assert _poster(url, {"username": "C100001", "password": PASSWORD})().status_code == 429
    assert len(tried) == limit


def test_public_submissions_sent_together_stop_exactly_at_the_address_limit(
    live_server: Any, alice: Customer
) -> None:
    url = f"{live_server}/resilier-mon-contrat/"
    day = month_end(timezone.now().astimezone(NOUMEA).date())

    def form(n: int) -> dict[str, str]:
        return {
            "client_code": f"C9{n:05d}",
            "last_name": "Dupont",
            "contact": f"visitor{n}@example.nc",
            "subscription": "254 318",
            "desired_date": day.isoformat(),
            "kind": "definitive",
            "form_nonce": f"{n:032x}",
        }

    before, left, extra = SUBMISSIONS_PER_ADDRESS - 5, 5, 10
    for n in range(before):
        assert _poster(url, form(n))().status_code == 302
    sent = [_poster(url, form(100 + n)) for n in range(left + extra)]
    statuses = [answer.status_code for answer in together(sent)]
    assert statuses.count(302) == left, statuses
    assert statuses.count(429) == extra, statuses
