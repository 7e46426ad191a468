"""Faults with real processes: a worker SIGKILLed mid-send, SIGTERM during a send, the
database gone. Every e-mail reaches the SMTP server once (counted at the server)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from notifications.tests.http_receiver import SlowReceiver
from notifications.tests.smtp_server import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
LEASE = 4  # seconds: more than three times EMAIL_TIMEOUT below


class Deployment:
    """The product as cron and systemd run it: its own database and processes."""

    def __init__(self, tmp: Path, smtp_port: int) -> None:
        self.db = tmp / "faults.sqlite3"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DATABASE_URL": f"sqlite:///{self.db}",
            "RESILIA_VAR_DIR": str(tmp),
            "DEBUG": "false",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_USE_TLS": "false",
            "EMAIL_TIMEOUT": "1",
            "RESILIA_EMAIL_LEASE_SECONDS": str(LEASE),
            "LOG_LEVEL": "WARNING",
        }

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def queue_emails(self, count: int) -> list[str]:
        code = (
            "from notifications.services import email_queue\n"
            f"for n in range({count}):\n"
            "    e = email_queue(template='activation', to=f'c{n}@example.nc', language='fr',"
            " context={'url': 'https://example.nc/x'})\n"
            "    print(e.pk)\n"
        )
        return self.manage("shell", "--no-imports", "-c", code).split()

    def statuses(self) -> list[str]:
        code = (
            "from notifications.models import OutboundEmail\n"
            "print(' '.join(OutboundEmail.objects.order_by('pk').values_list('status', flat=True)))"
        )
        return self.manage("shell", "--no-imports", "-c", code).split()

    def start_worker(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    with SMTPServer() as server:
        yield server


@pytest.fixture
def deployment(tmp_path: Path, smtp: SMTPServer) -> Deployment:
    deployment = Deployment(tmp_path, smtp.port)
    deployment.manage("migrate", "--noinput", "-v0")
    return deployment


def _wait_for(condition: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def test_a_worker_killed_mid_send_loses_no_email_and_sends_none_twice(
    deployment: Deployment, smtp: SMTPServer
) -> None:
    ids = deployment.queue_emails(3)
    smtp.stall.set()
    worker = deployment.start_worker()
    try:
        assert smtp.data_started.wait(30), "the worker never reached SMTP"
        worker.send_signal(signal.SIGKILL)  # mid-send: the server has not answered DATA
        worker.wait(timeout=10)
    finally:
        smtp.stall.clear()
        smtp.release.set()
    assert sum(smtp.accepted.values()) == 0

    worker = deployment.start_worker()
    try:
        _wait_for(lambda: set(smtp.accepted) == set(ids), timeout=LEASE * 6)
        time.sleep(LEASE + 1)  # a second copy would have arrived by now
    finally:
        _stop(worker)
    assert smtp.accepted == {pk: 1 for pk in ids}
    assert deployment.statuses() == ["sent"] * 3


def test_sigterm_during_a_send_lets_it_finish_and_record_it(
    deployment: Deployment, smtp: SMTPServer
) -> None:
    ids = deployment.queue_emails(1)
    smtp.stall.set()
    smtp.drop_stalled = False  # the server is slow, then accepts the message
    worker = deployment.start_worker()
    try:
        assert smtp.data_started.wait(30)
        worker.send_signal(signal.SIGTERM)
        worker.send_signal(signal.SIGTERM)  # twice: systemd's stop, then an impatient admin
        time.sleep(0.3)
        assert worker.poll() is None  # still waiting for the server's answer
    finally:
        smtp.release.set()
    worker.wait(timeout=30)
    assert worker.returncode == 0
    assert smtp.accepted == {ids[0]: 1}
    # What reached SMTP is recorded as sent: no copy goes out later.
    assert deployment.statuses() == ["sent"]


def test_the_worker_outlives_a_database_outage(deployment: Deployment, smtp: SMTPServer) -> None:
    worker = deployment.start_worker()
    try:
        time.sleep(1.5)
        away = deployment.db.with_suffix(".away")
        shutil.move(deployment.db, away)  # the database is gone
        time.sleep(2.5)
        assert worker.poll() is None, worker.stderr.read().decode()  # type: ignore[union-attr]
        deployment.db.unlink(missing_ok=True)  # what the worker's attempts left behind
        shutil.move(away, deployment.db)  # and back
        ids = deployment.queue_emails(2)
        _wait_for(lambda: set(smtp.accepted) == set(ids), timeout=90)
    finally:
        _stop(worker)
    assert smtp.accepted == {pk: 1 for pk in ids}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="ends PostgreSQL sessions")
def test_a_message_accepted_as_the_database_drops_goes_once_with_a_stable_message_id(
    smtp: SMTPServer, tmp_path: Path
) -> None:
    from notifications.delivery import message_id
    from notifications.models import OutboundEmail
    from notifications.services import email_queue

    email = email_queue(template="activation", to="c@example.nc", language="fr", context={})
    database = connection.settings_dict
    env = {
        **Deployment(tmp_path, smtp.port).env,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "PGAPPNAME": "resilia-worker-under-test",
    }

    def the_database_drops() -> None:
        # SMTP has the message; the worker's session ends before it can record it.
        with psycopg.connect(
            host=database["HOST"], port=database["PORT"], user=database["USER"], dbname="postgres"
        ) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'resilia-worker-under-test'"
            )

    smtp.before_accepting = the_database_drops
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: smtp.accepted, timeout=30)
        smtp.before_accepting = None
        _wait_for(lambda: OutboundEmail.objects.get().status == "sent", timeout=LEASE)
        time.sleep(LEASE + 1)  # a second copy would have gone by now
    finally:
        _stop(worker)
    assert smtp.accepted == {str(email.pk): 1}
    assert smtp.message_ids == [(str(email.pk), message_id(email))]


def test_every_attempt_at_one_message_carries_the_same_message_id(db: None) -> None:
    from notifications.delivery import email_message
    from notifications.services import email_queue

    email = email_queue(template="activation", to="c@example.nc", language="fr", context={})
    first, again = email_message(email), email_message(email)
    assert first.extra_headers["Message-ID"] == again.extra_headers["Message-ID"]
    assert (
        first.message()["Message-ID"]
        == f"<resilia.{email.pk}.{email.created_at:%Y%m%d%H%M%S}@mls.nc>"
    )


def test_a_new_email_does_not_wait_behind_the_webhook_and_notice_backlog(
    deployment: Deployment, smtp: SMTPServer
) -> None:
    backlog = 200
    receiver = SlowReceiver(delay=0.05)
    deployment.env["RESILIA_WEBHOOK_ALLOW_PRIVATE"] = "true"
    deployment.manage(
        "shell",
        "--no-imports",
        "-c",
        "from notifications.models import OutboundEmail\n"
        "from webhooks.models import WebhookEndpoint\n"
        "from webhooks.services import webhook_emit_many\n"
        f"WebhookEndpoint.objects.create(url='{receiver.url}', secret='whsec_' + 'A' * 44)\n"
        f"webhook_emit_many('request.submitted', [{{'n': n}} for n in range({backlog})])\n"
        "OutboundEmail.objects.bulk_create([OutboundEmail(template='mailbox_reminder',"
        " language='fr', to=f'n{n}@example.nc', subject='Rappel', body_text='Rappel',"
        f" body_html='<p>Rappel</p>', bulk=True) for n in range({backlog})])\n",
    )
    worker = deployment.start_worker()
    try:
        _wait_for(lambda: receiver.count >= 5)  # the worker is in the webhook backlog
        (new,) = deployment.queue_emails(1)  # an acknowledgement, queued now
        _wait_for(lambda: new in smtp.accepted, timeout=60)
        webhooks_then, notices_then = receiver.count, len(smtp.accepted) - 1
    finally:
        _stop(worker)
        receiver.server.shutdown()
    # It went in the worker's next pass, not after the backlogs.
    assert webhooks_then < backlog / 2, webhooks_then
    assert notices_then < backlog / 2, notices_then
