"""The staff back office and the daily run at scale (100,000 requests by default).

The wrapper makes a scratch database, migrates it and runs both parts on SQLite and
PostgreSQL:

    bench/backoffice_speed.sh [ROWS]

By hand, on an empty, migrated database (the script refuses a database with customers):

    export SECRET_KEY=resilia-test-suite-only-never-in-production-7f3c9a1e5b2d8046 \\
        DEBUG=false SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=testserver \\
        RESILIA_VAR_DIR=/work/main/var/bench/sqlite
    .venv/bin/python manage.py migrate -v0
    .venv/bin/python manage.py collectstatic --noinput -v0
    .venv/bin/python bench/backoffice_speed.py --rows 100000           # the pages
    # the daily run wants its own empty database (a new RESILIA_VAR_DIR or DATABASE_URL):
    .venv/bin/python bench/backoffice_speed.py --rows 100000 --daily   # run_daily()

    # PostgreSQL: the same, with
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/resilia_bench_bo

Pages mode: 100,000 customers, each with one subscription (half on an access line) and one
mailbox, and one cancellation request each, received over the last 180 days, with their
events and (for the access lines) their OPTimo forms. Each back-office page is fetched once
to warm it, then timed 10 times (median and max), then once more to count its queries.

Daily mode: ROWS confirmed requests whose effective date has passed, each with one or two
active mailboxes. 2,000 completions are profiled (cProfile and the queries they make), then
`resilia.daily.run_daily()` runs in a fresh process, stopped after --time-limit seconds
(the rate and the extrapolated time for ROWS are printed), with its peak resident memory.

Data is written with bulk_create in chunks of 5,000, never through the services. On
PostgreSQL the tables are ANALYZEd after loading, as autovacuum would do; SQLite keeps no
statistics unless someone runs ANALYZE, and the application never does.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resilia.settings")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from access_forms.models import (  # noqa: E402
    AccessLineForm,
    FormKind,
    FormStatus,
    ForwardingBatch,
    SignatureSource,
)
from accounts.models import User  # noqa: E402
from accounts.roles import AGENT, ensure_roles  # noqa: E402
from cancellations.completion import handle_due_completions  # noqa: E402
from cancellations.models import (  # noqa: E402
    CancellationRequest,
    Channel,
    Kind,
    RequestEvent,
    Status,
)
from customers.models import (  # noqa: E402
    Customer,
    Mailbox,
    MailboxStatus,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from resilia.daily import run_daily  # noqa: E402
from rules import DEFAULT_CALENDAR, add_months, completion_day  # noqa: E402
from toolbox.noumea import NOUMEA  # noqa: E402

CHUNK = 5_000
RUNS = 10
PASSWORD = "bench-agent-password-1"
PLANS = [("ADSL Confort", 4500), ("VDSL 50", 5900), ("Fibre 100", 6900), ("Fibre 1G", 9900)]
FIRST = ["Alice", "Bob", "Chloé", "Didier", "Emma", "Félix", "Hnawia", "Kalena", "Léa", "Manu"]
LAST = ["Wayaridri", "Tein", "Laurent", "Roux", "Trolue", "Wénisso", "Bernard", "Falelavaki"]
NEW_ISPS = ["Lagoon", "Nautile", "Can'l", "lagoon ", "NAUTILE", "Mobilis Box"]
KINDS = [Kind.DEFINITIVE, Kind.ISP_CHANGE, Kind.MOVING, Kind.DECEASED, Kind.OTHER]
KIND_WEIGHTS = [40, 35, 15, 3, 7]
CHANNELS = [Channel.WEB, Channel.PHONE, Channel.EMAIL, Channel.API, Channel.COUNTER]
CHANNEL_WEIGHTS = [60, 15, 10, 10, 5]
RETENTIONS = [0, 0, 0, 0, 1, 3, 6, 12]


def log(message: str) -> None:
    print(message, flush=True)


def database_label() -> str:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"{engine} ({connection.settings_dict['NAME']})"


def chunks(total: int) -> Iterator[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(start + CHUNK, total))


def noumea_now() -> datetime:
    return timezone.now().astimezone(NOUMEA)


# --- Data --------------------------------------------------------------------------------


@dataclass
class Row:
    """One customer, subscription and request, before they are written."""

    index: int
    customer: Customer
    subscription: Subscription
    request: CancellationRequest
    mailboxes: list[Mailbox]


def make_customer(index: int, rng: random.Random) -> Customer:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return Customer(
        client_code=f"C{200000 + index}",
        name=f"{first} {last}",
        email=f"client{index}@example.nc",
        phone=f"{rng.randrange(70, 99)}.{rng.randrange(10, 99)}.{rng.randrange(10, 99)}",
        language="en" if rng.random() < 0.1 else "fr",
    )


def make_request(
    index: int,
    rng: random.Random,
    *,
    received_at: datetime,
    effective: date,
    status: str,
    retention: int,
) -> CancellationRequest:
    received_day = received_at.astimezone(NOUMEA).date()
    kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
    deadline = DEFAULT_CALENDAR.month_end_deadline(received_day.year, received_day.month)
    confirmed_at = None
    if status in (Status.CONFIRMED, Status.COMPLETED) or (
        status == Status.WITHDRAWN and rng.random() < 0.5
    ):
        # Most within the hour (automatic), some a few days later (by hand).
        minutes = rng.randrange(1, 60) if rng.random() < 0.8 else rng.randrange(60, 4 * 1440)
        confirmed_at = min(received_at + timedelta(minutes=minutes), timezone.now())
    return CancellationRequest(
        reference=f"RES-{received_day.year}-{index + 1:06d}",
        received_at=received_at,
        desired_date=effective,
        kind=kind,
        new_isp=rng.choice(NEW_ISPS) if kind == Kind.ISP_CHANGE else "",
        mailbox_retention_months=retention,
        phone_line_cancelled=rng.random() < 0.1,
        processing_date=received_day,
        effective_date=effective,
        billing_end=add_months(effective.replace(day=1), 1) - timedelta(days=1),
        last_month_amount_xpf=4500,
        month_end_deadline=deadline,
        on_time_for_month_end=received_at <= deadline,
        channel=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
        status=status,
        status_reason="Demande du client" if status == Status.REJECTED else "",
        confirmed_at=confirmed_at,
    )


def events_for(request: CancellationRequest) -> list[RequestEvent]:
    events = [RequestEvent(request=request, at=request.received_at, status=Status.SUBMITTED)]
    if request.confirmed_at is not None:
        events.append(
            RequestEvent(request=request, at=request.confirmed_at, status=Status.CONFIRMED)
        )
    if request.status == Status.COMPLETED:
        at = datetime.combine(completion_day(request.effective_date), datetime.min.time(), NOUMEA)
        events.append(RequestEvent(request=request, at=at, status=Status.COMPLETED))
    elif request.status in (Status.WITHDRAWN, Status.REJECTED):
        at = (request.confirmed_at or request.received_at) + timedelta(hours=2)
        events.append(RequestEvent(request=request, at=at, status=request.status))
    return events


def form_for(
    request: CancellationRequest,
    subscription: Subscription,
    rng: random.Random,
    batches: dict[date, ForwardingBatch],
) -> AccessLineForm:
    form = AccessLineForm(
        request=request,
        kind=FormKind.ISP_RELEASE if request.kind == Kind.ISP_CHANGE else FormKind.CANCELLATION,
        line_number=subscription.access_line,
        holder_name=subscription.line_holder,
        holder_address="12 rue de Sébastopol, Nouméa",
        holder_phone=subscription.customer.phone,
        holder_email=subscription.customer.email,
        form_date=request.effective_date,
    )
    now = timezone.now()
    start = request.confirmed_at or request.received_at
    if request.status in (Status.WITHDRAWN, Status.REJECTED):
        form.status = FormStatus.CANCELLED
        return form
    if request.phone_line_cancelled:
        form.status = FormStatus.AUTO_CLOSED
        return form
    roll = rng.random()
    if request.status == Status.SUBMITTED:
        choices = [FormStatus.AWAITING_SIGNATURE, FormStatus.SIGNED]
        form.status = choices[roll < 0.3]
    elif request.status == Status.CONFIRMED:
        form.status = (
            FormStatus.AWAITING_SIGNATURE
            if roll < 0.25
            else FormStatus.INVALID
            if roll < 0.3
            else FormStatus.SIGNED
            if roll < 0.45
            else FormStatus.FORWARDED
            if roll < 0.7
            else FormStatus.ACKNOWLEDGED
        )
    else:
        form.status = (
            FormStatus.NOT_NEEDED
            if roll < 0.05
            else FormStatus.REFUSED_BY_OPERATOR
            if roll < 0.08
            else FormStatus.ACKNOWLEDGED
        )
    if form.status == FormStatus.INVALID:
        form.invalid_reason = "Signature illisible"
    if form.status in (
        FormStatus.SIGNED,
        FormStatus.FORWARDED,
        FormStatus.ACKNOWLEDGED,
        FormStatus.REFUSED_BY_OPERATOR,
    ):
        form.source = rng.choice([SignatureSource.DRAWN, SignatureSource.TYPED])
        form.signer_name = subscription.line_holder
        form.signed_at = min(start + timedelta(hours=rng.randrange(1, 72)), now)
        form.signer_ip = "203.0.113.7"
        form.signer_user_agent = "Mozilla/5.0 (bench)"
        if form.status != FormStatus.SIGNED or rng.random() < 0.5:
            form.checked_at = min(form.signed_at + timedelta(hours=rng.randrange(1, 24)), now)
    if form.status in (
        FormStatus.FORWARDED,
        FormStatus.ACKNOWLEDGED,
        FormStatus.REFUSED_BY_OPERATOR,
    ):
        assert form.checked_at is not None
        forwarded = min(form.checked_at + timedelta(hours=rng.randrange(1, 30)), now)
        form.forwarded_at = forwarded
        form.batch = batches.get(forwarded.astimezone(NOUMEA).date())
        if form.status != FormStatus.FORWARDED:
            answered = forwarded + timedelta(hours=rng.randrange(4, 10 * 24))
            form.operator_answered_at = min(answered, now)
            form.operator_reference = f"OPT-{request.reference[-6:]}"
            if form.status == FormStatus.REFUSED_BY_OPERATOR:
                form.operator_refusal_reason = "Titulaire différent"
    return form


def make_batches(today: date) -> dict[date, ForwardingBatch]:
    batches = [
        ForwardingBatch(
            reference=f"LOT-{day:%Y%m%d}",
            recipient=settings.RESILIA_OPERATOR_EMAIL,
            automatic_on=day,
        )
        for day in (today - timedelta(days=n) for n in range(200))
    ]
    ForwardingBatch.objects.bulk_create(batches)
    return {batch.automatic_on: batch for batch in batches if batch.automatic_on}


def make_plans() -> list[Plan]:
    return Plan.objects.bulk_create(
        [Plan(name=name, monthly_price_xpf=price) for name, price in PLANS]
    )


def write(rows: list[Row], forms: list[tuple[Row, bool]], rng: random.Random, **kw: Any) -> None:
    """Write one chunk: customers, subscriptions, mailboxes, requests, events, forms."""
    with transaction.atomic():
        Customer.objects.bulk_create([row.customer for row in rows])
        for row in rows:
            row.subscription.customer = row.customer
        Subscription.objects.bulk_create([row.subscription for row in rows])
        mailboxes = []
        for row in rows:
            for mailbox in row.mailboxes:
                mailbox.subscription = row.subscription
                mailboxes.append(mailbox)
            row.request.customer = row.customer
            row.request.subscription = row.subscription
        Mailbox.objects.bulk_create(mailboxes)
        CancellationRequest.objects.bulk_create([row.request for row in rows])
        events = [event for row in rows for event in events_for(row.request)]
        RequestEvent.objects.bulk_create(events)
        batches: dict[date, ForwardingBatch] = kw.get("batches", {})
        access_forms = [
            form_for(row.request, row.subscription, rng, batches) for row, wanted in forms if wanted
        ]
        AccessLineForm.objects.bulk_create(access_forms)


def generate_pages_data(total: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    now = timezone.now()
    today = now.astimezone(NOUMEA).date()
    plans = make_plans()
    batches = make_batches(today)
    for block in chunks(total):
        rows: list[Row] = []
        forms: list[tuple[Row, bool]] = []
        for index in block:
            customer = make_customer(index, rng)
            received_at = now - timedelta(seconds=rng.randrange(60, 180 * 86400))
            received_day = received_at.astimezone(NOUMEA).date()
            effective = received_day + timedelta(days=rng.randrange(0, 61))
            roll = rng.random()
            if roll < 0.06:
                status = Status.WITHDRAWN
            elif roll < 0.08:
                status = Status.REJECTED
            elif received_day >= today - timedelta(days=2) and roll < 0.5:
                status = Status.SUBMITTED
            elif completion_day(effective) <= today:
                status = Status.COMPLETED
            else:
                status = Status.CONFIRMED
            retention = rng.choice(RETENTIONS)
            has_line = index % 2 == 0
            subscription = Subscription(
                reference=f"SUB-{200000 + index}-1",
                plan=rng.choice(plans),
                started_on=date(2015, 1, 1) + timedelta(days=rng.randrange(0, 10 * 365)),
                access_line=f"2{index:06d}" if has_line else "",
                line_holder=customer.name if has_line else "",
            )
            request = make_request(
                index,
                rng,
                received_at=received_at,
                effective=effective,
                status=status,
                retention=retention,
            )
            mailbox = Mailbox(address=f"client{index}@mls.nc")
            if status == Status.COMPLETED:
                subscription.status = SubscriptionStatus.TERMINATED
                subscription.ends_on = effective
                kept_until = add_months(effective, retention) if retention else None
                if kept_until is not None and kept_until >= today:
                    mailbox.status = MailboxStatus.RETAINED
                    mailbox.retained_until = kept_until
                else:
                    mailbox.status = MailboxStatus.DELETED
            elif status in (Status.SUBMITTED, Status.CONFIRMED):
                subscription.status = SubscriptionStatus.TERMINATION_SCHEDULED
            row = Row(index, customer, subscription, request, [mailbox])
            rows.append(row)
            forms.append((row, has_line))
        write(rows, forms, rng, batches=batches)
        log(f"  {block.stop:,} / {total:,} rows")


def generate_daily_data(total: int, seed: int = 2) -> None:
    """ROWS confirmed requests due for completion today (effective over the last 30 days)."""
    rng = random.Random(seed)
    now = timezone.now()
    today = now.astimezone(NOUMEA).date()
    plans = make_plans()
    address = 0
    for block in chunks(total):
        rows: list[Row] = []
        for index in block:
            customer = make_customer(index, rng)
            effective = today - timedelta(days=rng.randrange(1, 31))
            assert completion_day(effective) <= today
            received_day = effective - timedelta(days=rng.randrange(0, 61))
            received_at = datetime.combine(received_day, datetime.min.time(), NOUMEA) + timedelta(
                seconds=rng.randrange(7 * 3600, 18 * 3600)
            )
            retention = rng.choice([0, 0, 1, 3, 6, 12]) if rng.random() < 0.3 else 0
            has_line = index % 2 == 0
            subscription = Subscription(
                reference=f"SUB-{200000 + index}-1",
                plan=rng.choice(plans),
                started_on=date(2015, 1, 1) + timedelta(days=rng.randrange(0, 10 * 365)),
                status=SubscriptionStatus.TERMINATION_SCHEDULED,
                access_line=f"2{index:06d}" if has_line else "",
                line_holder=customer.name if has_line else "",
            )
            request = make_request(
                index,
                rng,
                received_at=received_at,
                effective=effective,
                status=Status.CONFIRMED,
                retention=retention,
            )
            mailboxes = []
            for _ in range(2 if rng.random() < 0.3 else 1):
                address += 1
                mailboxes.append(Mailbox(address=f"boite{address}@mls.nc"))
            rows.append(Row(index, customer, subscription, request, mailboxes))
        write(rows, [], rng)
        log(f"  {block.stop:,} / {total:,} rows")


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def make_agent() -> User:
    from django.contrib.auth.models import Group

    ensure_roles()
    agent = User.objects.create_user(
        "bench.agent", email="agent@mls.nc", password=PASSWORD, is_staff=True
    )
    agent.groups.add(Group.objects.get(name=AGENT))
    return agent


def refuse_used_database() -> None:
    if Customer.objects.exists():
        sys.exit(
            f"{database_label()} already holds customers: the benchmark wants an empty, "
            "migrated database (see bench/backoffice_speed.sh)."
        )


class QueryTimer:
    """Times each statement to the microsecond (CaptureQueriesContext rounds to 1 ms)."""

    def __init__(self) -> None:
        self.timings: list[tuple[float, str]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.timings.append(((time.perf_counter() - began) * 1000, sql))


# --- Pages -------------------------------------------------------------------------------


@dataclass
class PageResult:
    label: str
    url: str
    status: int
    median_ms: float
    max_ms: float
    queries: int
    sql_ms: float
    slowest_sql_ms: float
    slowest_sql: str


def measure_page(client: Client, label: str, url: str, cold: bool = False) -> PageResult:
    """`cold`: the cache is emptied before each run (the dashboard's figures computed
    afresh, as every five minutes); otherwise the page is warmed once."""
    response = client.get(url)  # warm
    if response.status_code != 200:
        log(f"!! {label}: GET {url} answered {response.status_code}")
        log(response.content.decode(errors="replace")[:2000])
        raise SystemExit(f"{label}: status {response.status_code}")
    times = []
    for _ in range(RUNS):
        if cold:
            cache.clear()
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (label, response.status_code)
    timer = QueryTimer()
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
        response = client.get(url)
    durations = timer.timings
    slowest = max(durations, default=(0.0, ""))
    return PageResult(
        label=label,
        url=url,
        status=response.status_code,
        median_ms=statistics.median(times),
        max_ms=max(times),
        queries=len(captured),
        sql_ms=sum(duration for duration, _ in durations),
        slowest_sql_ms=slowest[0],
        slowest_sql=slowest[1],
    )


def run_pages(total: int) -> None:
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not settings.DEBUG and not manifest.exists():
        sys.exit(f"{manifest} is missing: run manage.py collectstatic --noinput first.")
    refuse_used_database()
    log(f"Database: {database_label()}; generating {total:,} requests")
    began = time.perf_counter()
    generate_pages_data(total)
    analyze()
    log(f"Generated in {time.perf_counter() - began:.1f} s")
    counts = {
        "requests": CancellationRequest.objects.count(),
        "events": RequestEvent.objects.count(),
        "forms": AccessLineForm.objects.count(),
    }
    log("Rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))

    logging.getLogger("axes").setLevel(logging.WARNING)  # its login messages
    agent = make_agent()
    client = Client()
    client.force_login(agent)
    code = Customer.objects.order_by("client_code").values_list("client_code", flat=True)[
        total // 3
    ]
    reference = (
        CancellationRequest.objects.filter(
            status=Status.COMPLETED, access_form__status=FormStatus.ACKNOWLEDGED
        )
        .order_by("id")
        .values_list("reference", flat=True)
        .first()
    )
    since = (noumea_now().date() - timedelta(days=60)).isoformat()
    deep = min(1500, max(1, total // 50 - 1))
    pages = [
        ("queue, first page", "/backoffice/demandes/"),
        (f"queue, page {deep}", f"/backoffice/demandes/?page={deep}"),
        ("queue, search by client code", f"/backoffice/demandes/?q={code}"),
        (
            "queue, filtered and sorted",
            "/backoffice/demandes/?status=confirmed&kind=isp_change"
            f"&received_from={since}&order=-effective",
        ),
        ("dashboard (cached, as most views are)", "/backoffice/tableau-de-bord/"),
        ("dashboard (computed afresh)", "/backoffice/tableau-de-bord/?"),
        ("today (needs action)", "/backoffice/"),
        ("forms queue", "/backoffice/bons/"),
        ("request page", f"/backoffice/demandes/{reference}/"),
    ]
    results = []
    for label, url in pages:
        result = measure_page(client, label, url, cold=label.endswith("afresh)"))
        log(
            f"  {label}: {result.status}, median {result.median_ms:.0f} ms, "
            f"max {result.max_ms:.0f} ms, {result.queries} queries"
        )
        results.append(result)

    log(f"\n{database_label()}, {counts['requests']:,} requests, {RUNS} runs after a warm-up")
    log("| page | URL | median ms | max ms | queries | SQL ms | slowest query ms |")
    log("|---|---|---|---|---|---|---|")
    for r in results:
        log(
            f"| {r.label} | `{r.url}` | {r.median_ms:.0f} | {r.max_ms:.0f} | {r.queries} "
            f"| {r.sql_ms:.0f} | {r.slowest_sql_ms:.0f} |"
        )
    log("\nSlowest query of each page:")
    for r in results:
        sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", r.slowest_sql, flags=re.S)
        log(f"- {r.label} ({r.slowest_sql_ms:.0f} ms): {sql[:600]}")


# --- Daily run ---------------------------------------------------------------------------


def normalise(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"\s+", " ", sql)[:160]


def daily_profile(count: int) -> None:
    """Complete about `count` requests batch by batch, as run_daily does, under cProfile."""
    today = noumea_now().date()
    profiler = cProfile.Profile()
    done = 0
    began = time.perf_counter()
    timer = QueryTimer()
    queries = 0
    commits: list[tuple[str, float]] = []
    with connection.execute_wrapper(timer):
        while done < count:
            # One capture per completion, on an emptied log: Django keeps only the last
            # 9,000 queries, and a capture of a full log counts nothing.
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                profiler.enable()
                outcome = handle_due_completions(today)
                profiler.disable()
            if outcome is None:
                break
            done += outcome
            queries += len(captured)
            commits += [
                (query["sql"], float(query["time"]) * 1000)
                for query in captured.captured_queries
                if query["sql"] in ("COMMIT", "ROLLBACK")  # logged, not run by execute()
            ]
    elapsed = time.perf_counter() - began
    if not done:
        sys.exit("Nothing was due for completion.")
    by_statement: dict[str, list[float]] = defaultdict(list)
    for duration, sql in timer.timings:
        by_statement[normalise(sql)].append(duration)
    for sql, duration in commits:
        by_statement[sql].append(duration)
    sql_ms = sum(sum(times) for times in by_statement.values())
    log(
        f"Profiled {done:,} completions: {elapsed:.1f} s under cProfile "
        f"({elapsed / done * 1000:.1f} ms each), {queries / done:.1f} queries each, "
        f"SQL {sql_ms / done:.2f} ms each (time in the database driver)"
    )
    log("\nStatements by total time (total ms, per request, mean ms; COMMIT to the ms only):")
    ranked = sorted(by_statement.items(), key=lambda item: -sum(item[1]))
    for sql, times in ranked[:15]:
        log(
            f"  {sum(times):8.0f} ms  {len(times) / done:4.1f}/req  "
            f"{statistics.mean(times):6.2f} ms  {sql}"
        )
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
    stats.print_stats(30)
    log("\ncProfile, top 30 by cumulative time:")
    log(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(15)
    log("cProfile, top 15 by own time:")
    log(out.getvalue())


def peak_rss_kb() -> int:
    """This process's peak resident set (kB), from /proc; unlike ru_maxrss it starts
    afresh at exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class TimeUp(Exception):
    pass


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeUp


def completed_count() -> int:
    return CancellationRequest.objects.filter(status=Status.COMPLETED).count()


def daily_run(time_limit: int) -> None:
    """run_daily() until done or `time_limit` seconds; prints the rate and peak memory."""
    due = CancellationRequest.objects.filter(status=Status.CONFIRMED).count()
    already = completed_count()
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    began = time.perf_counter()

    def monitor() -> None:
        from django.db import connection as own

        while not stop.wait(15):
            samples.append((time.perf_counter() - began, completed_count() - already))
        own.close()

    watcher = threading.Thread(target=monitor, daemon=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_before = peak_rss_kb()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(time_limit)
    finished = True
    outcome: dict[str, int] = {}
    watcher.start()
    began = time.perf_counter()
    try:
        outcome = run_daily()
    except TimeUp:
        finished = False
    finally:
        signal.alarm(0)
        elapsed = time.perf_counter() - began
        stop.set()
    watcher.join()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm_after = peak_rss_kb()
    done = completed_count() - already
    rate = done / elapsed if elapsed else 0.0
    log(f"run_daily(): {'finished' if finished else f'stopped after {time_limit} s'}")
    if outcome:
        log(f"  outcome: {outcome}")
    log(f"  {done:,} of {due:,} due requests completed in {elapsed:.1f} s: {rate:.1f} per second")
    if rate:
        log(
            f"  {1000 / rate:.1f} ms per request; {due:,} would take "
            f"{due / rate:.0f} s ({due / rate / 60:.1f} min) at this rate"
        )
    for at, n in samples:
        log(f"  after {at:5.0f} s: {n:,} completed")
    log(
        f"  peak resident memory (VmHWM of this process): {hwm_before / 1024:.0f} MB before, "
        f"{hwm_after / 1024:.0f} MB after"
    )
    log(
        f"  ru_maxrss: {rss_before / 1024:.0f} MB before, {rss_after / 1024:.0f} MB after "
        "(Linux carries it over from the parent across exec: read VmHWM)"
    )


def run_daily_mode(total: int, profile: int, time_limit: int) -> None:
    refuse_used_database()
    log(f"Database: {database_label()}; generating {total:,} requests due for completion")
    began = time.perf_counter()
    generate_daily_data(total)
    analyze()
    log(f"Generated in {time.perf_counter() - began:.1f} s")
    connection.close()
    # Each step in a fresh process: the generation's memory does not hide the run's peak.
    for step in ("profile", "run"):
        command = [
            sys.executable,
            __file__,
            f"--daily-step={step}",
            f"--profile={profile}",
            f"--time-limit={time_limit}",
        ]
        subprocess.run(command, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000, help="requests to generate")
    parser.add_argument("--daily", action="store_true", help="measure the daily run instead")
    parser.add_argument("--profile", type=int, default=2_000, help="completions to profile")
    parser.add_argument(
        "--time-limit", type=int, default=180, help="stop run_daily() after this many seconds"
    )
    parser.add_argument("--daily-step", choices=["profile", "run"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.daily_step == "profile":
        daily_profile(args.profile)
    elif args.daily_step == "run":
        daily_run(args.time_limit)
    elif args.daily:
        run_daily_mode(args.rows, args.profile, args.time_limit)
    else:
        run_pages(args.rows)


if __name__ == "__main__":
    main()
