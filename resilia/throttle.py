"""Counting attempts in the shared cache, so that every web process sees the same count."""

from django.core.cache import cache


def over_limit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one more attempt under `key`; True once there have been more than `limit`
    within the window (which starts at the first attempt)."""
    cache.add(key, 0, window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, window_seconds)
        count = 1
    return count > limit
