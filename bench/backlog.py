"""The backlog case (issue 30): with 9,000 webhook events and 3,000 notices pending, how
long a new access code ("Pas encore d'accès ?") takes to reach the customer, with one
worker. The worker starts on the backlog; once the first webhooks are flowing, the code is
asked for; the clock stops when a real SMTP server accepts it.

    make bench-backlog                    # this checkout
    BACKLOG_ROOT=/path/to/old/checkout make bench-backlog   # another checkout's code
    BACKLOG_NEXT_DUE_ONLY=1 ...   # only the lookup of the next webhook, on the backlog

On PostgreSQL (a scratch database, resilia_bench_backlog). The webhook receiver answers
each event in 20 ms; the notices are the daily run's kind (a bulk batch).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from notifications.tests.http_receiver import SlowReceiver  # noqa: E402
from notifications.tests.smtp_server import SMTPServer  # noqa: E402

ROOT = Path(os.environ.get("BACKLOG_ROOT", HERE))
PY = str(HERE / ".venv" / "bin" / "python")
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432")
EVENTS = int(os.environ.get("BACKLOG_EVENTS", "9000"))
NOTICES = int(os.environ.get("BACKLOG_NOTICES", "3000"))
RECEIVER_DELAY = 0.02


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout


def main() -> None:
    receiver = SlowReceiver(RECEIVER_DELAY)
    with SMTPServer() as smtp:
        env = {
            **os.environ,
            "SECRET_KEY": "resilia-bench-only-never-in-production-4e1d7c9a2b6f3085",
            "DEBUG": "false",
            "DATABASE_URL": f"{PG_URL}/resilia_bench_backlog",
            "RESILIA_VAR_DIR": str(HERE / "var" / "bench" / "backlog"),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_USE_TLS": "false",
            "RESILIA_WEBHOOK_ALLOW_PRIVATE": "true",
            "LOG_LEVEL": "ERROR",
        }
        subprocess.run(
            ["psql", f"{PG_URL}/postgres", "-q", "-c", "DROP DATABASE IF EXISTS "
             "resilia_bench_backlog", "-c", "CREATE DATABASE resilia_bench_backlog"],
            check=True,
        )  # fmt: skip
        manage(env, "migrate", "-v0")
        manage(
            env,
            "shell",
            "--no-imports",
            "-c",
            "from customers.models import Customer\n"
            "from notifications.models import OutboundEmail\n"
            "from webhooks.models import WebhookEndpoint\n"
            "from webhooks.services import webhook_emit_many\n"
            "Customer.objects.create(client_code='C999999', name='Bench',"
            " email='bench@example.nc', language='fr')\n"
            f"WebhookEndpoint.objects.create(url='{receiver.url}', secret='whsec_' + 'A' * 44)\n"
            f"webhook_emit_many('request.submitted', [{{'n': n}} for n in range({EVENTS})])\n"
            "OutboundEmail.objects.bulk_create([OutboundEmail(template='mailbox_reminder',"
            " language='fr', to=f'n{n}@example.nc', subject='Rappel', body_text='Rappel',"
            " body_html='<p>Rappel</p>', bulk=True)"
            f" for n in range({NOTICES})], batch_size=1000)\n",
        )
        # The worker's lookup of the next webhook to send, with the whole backlog pending.
        next_due_ms = float(
            manage(
                env,
                "shell",
                "--no-imports",
                "-c",
                "import time\n"
                "from django.utils import timezone\n"
                "from webhooks.delivery import _next_due\n"
                "_next_due(timezone.now())\n"
                "began = time.perf_counter()\n"
                "for _ in range(20): _next_due(timezone.now())\n"
                "print((time.perf_counter() - began) / 20 * 1000)\n",
            )
        )
        if os.environ.get("BACKLOG_NEXT_DUE_ONLY"):
            print(json.dumps({"next_due_ms": round(next_due_ms, 2)}))
            return
        worker = subprocess.Popen([PY, "manage.py", "worker"], cwd=ROOT, env=env)
        try:
            while receiver.count < 20:
                time.sleep(0.05)
            asked = time.monotonic()
            manage(
                env,
                "shell",
                "--no-imports",
                "-c",
                "from accounts.services import access_link_request\n"
                "access_link_request(client_code='C999999', email='bench@example.nc')\n",
            )
            while "bench@example.nc" not in smtp.to and time.monotonic() - asked < 1800:
                time.sleep(0.02)
            waited = time.monotonic() - asked
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            receiver.server.shutdown()
        report = {
            "code_sent_after_seconds": round(waited, 2),
            "next_due_ms": round(next_due_ms, 2),
            "webhooks_delivered_meanwhile": receiver.count,
            "emails_accepted_meanwhile": sum(smtp.accepted.values()),
            "events": EVENTS,
            "notices": NOTICES,
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
