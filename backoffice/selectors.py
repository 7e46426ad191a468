"""What the back office reads: the "needs action" counts and the dashboard's figures.

Every figure is an aggregate the database computes (counts, groups, and a percentile
read as one row at an offset of the sorted durations): the pages run the same few
queries whether there are a hundred requests or a hundred thousand.
"""

import itertools
import math
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, FloatField, Func, IntegerField, Q, QuerySet
from django.db.models.functions import Cast, Trim, TruncWeek, Upper
from django.utils import timezone

from access_forms.models import AccessLineForm, FormStatus, ForwardingBatch
from access_forms.reminders import forms_unsigned_for_long
from cancellations.calendar import current_calendar
from cancellations.filters import awaiting_confirmation, completed_with_form_unsigned
from cancellations.models import CancellationRequest, Kind
from cancellations.public_verification import submissions_to_verify
from customers.models import Mailbox, MailboxStatus
from notifications.models import EmailStatus, OutboundEmail
from rules import (
    MAILBOX_REMINDER_DAYS,
    REQUEST_OPEN_STATUSES,
    add_months,
    kept_until_deleted_within,
    month_end_deadline,
    previous_business_day,
    start_of_day,
)
from switching.filters import STATUS_Q
from switching.models import Provider, Switch, SwitchStatus
from toolbox.noumea import NOUMEA


@dataclass(frozen=True)
class MonthEnd:
    deadline: datetime
    remaining: timedelta
    received_this_month: int
    received_last_month_by_now: int

    @property
    def days_left(self) -> int:
        return self.remaining.days

    @property
    def hours_left(self) -> int:
        return self.remaining.seconds // 3600


def month_end_countdown(now: datetime) -> MonthEnd:
    """This month's deadline (the last business day, 23:59 Nouméa) and the requests
    received so far this month against the same point of last month."""
    local = now.astimezone(NOUMEA)
    today = local.date()
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)
    same_point_last_month = local - (local.date() - add_months(today, -1))
    counts = CancellationRequest.objects.aggregate(
        this_month=Count("id", filter=Q(received_at__gte=start_of_day(this_month))),
        last_month=Count(
            "id",
            filter=Q(
                received_at__gte=start_of_day(last_month), received_at__lte=same_point_last_month
            ),
        ),
    )
    deadline = month_end_deadline(today.year, today.month, current_calendar())
    return MonthEnd(
        deadline=deadline,
        remaining=max(deadline - now, timedelta(0)),
        received_this_month=counts["this_month"],
        received_last_month_by_now=counts["last_month"],
    )


def needs_action_counts(today: date) -> dict[str, Any]:
    """The landing page's counts: what an agent must look at today."""
    since_last_business_day = previous_business_day(today, current_calendar())
    requests = CancellationRequest.objects.aggregate(
        received_today=Count("id", filter=Q(received_at__gte=start_of_day(today))),
        received_since_last_business_day=Count(
            "id", filter=Q(received_at__gte=start_of_day(since_last_business_day))
        ),
        to_confirm=Count("id", filter=awaiting_confirmation(today)),
        form_never_signed=Count("id", filter=completed_with_form_unsigned()),
    )
    open_forms = AccessLineForm.objects.filter(request__status__in=REQUEST_OPEN_STATUSES)
    forms = open_forms.aggregate(
        to_check=Count("id", filter=Q(status=FormStatus.SIGNED, checked_at__isnull=True)),
        invalid=Count("id", filter=Q(status=FormStatus.INVALID)),
        ready=Count("id", filter=Q(status=FormStatus.SIGNED, checked_at__isnull=False)),
        forwarded=Count("id", filter=Q(status=FormStatus.FORWARDED)),
    )
    recalls = AccessLineForm.objects.aggregate(
        pending=Count(
            "id", filter=Q(recall_requested_at__isnull=False, recall_answered_at__isnull=True)
        )
    )
    batches_waiting = (
        ForwardingBatch.objects.filter(
            forms__status=FormStatus.FORWARDED, forms__operator_answered_at__isnull=True
        )
        .values("pk")
        .distinct()
        .count()
    )
    return {
        "since_day": since_last_business_day,
        **requests,
        **forms,
        "unsigned_for_long": forms_unsigned_for_long(today).count(),
        "recalls": recalls["pending"],
        "batches_waiting": batches_waiting,
        "emails_failing": OutboundEmail.objects.filter(status=EmailStatus.RETRYING).count(),
        "identities_to_verify": submissions_to_verify(timezone.now()).count(),
        "mailboxes_due": mailboxes_due_for_deletion(today, MAILBOX_REMINDER_DAYS).count(),
    }


def mailboxes_due_for_deletion(today: date, days: int) -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(
        status=MailboxStatus.RETAINED, retained_until__lte=kept_until_deleted_within(today, days)
    )


# --- Dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delay:
    count: int
    median: timedelta | None
    p90: timedelta | None


class EpochSeconds(Func):
    """An instant as seconds since the epoch, computed by the database itself (SQLite's
    julianday(), PostgreSQL's EXTRACT): Django's own datetime subtraction calls back into
    Python for every row on SQLite, four seconds for the dashboard at 100,000 requests."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(julianday(%(expressions)s) * 86400.0)", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)", **extra
        )


def delay(queryset: QuerySet[Any], start: str, end: str) -> Delay:
    """Median and 90th percentile (nearest rank) of `end - start`, to the minute, from one
    pass: the database counts the rows per whole minute of delay, and the percentiles are
    read off those counts (a few hundred groups, whatever the number of rows)."""
    per_minute = (
        queryset.filter(**{f"{start}__isnull": False, f"{end}__isnull": False})
        .annotate(minute=Cast((EpochSeconds(end) - EpochSeconds(start)) / 60.0, IntegerField()))
        .values("minute")
        .annotate(n=Count("id"))
        .order_by("minute")
        .values_list("minute", "n")
    )
    groups = list(per_minute)
    count = sum(n for _, n in groups)

    def nearest_rank(fraction: float) -> timedelta | None:
        if not count:
            return None
        rank, seen = max(math.ceil(count * fraction), 1), 0
        for minute, n in groups:
            seen += n
            if seen >= rank:
                return timedelta(minutes=minute)
        return None  # pragma: no cover (rank <= count)

    return Delay(count=count, median=nearest_rank(0.5), p90=nearest_rank(0.9))


FORM_AGE_BUCKETS = [(0, 2), (3, 7), (8, 14), (15, 30), (31, None)]


def forms_waiting_by_age(today: date) -> list[tuple[str, int]]:
    """Forms awaiting a signature (or a new one) for an open request, by days since the
    request was received."""

    counts = AccessLineForm.objects.filter(
        status__in=[FormStatus.AWAITING_SIGNATURE, FormStatus.INVALID],
        request__status__in=REQUEST_OPEN_STATUSES,
    ).aggregate(
        **{
            f"b{low}": Count(
                "id",
                filter=Q(request__received_at__gte=start_of_day(today - timedelta(days=high)))
                & Q(request__received_at__lt=start_of_day(today - timedelta(days=low - 1)))
                if high is not None
                else Q(request__received_at__lt=start_of_day(today - timedelta(days=low - 1))),
            )
            for low, high in FORM_AGE_BUCKETS
        }
    )
    return [
        (f"{low}–{high}" if high is not None else f"{low}+", counts[f"b{low}"])
        for low, high in FORM_AGE_BUCKETS
    ]


@dataclass
class Dashboard:
    weeks: list[date]
    weekly_by_kind: dict[str, list[int]]
    total: int
    isp_changes: int
    new_isps: list[tuple[str, int]]
    confirmation: Delay
    operator_answer: Delay
    forms_by_age: list[tuple[str, int]]
    mailboxes_by_week: list[tuple[date, int]]
    channels: list[tuple[str, int]]
    # Switches placed in the period, per gaining provider: (name, placed, completed).
    switches_by_provider: list[tuple[str, int, int]]
    computed_at: datetime


WEEKS = 26  # about six months


DASHBOARD_CACHE_SECONDS = 300
DASHBOARD_REFRESH_SECONDS = 240
# The figures' fields are part of the key: a deployment that adds a figure never reads
# the previous shape from the shared cache.
DASHBOARD_KEY = "backoffice:dashboard:" + ",".join(f.name for f in fields(Dashboard))


def dashboard_cached() -> Dashboard:
    """The dashboard's figures as the worker last computed them (every four minutes, in
    the shared cache): no agent waits for the computation, a second on SQLite at 100,000
    requests. Without a worker, the first view computes them for the next five minutes."""
    figures = cache.get(DASHBOARD_KEY)
    if figures is None:
        figures = dashboard()
        cache.set(DASHBOARD_KEY, figures, DASHBOARD_CACHE_SECONDS)
    return figures  # type: ignore[no-any-return]


def dashboard_refresh_if_due(now: datetime | None = None) -> bool:
    """The worker's step: compute the figures again when they are four minutes old."""
    now = now or timezone.now()
    figures = cache.get(DASHBOARD_KEY)
    if figures is not None and (now - figures.computed_at).total_seconds() < (
        DASHBOARD_REFRESH_SECONDS
    ):
        return False
    cache.set(DASHBOARD_KEY, dashboard(now), DASHBOARD_CACHE_SECONDS)
    return True


def dashboard(now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = now.astimezone(NOUMEA).date()
    first_week = today - timedelta(days=today.weekday()) - timedelta(weeks=WEEKS - 1)
    weeks = [first_week + timedelta(weeks=n) for n in range(WEEKS)]
    bounds = [start_of_day(week) for week in [*weeks, weeks[-1] + timedelta(weeks=1)]]
    recent = CancellationRequest.objects.filter(
        received_at__gte=bounds[0], received_at__lt=bounds[-1]
    )
    weekly, per_channel = _counts_by_week(recent, bounds)
    total = sum(per_channel.values())
    # Codes: the figures are shared by readers of every language, labelled at display.
    channels = sorted(per_channel.items(), key=lambda item: (-item[1], item[0]))
    named = (
        recent.filter(kind=Kind.ISP_CHANGE)
        .exclude(new_isp="")
        .annotate(name=Upper(Trim("new_isp")))
    )
    top = list(named.values("name").annotate(n=Count("id")).order_by("-n", "name")[:10])
    spelling = _provider_spellings(named, [row["name"] for row in top])
    new_isps = [(spelling.get(row["name"], str(row["name"])), int(row["n"])) for row in top]
    return Dashboard(
        weeks=weeks,
        weekly_by_kind=weekly,
        total=total,
        isp_changes=sum(weekly[Kind.ISP_CHANGE]),
        new_isps=new_isps,
        confirmation=delay(recent, "received_at", "confirmed_at"),
        operator_answer=delay(
            AccessLineForm.objects.filter(forwarded_at__gte=bounds[0]),
            "forwarded_at",
            "operator_answered_at",
        ),
        forms_by_age=forms_waiting_by_age(today),
        mailboxes_by_week=_mailboxes_by_week(today),
        channels=channels,
        switches_by_provider=_switches_by_provider(bounds[0]),
        computed_at=now,
    )


def _counts_by_week(
    recent: QuerySet[CancellationRequest], bounds: list[datetime]
) -> tuple[dict[str, list[int]], dict[str, int]]:
    """(requests per kind per week, requests per channel) over the weeks `bounds` cut."""
    # One pass over the period: per kind and channel, a filtered count per week (no
    # per-row function); the totals, kinds and channels are sums of these few groups.
    rows = (
        recent.values("kind", "channel")
        .annotate(
            **{
                f"w{n}": Count("id", filter=Q(received_at__gte=low, received_at__lt=high))
                for n, (low, high) in enumerate(itertools.pairwise(bounds))
            }
        )
        .order_by()
    )
    weeks = len(bounds) - 1
    weekly: dict[str, list[int]] = {kind: [0] * weeks for kind in Kind.values}
    per_channel: dict[str, int] = {}
    for row in rows:
        counts: dict[str, Any] = dict(row)
        week_counts = [counts[f"w{n}"] for n in range(weeks)]
        weekly[counts["kind"]] = [
            a + b for a, b in zip(weekly[counts["kind"]], week_counts, strict=True)
        ]
        per_channel[counts["channel"]] = per_channel.get(counts["channel"], 0) + sum(week_counts)
    return weekly, per_channel


def _mailboxes_by_week(today: date) -> list[tuple[date, int]]:
    """Kept mailboxes whose deletion falls in each of the next six weeks."""
    mailboxes = {
        row["week"]: row["n"]
        for row in mailboxes_due_for_deletion(today, 30)
        .filter(retained_until__gte=today)
        .annotate(week=TruncWeek("retained_until"))
        .values("week")
        .annotate(n=Count("id"))
        .order_by()
    }
    this_week = today - timedelta(days=today.weekday())
    mailbox_weeks = [this_week + timedelta(weeks=n) for n in range(6)]
    return [(week, mailboxes.get(week, 0)) for week in mailbox_weeks]


def _provider_spellings(named: QuerySet[Any], names: list[str]) -> dict[str, str]:
    """How to write each provider named ("LAGOON", "lagoon ", "Lagoon" are one): as its
    account is written where it has one (the switches' card), else as typed most often."""
    written: dict[str, str] = {}
    typed = (
        named.filter(name__in=names)
        .annotate(typed=Trim("new_isp"))
        .values("name", "typed")
        .annotate(n=Count("id"))
        .order_by("name", "-n", "typed")  # a tie: "Lagoon" before "lagoon"
    )
    for row in typed:
        written.setdefault(row["name"], row["typed"])
    for provider in Provider.objects.annotate(upper=Upper("name")).filter(upper__in=names):
        written[provider.name.upper()] = provider.name
    return written


def _switches_by_provider(since: datetime) -> list[tuple[str, int, int]]:
    """(new provider, switches placed, switches completed) since `since`."""
    return [
        (row["provider__name"], row["placed"], row["completed"])
        for row in Switch.objects.filter(created_at__gte=since)
        .values("provider__name")
        .annotate(
            placed=Count("id"),
            completed=Count("id", filter=STATUS_Q[SwitchStatus.COMPLETED]),
        )
        .order_by("-placed", "provider__name")
    ]
