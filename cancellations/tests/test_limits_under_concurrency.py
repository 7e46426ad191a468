"""Limits hold when the attempts arrive together: sixteen browsers post the public form at
the same instant, from one address, to a live server with its own database connections."""

import re
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests
from django.urls import reverse

from cancellations.models import PublicSubmission
from cancellations.public_views import SUBMISSIONS_PER_ADDRESS
from customers.models import Customer

PARALLEL = 16


def _post_together(url: str, barrier: Barrier, n: int) -> int:
    session = requests.Session()
    page = session.get(url, timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    data = {
        "csrfmiddlewaretoken": token.group(1),
        "client_code": f"C7{n:05d}",
        "last_name": "Wayaridri",
        "contact": f"visitor{n}@example.nc",
        "subscription": "254 318",
        "desired_date": "2026-12-31",
        "kind": "definitive",
        "form_nonce": f"{n:032x}",
    }
    # The cookies are marked Secure (production settings): sent by hand over plain http.
    cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    barrier.wait(timeout=30)
    answer = requests.post(
        url,
        data=data,
        headers={"Referer": url, "Cookie": cookies},
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code


@pytest.mark.django_db(transaction=True)
def test_parallel_posts_never_pass_the_limit(live_server: object, alice: Customer) -> None:
    url = f"{live_server}{reverse('cancellations:public_cancel')}"
    barrier = Barrier(PARALLEL)
    with ThreadPoolExecutor(PARALLEL) as pool:
        codes = list(pool.map(lambda n: _post_together(url, barrier, n), range(PARALLEL)))
    assert sorted(set(codes)) == [302, 429], codes
    assert codes.count(302) == SUBMISSIONS_PER_ADDRESS
    assert PublicSubmission.objects.count() == SUBMISSIONS_PER_ADDRESS
