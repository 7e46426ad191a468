"""Load the month-end data: customers with an account, a subscription and a mailbox each,
and logged-in sessions for the load generator (one per customer it will use).

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python bench/load.py \\
        --customers 100000 --sessions 40000 --out var/bench/sessions

Writes `<out>/sessions.txt`: one line per session, "sessionid csrftoken subscription".
Rows are written with bulk_create (a password hashed once and shared): loading is not
what is measured.
"""

import argparse
import os
import secrets
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from customers.models import Customer, Mailbox, Plan, Subscription  # noqa: E402

CHUNK = 5000


def load(customers: int, sessions: int, out: Path) -> None:
    started = time.monotonic()
    if Customer.objects.exists():
        sys.exit("bench/load.py wants an empty, migrated database")
    plan = Plan.objects.create(name="Fibre 100", monthly_price_xpf=6900)
    password = make_password("bench-password-not-secret")
    lines: list[str] = []
    store = SessionStore()
    expire = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    for start in range(0, customers, CHUNK):
        numbers = range(start, min(start + CHUNK, customers))
        users = User.objects.bulk_create(
            [User(username=f"B{n:07d}", password=password) for n in numbers]
        )
        people = Customer.objects.bulk_create(
            [
                Customer(
                    client_code=f"B{n:07d}",
                    name=f"Client {n}",
                    email=f"client{n}@example.nc",
                    user=user,
                )
                for n, user in zip(numbers, users, strict=True)
            ]
        )
        subscriptions = Subscription.objects.bulk_create(
            [
                Subscription(
                    reference=f"SUB-B-{n}",
                    customer=person,
                    plan=plan,
                    started_on=date(2022, 1, 1),
                    access_line=f"2{n:05d}"[-6:] if n % 2 else "",
                )
                for n, person in zip(numbers, people, strict=True)
            ]
        )
        Mailbox.objects.bulk_create(
            [
                Mailbox(subscription=s, address=f"c{n}@mls.nc")
                for n, s in zip(numbers, subscriptions, strict=True)
            ]
        )
        rows = []
        for user, subscription in zip(users, subscriptions, strict=True):
            if len(lines) >= sessions:
                break
            key = secrets.token_hex(16)
            data = {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "accounts.backends.UserBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
            rows.append(
                Session(
                    session_key=key,
                    session_data=store.encode(data),
                    expire_date=expire,
                )
            )
            lines.append(f"{key} {secrets.token_hex(16)} {subscription.reference}")
        Session.objects.bulk_create(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    out.mkdir(parents=True, exist_ok=True)
    (out / "sessions.txt").write_text("\n".join(lines) + "\n")
    print(
        f"loaded {customers} customers and {len(lines)} sessions "
        f"in {time.monotonic() - started:.1f} s ({connection.vendor})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=40_000)
    parser.add_argument("--out", type=Path, default=Path("var/bench/sessions"))
    args = parser.parse_args()
    load(args.customers, args.sessions, args.out)
