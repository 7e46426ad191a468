from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from api.keys import api_key_create
from api.models import Scope


class Command(BaseCommand):
    help = (
        "Create an API key and print it (once). Supervisors usually create keys in the "
        "back office (Integrations); this is for automation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--scope", choices=Scope.values, default=Scope.READ)

    def handle(self, *args: Any, name: str, scope: str, **options: Any) -> None:
        _, secret = api_key_create(name=name, scope=scope, expires_at=None, actor=None)
        self.stdout.write(secret)
