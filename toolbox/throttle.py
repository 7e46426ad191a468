"""Counting attempts in the database, atomically, so that every web process sees the same
count and concurrent attempts cannot slip past a limit.

Each key has one row. An attempt is one `UPDATE … SET count = count + 1` and the read of
the count, in one transaction: the row lock makes concurrent attempts take their turn, so
the n-th attempt reads n, and exactly `limit` attempts are let through in a window. The
window is fixed at the first attempt; later attempts do not extend it. `prune` (the daily
run) deletes the rows whose window has ended.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from toolbox.models import AttemptCounter, RefusalCount

KEY_LENGTH = 200
REFUSALS_KEPT_DAYS = 90


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more attempt under `key`; True once there have been more than `limit`
    within the window."""
    return count_attempt(key, window_seconds=window_seconds) > limit


def count_attempt(key: str, *, window_seconds: int) -> int:
    """Count one more attempt under `key`; the number of attempts in the window so far."""
    key = key[:KEY_LENGTH]
    now = timezone.now()
    counters = AttemptCounter.objects.filter(key=key)
    # One transaction: the row stays locked from the increment to the read, so the count
    # read is this attempt's own, not a later one's.
    with transaction.atomic():
        for _ in range(3):
            if counters.filter(window_ends__gt=now).update(count=F("count") + 1):
                break
            # No window running: start one (an ended one is reset in place).
            ends = now + timedelta(seconds=window_seconds)
            if counters.filter(window_ends__lte=now).update(count=1, window_ends=ends):
                break
            try:
                with transaction.atomic():
                    AttemptCounter.objects.create(key=key, count=1, window_ends=ends)
                break
            except IntegrityError:
                continue  # another process created it first: count on its row
        return counters.values_list("count", flat=True).first() or 1


def uncount(key: str) -> None:
    """Give back one attempt counted first and found not to count (a right answer)."""
    AttemptCounter.objects.filter(
        key=key[:KEY_LENGTH], window_ends__gt=timezone.now(), count__gt=0
    ).update(count=F("count") - 1)


def attempts(key: str) -> int:
    """The attempts counted under `key` in its running window, without counting one."""
    now = timezone.now()
    found = AttemptCounter.objects.filter(key=key[:KEY_LENGTH], window_ends__gt=now)
    return found.values_list("count", flat=True).first() or 0


def forget(key: str) -> None:
    AttemptCounter.objects.filter(key=key[:KEY_LENGTH]).delete()


def forget_all(prefix: str) -> None:
    """Forget every key starting with `prefix` (one user name from every address)."""
    AttemptCounter.objects.filter(key__startswith=prefix[:KEY_LENGTH]).delete()


def refused(limit: str) -> None:
    """Count one attempt refused by `limit` (a name such as "upload-per-customer"), called
    where the limit refuses: how often each limit bites is on the Santé page and /metrics."""
    day = timezone.now().date()
    for _ in range(3):
        if RefusalCount.objects.filter(limit=limit, day=day).update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                RefusalCount.objects.create(limit=limit, day=day, count=1)
            return
        except IntegrityError:
            continue  # another process created it first: count on its row


def prune(now: datetime | None = None) -> int:
    """Delete the counters whose window has ended, and refusal counts older than 90 days
    (the daily run)."""
    now = now or timezone.now()
    done = AttemptCounter.objects.filter(window_ends__lte=now).delete()[0]
    old = (now - timedelta(days=REFUSALS_KEPT_DAYS)).date()
    return done + RefusalCount.objects.filter(day__lt=old).delete()[0]
