"""quote() calls per second on one core with a warm calendar.

Usage: .venv/bin/python bench/quote_speed.py [CALLS]
The rules module is pure: no Django set-up is needed to measure it.
"""

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules import DEFAULT_CALENDAR, quote
from toolbox.noumea import NOUMEA


def main(calls: int) -> None:
    rng = random.Random(1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cases = []
    for _ in range(10_000):
        received = start + timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
        today = received.astimezone(NOUMEA).date()
        cases.append((received, today + timedelta(days=rng.randrange(0, 366))))
    for received, desired in cases:  # warm the calendar (holidays, month ends)
        quote(received, desired, DEFAULT_CALENDAR)
    best = 0.0
    for _ in range(5):
        began = time.perf_counter()
        for index in range(calls):
            received, desired = cases[index % 10_000]
            quote(received, desired, DEFAULT_CALENDAR)
        rate = calls / (time.perf_counter() - began)
        best = max(best, rate)
    print(f"{calls} calls, best of 5 runs: {best:,.0f} quotes/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
