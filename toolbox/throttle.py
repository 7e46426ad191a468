"""Counting attempts in the shared cache, so that every web process sees the same count."""

import time

from django.core.cache import cache


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more attempt under `key`; True once there have been more than `limit`
    within the window. The window is fixed at the first attempt: later attempts do not
    extend it, and the entry outlives it only by the window's own length."""
    now = time.time()
    count, ends = cache.get(key) or (0, now + window_seconds)
    if ends <= now:
        count, ends = 0, now + window_seconds
    count += 1
    cache.set(key, (count, ends), max(1, int(ends - now)))
    return count > limit
