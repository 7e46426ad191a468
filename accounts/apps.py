from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(**kwargs: Any) -> None:
    from accounts.roles import ensure_roles

    ensure_roles()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Permissions are created app by app in post_migrate, so the groups are refreshed
        # after each app (no sender filter); the last run sees every permission.
        post_migrate.connect(_ensure_roles, dispatch_uid="accounts.ensure_roles")
