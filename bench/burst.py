"""The month-end burst with the scale-out layout: 4 gunicorn workers and 3 workers on
one PostgreSQL database, a real SMTP server counting what it accepts.

5,000 submissions from 5,000 distinct logged-in sessions (one subscription each) are sent
as fast as the server takes them (wrk, 32 connections); then the workers drain the queue.
Checked: every submission accepted once (5,000 requests, 5,000 distinct subscriptions,
no failed answer), every acknowledgement delivered, no e-mail accepted twice by the SMTP
server, and the time the queue took to drain.

Run by bench/burst.sh (a fresh database with 100,000 customers first).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from notifications.tests.smtp_server import SMTPServer  # noqa: E402

SUBMISSIONS = int(os.environ.get("BURST_SUBMISSIONS", "5000"))
WEB_WORKERS = int(os.environ.get("BURST_WEB_WORKERS", "4"))
TASK_WORKERS = int(os.environ.get("BURST_TASK_WORKERS", "3"))
PORT = int(os.environ.get("BENCH_PORT", "8078"))
PY = str(ROOT / ".venv" / "bin" / "python")
ACCESS_LOG = ROOT / "var" / "bench" / "burst-access.log"
COUNT = (
    "import django; django.setup()\n"
    "from cancellations.models import CancellationRequest\n"
    "print(CancellationRequest.objects.count())"
)


def main() -> None:
    sessions = Path(os.environ["BENCH_SESSIONS_FILE"])
    burst = ROOT / "var" / "bench" / "burst-sessions.txt"
    burst.write_text("".join(sessions.read_text().splitlines(keepends=True)[:SUBMISSIONS]))
    ACCESS_LOG.unlink(missing_ok=True)
    with SMTPServer() as smtp:
        env = {
            **os.environ,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "false",
        }
        web = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "resilia.wsgi", "-w", str(WEB_WORKERS),
             "-b", f"127.0.0.1:{PORT}", "--log-level", "warning",
             "--access-logfile", str(ACCESS_LOG), "--access-logformat", "%(m)s %(U)s %(s)s"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        workers = [
            subprocess.Popen([PY, "manage.py", "worker"], cwd=ROOT, env=env)
            for _ in range(TASK_WORKERS)
        ]
        try:
            for _ in range(100):
                if (
                    subprocess.run(
                        ["curl", "-fsS", f"http://127.0.0.1:{PORT}/healthz"], capture_output=True
                    ).returncode
                    == 0
                ):
                    break
                time.sleep(0.2)
            started = time.monotonic()
            load = subprocess.Popen(
                ["wrk", "-t2", "-c32", "-d600s", "--timeout", "10s",
                 "-s", str(ROOT / "bench/wrk/submit.lua"), f"http://127.0.0.1:{PORT}"],
                env={**env, "BENCH_SESSIONS": str(burst), "BENCH_EXPECT": "302",
                     "BENCH_THREADS": "2", "BENCH_DIR": str(ROOT / "bench/wrk")},
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            # wrk does not always end by itself when its sessions are used up: stop it
            # (SIGINT: it prints its figures) once no new request has come for 10 s.
            _wait_for_the_requests_to_stop(load)
            load.send_signal(signal.SIGINT)
            out = load.communicate(timeout=60)[0]
            line = next(x for x in out.splitlines() if x.startswith("BENCH "))
            result = json.loads(line[6:])
            drained = _wait_for_the_queue(started)
        finally:
            for process in [web, *workers]:
                process.terminate()
            for process in [web, *workers]:
                process.wait(timeout=60)
        import django

        django.setup()
        from django.db.models import Max, Min

        from cancellations.models import CancellationRequest
        from notifications.models import EmailStatus, OutboundEmail

        requests = CancellationRequest.objects.count()
        first_last = CancellationRequest.objects.aggregate(Min("received_at"), Max("received_at"))
        burst_seconds = (
            first_last["received_at__max"] - first_last["received_at__min"]
        ).total_seconds()
        posts = [
            line.split()[-1]
            for line in ACCESS_LOG.read_text().splitlines()
            if line.startswith("POST /resiliation/confirmer/")
        ]
        subscriptions = CancellationRequest.objects.values("subscription").distinct().count()
        acknowledgements = OutboundEmail.objects.filter(
            template="request_received", status=EmailStatus.SENT
        ).count()
        receipts = CancellationRequest.objects.exclude(receipt="").count()
        sent_ids = {str(i) for i in OutboundEmail.objects.filter(status=EmailStatus.SENT)
                    .values_list("pk", flat=True)}  # fmt: skip
        twice = {k: v for k, v in smtp.accepted.items() if v > 1}
        report = {
            "posts_received_by_the_server": len(posts),
            "posts_answered_302": posts.count("302"),
            "wrk_answers_counted": result["requests"],
            "failed_answers": result["unexpected_status"] + result["socket_errors"],
            "timeouts": result["timeouts"],
            "burst_seconds": round(burst_seconds, 1),
            "accepted_per_second": round(requests / burst_seconds, 1),
            "p99_ms": result["p99_us"] / 1000,
            "requests_created": requests,
            "distinct_subscriptions": subscriptions,
            "acknowledgements_sent": acknowledgements,
            "receipts_written": receipts,
            "smtp_accepted": sum(smtp.accepted.values()),
            "smtp_accepted_twice": len(twice),
            "sent_not_accepted_by_smtp": len(sent_ids - set(smtp.accepted)),
            "queue_drained_seconds_after_start": round(drained, 1),
            "web_workers": WEB_WORKERS,
            "task_workers": TASK_WORKERS,
        }
        print("BURST " + json.dumps(report))
        ok = (
            requests
            == subscriptions
            == acknowledgements
            == receipts
            == posts.count("302")
            == len(posts)
            and requests == SUBMISSIONS
            and not twice
            and report["failed_answers"] == 0
            and report["sent_not_accepted_by_smtp"] == 0
        )
        sys.exit(0 if ok else 1)


def _wait_for_the_requests_to_stop(load: subprocess.Popen[str]) -> None:
    last, since = -1, time.monotonic()
    while load.poll() is None:
        count = int(
            subprocess.run(
                [PY, "-c", COUNT], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout
        )
        if count != last:
            last, since = count, time.monotonic()
        elif count and time.monotonic() - since > 10:
            return
        time.sleep(1)


def _wait_for_the_queue(started: float) -> float:
    """Seconds from the burst's start until no e-mail is left to send and no submission
    to check."""
    check = (
        "import django; django.setup()\n"
        "from notifications.models import OutboundEmail\n"
        "from cancellations.models import PublicSubmission\n"
        "print(OutboundEmail.objects.exclude(status='sent').count()"
        " + PublicSubmission.objects.filter(checked_at__isnull=True).count())"
    )
    while True:
        left = subprocess.run(
            [PY, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        if left == "0":
            return time.monotonic() - started
        if time.monotonic() - started > 1800:
            raise SystemExit(f"the queue did not drain in 30 minutes ({left} left)")
        time.sleep(1)


if __name__ == "__main__":
    main()
