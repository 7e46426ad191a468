"""The figures the people running Résilia watch: /metrics and the Santé page change when
an e-mail waits, a worker stops, an endpoint fails, a limit refuses, the daily run ends."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import EmailStatus, OutboundEmail
from operations.heartbeats import WORKER_SILENT_SECONDS, worker_beat, worker_gone
from operations.models import DailyRun, WorkerBeat
from resilia.daily import run_daily_retrying
from toolbox.throttle import refused
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db
TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture(autouse=True)
def _token(settings: object) -> None:
    settings.RESILIA_METRICS_TOKEN = TOKEN  # type: ignore[attr-defined]


def scrape(token: str = TOKEN) -> str:
    response = Client().get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{label}"' for key, label in labels.items())
    pattern = (
        "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" (\S+)$"
    )
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"{name}{labels} not in /metrics"
    return float(found.group(1))


def _email(**fields: object) -> OutboundEmail:
    return OutboundEmail.objects.create(
        template="form_received", language="fr", to="a@example.nc", subject="s",
        body_text="t", body_html="h", **fields,
    )  # fmt: skip


@override_settings(RESILIA_METRICS_TOKEN=TOKEN, RESILIA_METRICS_NETWORKS=["10.0.0.0/8"])
def test_metrics_are_read_with_the_token_or_from_the_trusted_network_only() -> None:
    stranger = Client(REMOTE_ADDR="203.0.113.5")
    assert stranger.get("/metrics").status_code == 403
    assert stranger.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert "resilia_emails_waiting" in scrape(TOKEN)
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403  # not listed
    # Through a proxy, or claiming an address: judged a stranger, whatever it writes.
    forged = Client(REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert forged.get("/metrics").status_code == 403


def test_an_email_waiting_shows_with_its_age_and_a_held_one_does_not() -> None:
    assert value(scrape(), "resilia_emails_waiting") == 0
    now = timezone.now()
    _email(status=EmailStatus.QUEUED, next_attempt_at=now + timedelta(hours=9))  # held
    assert value(scrape(), "resilia_emails_waiting") == 0
    late = _email(status=EmailStatus.QUEUED)
    OutboundEmail.objects.filter(pk=late.pk).update(created_at=now - timedelta(minutes=20))
    text = scrape()
    assert value(text, "resilia_emails_waiting") == 1
    assert value(text, "resilia_email_oldest_unsent_age_seconds") >= 20 * 60
    _email(status=EmailStatus.RETRYING, next_attempt_at=now + timedelta(minutes=5))
    text = scrape()
    assert value(text, "resilia_emails_failing") == 1
    assert value(text, "resilia_emails_waiting") == 2


def test_a_worker_that_stops_or_goes_silent_is_no_longer_alive() -> None:
    started = timezone.now()
    worker_beat("web-1:100", started)
    worker_beat("web-2:200", started)
    text = scrape()
    assert value(text, "resilia_workers_alive") == 2
    assert value(text, "resilia_worker_last_beat_timestamp_seconds", worker="web-1:100") > 0
    worker_gone("web-1:100")  # stopped as asked
    WorkerBeat.objects.filter(name="web-2:200").update(
        beat_at=started - timedelta(seconds=WORKER_SILENT_SECONDS + 1)  # killed, or stuck
    )
    assert value(scrape(), "resilia_workers_alive") == 0


def test_the_worker_command_beats_then_says_it_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    from operations import heartbeats

    seen: list[str] = []
    beat = heartbeats.worker_beat

    def watched(name: str, started_at: object) -> None:
        beat(name, started_at)  # type: ignore[arg-type]
        seen.extend(WorkerBeat.objects.values_list("name", flat=True))

    monkeypatch.setattr("resilia.management.commands.worker.worker_beat", watched)
    call_command("worker", "--once")
    assert seen and seen[0].endswith(":cron")  # from cron: one name per machine
    assert WorkerBeat.objects.get().name == seen[0]  # kept: its age says when cron last ran


def test_a_failing_or_disabled_endpoint_is_counted() -> None:
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/r", secret="s")
    assert value(scrape(), "resilia_webhook_endpoints", state="failing") == 0
    endpoint.failing_since = timezone.now()
    endpoint.save()
    assert value(scrape(), "resilia_webhook_endpoints", state="failing") == 1
    endpoint.active = False
    endpoint.save()
    text = scrape()
    assert value(text, "resilia_webhook_endpoints", state="failing") == 0
    assert value(text, "resilia_webhook_endpoints", state="disabled") == 1


def test_refusals_are_counted_by_limit() -> None:
    refused("uploads")
    refused("uploads")
    refused("api-too_many_failures")
    text = scrape()
    assert value(text, "resilia_limit_refusals_today", limit="uploads") == 2
    assert value(text, "resilia_limit_refusals_today", limit="api-too_many_failures") == 1


def test_the_daily_run_is_recorded_with_its_duration() -> None:
    assert value(scrape(), "resilia_daily_run_last_success_timestamp_seconds") == 0
    run_daily_retrying()
    (run,) = DailyRun.objects.all()
    assert run.succeeded and run.finished_at is not None and "pruned" in run.done
    text = scrape()
    assert value(text, "resilia_daily_run_last_success_timestamp_seconds") == pytest.approx(
        run.finished_at.timestamp()
    )
    assert value(text, "resilia_daily_run_last_duration_seconds") == pytest.approx(
        (run.finished_at - run.started_at).total_seconds()
    )


def test_a_daily_run_that_crashes_is_recorded_as_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(now: object = None) -> dict[str, int]:
        raise RuntimeError("a bug")

    monkeypatch.setattr("resilia.daily.run_daily", broken)
    with pytest.raises(RuntimeError):
        run_daily_retrying()
    (run,) = DailyRun.objects.all()
    assert not run.succeeded and "RuntimeError: a bug" in run.error
    assert value(scrape(), "resilia_daily_runs_failed_since_success") == 1


def test_http_answers_are_counted_by_status() -> None:
    before = scrape()
    Client().get("/page-qui-n-existe-pas/")
    found = re.search(r'resilia_http_responses_total\{status="404"\} (\S+)', before)
    was = float(found.group(1)) if found else 0.0
    assert value(scrape(), "resilia_http_responses_total", status="404") == was + 1


def test_the_health_page_is_for_supervisors_and_shows_alerts(agent: User, supervisor: User) -> None:
    url = reverse("backoffice:health")
    staff = Client()
    staff.force_login(agent)
    assert staff.get(url).status_code == 403
    staff.force_login(supervisor)
    page = staff.get(url).content.decode()
    # No worker has ever beaten, and no daily run has succeeded: two alerts at least.
    assert "Santé de Résilia" in page and "Travailleurs actifs" in page
    assert "Alerte :" in page
    worker_beat("web-1:100", timezone.now())
    run_daily_retrying()
    page = staff.get(url).content.decode()
    assert "Tous les chiffres sont sous leur seuil d'alerte." in page.replace("&#x27;", "'")
