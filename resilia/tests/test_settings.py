"""Settings come from the environment; production mode refuses to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolbox.env import env_bool, env_int

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k8Jq2vN0pW7fR4tY1hB6mC3xZ9aL5sD0gE2uI8oP4rT6yQ1wV3nM7bK5jH9fG2dS",
    "ALLOWED_HOSTS": "resilia.example.nc",
    "DATABASE_URL": "sqlite:////tmp/resilia-check.sqlite3",
    "EMAIL_HOST": "smtp.example.nc",
    "SECURE_HSTS_PRELOAD": "true",
    "RESILIA_SITE_URL": "https://resilia.example.nc",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_", "SECURE_", "DEBUG", "DJANGO_ALLOW_ASYNC"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_check_deploy_warns_while_links_would_point_to_the_demo_address() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "RESILIA_SITE_URL"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "resilia.W001" in result.stderr and "http://127.0.0.1:8000" in result.stderr


def test_production_without_secret_key_stops_with_a_clear_message() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


def test_a_bad_boolean_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
        env_bool("SOME_FLAG", False)
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be an integer"):
        env_int("SOME_NUMBER", 1)


def test_the_demo_mailbox_cannot_be_turned_on_in_production() -> None:
    # It shows live password and signing links to whoever opens it.
    result = _manage("check", env={**PRODUCTION, "RESILIA_DEMO_MAILBOX": "true"})
    assert result.returncode != 0
    assert "RESILIA_DEMO_MAILBOX can only be on with DEBUG" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "too-short-Zq9v8w7",
        "django-insecure-" + "k8Jq2vN0pW7fR4tY1hB6mC3xZ9aL5sD0gE2uI8oP4rT6y",
        "change-me-" + "k8Jq2vN0pW7fR4tY1hB6mC3xZ9aL5sD0gE2uI8oP4rT6yQ1w",
        "a" * 80,
    ],
    ids=["short", "django-placeholder", "change-me", "one-letter"],
)
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    result = _manage("check", env={**PRODUCTION, "SECRET_KEY": key})
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr


def test_postgresql_connections_give_up_after_five_seconds() -> None:
    # An unreachable database must answer /healthz 503 quickly, not hang every worker.
    env = {**PRODUCTION, "DATABASE_URL": "postgres://u@db.invalid:5432/x"}
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])"
    result = _manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert "'connect_timeout': 5" in result.stdout
