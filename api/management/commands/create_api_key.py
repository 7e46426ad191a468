from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.keys import api_key_create
from api.models import Scope


class Command(BaseCommand):
    help = (
        "Create an API key and print it (once). Supervisors usually create keys in the "
        "back office (Integrations); this is for automation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="who uses it (a switching key: the provider's name)")
        parser.add_argument("--scope", choices=Scope.values, default=Scope.READ)
        parser.add_argument(
            "--provider",
            default="",
            help="a switching key's gaining provider: created with its first key, joined by "
            "the next ones (a new key sees the switches of the keys it replaces)",
        )

    def handle(
        self, *args: Any, name: str | None, scope: str, provider: str, **options: Any
    ) -> None:
        if provider and scope != Scope.SWITCHING:
            raise CommandError("--provider is for a switching key (--scope switching).")
        if not (name or provider):
            raise CommandError("Give --name (or, for a switching key, --provider).")
        api_key, secret = api_key_create(
            name=name or provider, scope=scope, expires_at=None, actor=None, provider=provider
        )
        if api_key.provider is not None:
            self.stderr.write(f"A key of {api_key.provider.name}:")
        self.stdout.write(secret)
