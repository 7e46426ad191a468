"""How Résilia is doing, in figures read from the database: what waits (e-mails, tasks,
webhook deliveries, forms), what failed (endpoints, the daily run), who is alive (the
workers), and how often each limit refused. One list, read by the supervisors' "Santé"
page and by /metrics (Prometheus); docs/operations.md says what to do about each alert.

Every figure is computed when it is asked for, from rows every web process and machine
shares: two scrapes of two machines agree.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access_forms.models import AccessLineForm, FormStatus, PdfToRead
from accounts.models import AccessLinkRequest
from cancellations.models import PublicSubmission
from notifications.models import EmailStatus, OutboundEmail
from operations.heartbeats import WORKER_FORGOTTEN_SECONDS, WORKER_SILENT_SECONDS
from operations.models import DailyRun, WorkerBeat
from toolbox.models import RefusalCount
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

# The thresholds of docs/operations.md's alerts: past them, the Santé page shows the
# figure as an alert.
OLDEST_EMAIL_ALERT_SECONDS = 10 * 60
EMAILS_WAITING_ALERT = 1000
TASKS_WAITING_ALERT = 200
WEBHOOKS_WAITING_ALERT = 5000
DAILY_RUN_LATE_SECONDS = 26 * 3600  # it runs once a day, after midnight Nouméa time
DAILY_RUN_LONG_SECONDS = 30 * 60
# A signed form is checked within a day, a checked one leaves with the next day's batch,
# and the operator answers a batch within a week.
FORM_UNCHECKED_ALERT = timedelta(days=1)
FORM_UNFORWARDED_ALERT = timedelta(days=2)
OPERATOR_SILENT_ALERT = timedelta(days=7)


@dataclass(frozen=True)
class Figure:
    """One figure: its Prometheus name and labels, what it is in words, its value, and
    `alert_above` (or `alert_below`): the threshold past which it is an alert."""

    metric: str
    help: str
    label: str | Promise
    value: float
    labels: dict[str, str] = field(default_factory=dict)
    unit: str = ""  # "seconds", "timestamp" or "" (a count)
    counter: bool = False
    alert_above: float | None = None
    alert_below: float | None = None

    @property
    def alert(self) -> bool:
        return (self.alert_above is not None and self.value > self.alert_above) or (
            self.alert_below is not None and self.value < self.alert_below
        )


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since else 0.0


def _emails(now: datetime) -> list[Figure]:
    # Unsent: waiting for its turn (held messages, such as the next morning's, are not
    # late) or failing and retried. The age counts from when it was due.
    unsent = OutboundEmail.objects.filter(
        Q(status=EmailStatus.RETRYING)
        | Q(status=EmailStatus.QUEUED)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )
    oldest = unsent.aggregate(
        due=Min(Coalesce("next_attempt_at", "created_at"), filter=Q(status=EmailStatus.QUEUED)),
        failing=Min("created_at", filter=Q(status=EmailStatus.RETRYING)),
    )
    due = [at for at in (oldest["due"], oldest["failing"]) if at is not None]
    return [
        Figure(
            "resilia_email_oldest_unsent_age_seconds",
            "Age of the oldest e-mail due and not sent yet.",
            _("Oldest e-mail not sent yet"),
            _age(now, min(due)) if due else 0.0,
            unit="seconds",
            alert_above=OLDEST_EMAIL_ALERT_SECONDS,
        ),
        Figure(
            "resilia_emails_waiting",
            "E-mails due and not sent yet.",
            _("E-mails waiting to be sent"),
            unsent.count(),
            alert_above=EMAILS_WAITING_ALERT,
        ),
        Figure(
            "resilia_emails_failing",
            "E-mails the mail server refused at least once, retried.",
            _("E-mails failing (retried)"),
            OutboundEmail.objects.filter(status=EmailStatus.RETRYING).count(),
            alert_above=0,
        ),
    ]


def _tasks() -> list[Figure]:
    waiting = {
        "submission_check": (
            _("Cancellations without log-in to check"),
            PublicSubmission.objects.filter(checked_at__isnull=True).count(),
        ),
        "code_request": (
            _("Codes asked for again"),
            PublicSubmission.objects.filter(code_requested_at__isnull=False).count(),
        ),
        "access_link": (_("Access links asked for"), AccessLinkRequest.objects.count()),
        "pdf_to_read": (
            _("PDFs to read"),
            PdfToRead.objects.filter(refusal="").count(),
        ),
    }
    return [
        Figure(
            "resilia_tasks_waiting",
            "Work waiting for a worker, by kind.",
            label,
            count,
            labels={"kind": kind},
            alert_above=TASKS_WAITING_ALERT,
        )
        for kind, (label, count) in waiting.items()
    ]


def _webhooks() -> list[Figure]:
    endpoints = WebhookEndpoint.objects.aggregate(
        failing=Count("id", filter=Q(active=True, failing_since__isnull=False)),
        disabled=Count("id", filter=Q(active=False)),
    )
    return [
        Figure(
            "resilia_webhook_deliveries_waiting",
            "Webhook deliveries not delivered yet (retried for three days).",
            _("Webhook deliveries waiting"),
            WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count(),
            alert_above=WEBHOOKS_WAITING_ALERT,
        ),
        Figure(
            "resilia_webhook_endpoints",
            "Webhook endpoints failing (still retried) or disabled (given up).",
            _("Webhook endpoints failing"),
            endpoints["failing"],
            labels={"state": "failing"},
            alert_above=0,
        ),
        Figure(
            "resilia_webhook_endpoints",
            "Webhook endpoints failing (still retried) or disabled (given up).",
            _("Webhook endpoints disabled"),
            endpoints["disabled"],
            labels={"state": "disabled"},
            alert_above=0,
        ),
    ]


def _workers(now: datetime) -> list[Figure]:
    beats = list(WorkerBeat.objects.order_by("name"))
    alive = [beat for beat in beats if _age(now, beat.beat_at) <= WORKER_SILENT_SECONDS]
    figures = [
        Figure(
            "resilia_workers_alive",
            f"Workers whose last heartbeat is under {WORKER_SILENT_SECONDS} s old.",
            _("Workers alive"),
            len(alive),
            alert_below=1,
        )
    ]
    recent = [beat for beat in beats if _age(now, beat.beat_at) <= WORKER_FORGOTTEN_SECONDS]
    figures += [
        Figure(
            "resilia_worker_last_beat_timestamp_seconds",
            "When each worker last said it was alive (Unix time).",
            _("Worker %(name)s: last heartbeat") % {"name": beat.name},
            beat.beat_at.timestamp(),
            labels={"worker": beat.name},
            unit="timestamp",
            alert_below=(now - timedelta(seconds=WORKER_SILENT_SECONDS)).timestamp(),
        )
        for beat in recent
    ]
    return figures


def _daily_run(now: datetime) -> list[Figure]:
    last = DailyRun.objects.filter(succeeded=True).order_by("-started_at").first()
    failed = DailyRun.objects.filter(succeeded=False, finished_at__isnull=False)
    if last is not None:
        failed = failed.filter(started_at__gt=last.started_at)
    finished = last.finished_at if last and last.finished_at else None
    return [
        Figure(
            "resilia_daily_run_last_success_timestamp_seconds",
            "When the last successful daily run finished (Unix time; 0: never).",
            _("Daily run: last success"),
            finished.timestamp() if finished else 0.0,
            unit="timestamp",
            alert_below=(now - timedelta(seconds=DAILY_RUN_LATE_SECONDS)).timestamp(),
        ),
        Figure(
            "resilia_daily_run_last_duration_seconds",
            "How long the last successful daily run took.",
            _("Daily run: duration"),
            (finished - last.started_at).total_seconds() if last and finished else 0.0,
            unit="seconds",
            alert_above=DAILY_RUN_LONG_SECONDS,
        ),
        Figure(
            "resilia_daily_runs_failed_since_success",
            "Daily runs that gave up since the last successful one.",
            _("Daily runs failed since the last success"),
            failed.count(),
            alert_above=0,
        ),
    ]


def _forms(now: datetime) -> list[Figure]:
    late = {
        "to_check": (
            _("Signed forms waiting for a check for over a day"),
            Q(status=FormStatus.SIGNED, checked_at__isnull=True)
            & Q(signed_at__lt=now - FORM_UNCHECKED_ALERT),
        ),
        "to_forward": (
            _("Checked forms not forwarded after two days"),
            Q(status=FormStatus.SIGNED, checked_at__lt=now - FORM_UNFORWARDED_ALERT),
        ),
        "operator_answer": (
            _("Forms with the operator unanswered for over a week"),
            Q(
                status=FormStatus.FORWARDED,
                operator_answered_at__isnull=True,
                forwarded_at__lt=now - OPERATOR_SILENT_ALERT,
            ),
        ),
    }
    counts = AccessLineForm.objects.aggregate(
        **{stage: Count("id", filter=where) for stage, (_label, where) in late.items()}
    )
    return [
        Figure(
            "resilia_forms_late",
            "OPTimo forms waiting past their time, by stage.",
            label,
            counts[stage],
            labels={"stage": stage},
            alert_above=0,
        )
        for stage, (label, _where) in late.items()
    ]


def _limits(now: datetime) -> list[Figure]:
    # Today's (UTC) count: a gauge, as the days' rows are pruned after 90 days.
    today = RefusalCount.objects.filter(day=now.date()).order_by("limit")
    figures = [
        Figure(
            "resilia_limit_refusals_today",
            "Attempts refused by each limit today (UTC).",
            _("Refused today by the limit “%(limit)s”") % {"limit": row.limit},
            row.count,
            labels={"limit": row.limit},
        )
        for row in today
    ]
    cooloff = now - settings.AXES_COOLOFF_TIME
    figures.append(
        Figure(
            "resilia_logins_locked_out",
            "Client codes locked out of logging in from one address, now.",
            _("Log-ins locked out now"),
            AccessAttempt.objects.filter(
                failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gt=cooloff
            ).count(),
        )
    )
    return figures


def health_groups(now: datetime | None = None) -> list[tuple[str | Promise, list[Figure]]]:
    """The figures by subject, as the Santé page shows them."""
    now = now or timezone.now()
    return [
        (_("E-mails"), _emails(now)),
        (_("Work waiting for the workers"), _tasks()),
        (_("Workers"), _workers(now)),
        (_("Daily run"), _daily_run(now)),
        (_("Webhooks"), _webhooks()),
        (_("OPTimo forms"), _forms(now)),
        (_("Limits"), _limits(now)),
    ]


def health_figures(now: datetime | None = None) -> list[Figure]:
    return [figure for _title, figures in health_groups(now) for figure in figures]
