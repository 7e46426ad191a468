"""Work the task worker (`manage.py worker`) does between task batches, registered by
the app that owns it: the back office registers its dashboard's refresh."""

from collections.abc import Callable

_steps: list[Callable[[], object]] = []


def register(step: Callable[[], object]) -> Callable[[], object]:
    """Run `step` once per pass of the worker (it decides itself whether it is due)."""
    if step not in _steps:
        _steps.append(step)
    return step


def steps() -> list[Callable[[], object]]:
    return list(_steps)
