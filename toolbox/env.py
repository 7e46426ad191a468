"""Typed readers for environment variables.

Settings come from the environment only (12-factor). Each helper fails loudly on a
value it cannot parse, so a typo in production stops the process at start-up instead
of silently falling back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int_list(name: str, default: list[int]) -> list[int]:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        numbers = [int(item) for item in value.split(",") if item.strip()]
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be whole numbers separated by commas, not {value!r}."
        ) from None
    if not numbers or any(n <= 0 for n in numbers):
        raise ImproperlyConfigured(f"{name} must list positive whole numbers, not {value!r}.")
    return numbers


# Words that mark a key copied from documentation or an example, never generated.
PLACEHOLDER_WORDS = ("change", "secret", "example", "insecure", "django", "placeholder", "xxxx")


def is_placeholder(value: str) -> bool:
    lowered = value.lower()
    return lowered.startswith("django-insecure") or any(
        lowered.replace("-", "").replace("_", "").startswith(word) for word in PLACEHOLDER_WORDS
    )
