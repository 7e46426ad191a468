"""Time the hot pages in-process, through Django's WSGI handler (no server, no network),
on a database loaded by bench/load.py: the figures of docs/BENCHMARKS.md's "In-process"
and "Where the time goes now" tables, and the profiles behind them.

    export DJANGO_SETTINGS_MODULE=bench.settings RESILIA_VAR_DIR=var/bench/sqlite  # + the
    # environment of bench/run.sh (SECRET_KEY, DEBUG=false, [DATABASE_URL])
    .venv/bin/python bench/inprocess.py hello login home summary
    .venv/bin/python bench/inprocess.py submit --requests 400   # each uses up a session
    .venv/bin/python bench/inprocess.py home --profile     # calls per request, then
    # cProfile's 40 costliest functions
    SORT=tottime .venv/bin/python bench/inprocess.py home --profile   # by own time
    FILTER=/work/main/ TOP=60 .venv/bin/python bench/inprocess.py submit --profile  # only
    # the calls whose file matches FILTER (a regular expression), the TOP costliest
    .venv/bin/python bench/inprocess.py hello insert      # the two ceiling views
    .venv/bin/python bench/inprocess.py --parts            # the home page's parts

Each path: the second-best of 7 batches of --requests ÷ 5 requests, and its query count.
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import get_user  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from cancellations.models import CancellationRequest  # noqa: E402
from customers.selectors import subscriptions_for_customer  # noqa: E402
from rules import month_end  # noqa: E402
from toolbox.noumea import NOUMEA  # noqa: E402

APP = get_wsgi_application()


def _sessions() -> list[tuple[str, str, str]]:
    lines = (Path(os.environ["RESILIA_VAR_DIR"]) / "sessions.txt").read_text().split()
    return list(zip(lines[0::3], lines[1::3], lines[2::3], strict=True))


def _session() -> tuple[str, str, str]:
    return _sessions()[6]


def _call(
    url: str, cookie: str, query: str = "", body: bytes = b"", extra: dict[str, str] | None = None
) -> str:
    """One request through Django's WSGI handler; its status line. A body makes it a
    form POST; `extra` adds to the WSGI environ (request headers as HTTP_*)."""
    environ = {
        "REQUEST_METHOD": "POST" if body else "GET",
        "PATH_INFO": url,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        **(extra or {}),
    }
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(line)
        return lambda data: None

    b"".join(APP(environ, start_response))
    return status[0]


def _submission() -> Callable[[], None]:
    """Each submission from its own session, for its own subscription (as bench/wrk/
    submit.lua sends them): the sessions after the 100th, which the pages do not use, and
    that no earlier run has used up."""
    used = set(CancellationRequest.objects.values_list("idempotency_key", flat=True))
    sessions = iter([line for line in _sessions()[100:] if line[0] not in used])
    desired = month_end(timezone.now().astimezone(NOUMEA).date())

    def run() -> None:
        session, csrf, subscription = next(sessions)
        body = (
            f"csrfmiddlewaretoken={csrf}&subscription={subscription}&desired_date={desired}"
            f"&kind=definitive&idempotency_key={session}"
        ).encode()
        status = _call(
            "/resiliation/confirmer/", f"sessionid={session}; csrftoken={csrf}", body=body
        )
        assert status.startswith("302"), status

    return run


def _request(path: str) -> Callable[[], None]:
    if path == "submit":
        return _submission()
    if path == "insert":

        def insert() -> None:
            status = _call("/bench/insert", "", body=b"x=1")
            assert status.startswith("200"), status

        return insert
    session, csrf, subscription = _session()
    desired = month_end(timezone.now().astimezone(NOUMEA).date())
    url, query = {
        "hello": ("/bench/hello", ""),
        "login": ("/connexion/", ""),
        "home": ("/", ""),
        "summary": (
            "/resiliation/recapitulatif/",
            f"subscription={subscription}&desired_date={desired}&kind=definitive",
        ),
    }[path]
    cookie = "" if path in ("hello", "login") else f"sessionid={session}; csrftoken={csrf}"
    # The live summary is an htmx request.
    extra = {"HTTP_HX_REQUEST": "true"} if path == "summary" else {}

    def run() -> None:
        status = _call(url, cookie, query, extra=extra)
        assert status.startswith("200"), (path, status)

    return run


def _queries(run: Callable[[], None]) -> int:
    count = 0

    def counting(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal count
        count += 1
        return execute(*args)

    with connection.execute_wrapper(counting):
        run()
    return count


def time_path(path: str, requests: int, profile: bool) -> None:
    run = _request(path)
    run()
    batch = max(requests // 5, 1)
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(batch):
            run()
        times.append((time.perf_counter() - start) / batch * 1000)
    print(f"{path}: {sorted(times)[1]:.2f} ms per request, {_queries(run)} queries")
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [run() for _ in range(batch)])
        stats = pstats.Stats(profiler)
        # Unlike the timings, this count does not move with the machine's load.
        calls = sum(entry[1] for entry in stats.stats.values())  # type: ignore[attr-defined]
        print(f"{path}: {calls / batch:.0f} Python calls per request")
        stats.sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            os.environ.get("FILTER", ""), int(os.environ.get("TOP", "40"))
        )


def parts(requests: int) -> None:
    """The home page's parts, one by one: what its time is made of."""
    translation.activate("fr")
    key = _session()[0]
    factory = RequestFactory()
    request = factory.get("/")
    request.session = SessionStore(key)
    request.user = get_user(request)  # type: ignore[assignment]
    request.resolver_match = resolve("/")
    customer = request.user.customer  # type: ignore[union-attr]
    subscriptions = subscriptions_for_customer(customer)

    def identity() -> None:
        fresh = factory.get("/")
        fresh.session = SessionStore(key)
        get_user(fresh).customer  # type: ignore[union-attr]  # noqa: B018

    measured: dict[str, Callable[[], object]] = {
        "session, then the user with their customer": identity,
        "subscriptions, plans and mailboxes": lambda: subscriptions_for_customer(customer),
        "rendering the page, data in hand": lambda: render_to_string(
            "portal/home.html",
            {"customer": customer, "subscriptions": subscriptions},
            request=request,
        ),
    }
    for name, work in measured.items():
        work()
        best = min(timeit.repeat(work, number=requests, repeat=5)) / requests * 1000
        print(f"{name}: {best:.3f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "paths", nargs="*", choices=["hello", "login", "home", "summary", "submit", "insert"]
    )
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--parts", action="store_true")
    arguments = parser.parse_args()
    for name in arguments.paths:
        time_path(name, arguments.requests, arguments.profile)
    if arguments.parts:
        parts(arguments.requests)
