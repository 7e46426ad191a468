import io
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts.models import User
from accounts.roles import ensure_roles
from customers import demo
from customers.importer import import_csv
from customers.models import Customer


class Command(BaseCommand):
    help = "Load the demo ISP: a few hundred customers, demo logins and staff accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if customers already exist."
        )
        parser.add_argument("--customers", type=int, default=300)

    def handle(self, *args: Any, if_empty: bool, customers: int, **options: Any) -> None:
        if if_empty and Customer.objects.exists():
            self.stdout.write("Customers already exist: demo data not loaded again.")
        else:
            with transaction.atomic():
                summary = import_csv(io.StringIO(demo.demo_csv(customers)))
                self._demo_logins()
            self.stdout.write(
                f"Demo data: {summary.created} subscriptions created, "
                f"{summary.updated} updated, {summary.unchanged} unchanged."
            )
        self.stdout.write("Demo logins (client area): client code / password")
        for code, who in demo.DEMO_CUSTOMERS.items():
            self.stdout.write(f"  {code} / {demo.DEMO_PASSWORD}   {who}")
        self.stdout.write("Staff logins (back office, /admin/): username / password")
        for username, (password, role) in demo.STAFF.items():
            self.stdout.write(f"  {username} / {password}   {role}")

    def _demo_logins(self) -> None:
        ensure_roles()
        for code in demo.DEMO_CUSTOMERS:
            customer = Customer.objects.get(client_code=code)
            user = customer.user or User(username=code)
            user.email = customer.email
            user.set_password(demo.DEMO_PASSWORD)
            user.save()
            if customer.user_id != user.pk:
                customer.user = user
                customer.save(update_fields=["user"])
        for username, (password, role) in demo.STAFF.items():
            user = User.objects.filter(username=username).first() or User(username=username)
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
