import io
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts.models import User
from accounts.roles import ensure_roles
from customers.importer import import_csv
from customers.models import Customer
from resilia import demo


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
                summary = import_csv(io.BytesIO(demo.demo_csv(customers).encode()))
                self._demo_logins()
                self._demo_requests()
                self._demo_switches()
            self.stdout.write(
                f"Demo data: {summary.created} subscriptions created, "
                f"{summary.updated} updated, {summary.unchanged} unchanged."
            )
        self.stdout.write("Demo logins (client area): client code / password")
        for code, who in demo.DEMO_CUSTOMERS.items():
            self.stdout.write(f"  {code} / {demo.DEMO_PASSWORD}   {who}")
        self.stdout.write("Staff logins (back office, /backoffice/): username / password")
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

    def _demo_requests(self) -> None:
        """Requests in every state, on customers other than the two demo logins."""
        from datetime import timedelta

        from django.test import override_settings
        from django.utils import timezone

        from cancellations.drafts import Draft
        from cancellations.errors import RequestError
        from cancellations.models import CancellationRequest, Kind
        from cancellations.services import request_reject, request_withdraw
        from cancellations.submission import request_submit
        from customers.models import Subscription
        from resilia.daily import run_daily
        from toolbox.noumea import NOUMEA

        if CancellationRequest.objects.exists():
            return
        now = timezone.now()
        staff = User.objects.get(username="agent")
        kinds = [Kind.DEFINITIVE, Kind.ISP_CHANGE, Kind.MOVING, Kind.DEFINITIVE, Kind.OTHER]
        subscriptions = list(
            Subscription.objects.filter(customer__client_code__gte="C100010")
            .select_related("customer", "plan")
            .order_by("reference")[:64]
        )
        # The last few arrive now and wait for an agent's confirmation.
        waiting, subscriptions = subscriptions[60:], subscriptions[:60]
        for index, subscription in enumerate(subscriptions):
            # Spread receipts over the last ten weeks; desired dates around month ends.
            received = now - timedelta(days=70 - index, hours=index % 9)
            received_on = received.astimezone(NOUMEA).date()
            desired = received_on + timedelta(days=(index * 7) % 50)
            kind = kinds[index % len(kinds)]
            draft = Draft(
                subscription=subscription,
                desired_date=desired,
                kind=kind,
                new_isp=["Lagoon", "Nautile", "Can'l", "Cegetel NC"][index % 4]
                if kind == Kind.ISP_CHANGE
                else "",
                kind_detail="Raisons personnelles" if kind == Kind.OTHER else "",
                mailbox_retention_months=[0, 3, 0, 6, 12][index % 5],
                phone_line_cancelled=index % 7 == 0,
                wants_phone_line_ended=index % 5 == 2,
            )
            try:
                request = request_submit(
                    customer=subscription.customer,
                    draft=draft,
                    actor=None,
                    now=received,
                    channel=["web", "web", "web", "phone", "email"][index % 5],
                )
                if index % 11 == 3:
                    request_withdraw(request=request, actor=None, now=received)
                elif index % 13 == 5:
                    request_reject(
                        request=request, actor=staff, reason="Titulaire du contrat à vérifier"
                    )
            except RequestError:
                continue
        run_daily(now)
        self._demo_forms(staff)
        with override_settings(RESILIA_AUTO_CONFIRM=False):
            for subscription in waiting:
                request_submit(
                    customer=subscription.customer,
                    draft=Draft(
                        subscription=subscription,
                        desired_date=now.astimezone(NOUMEA).date() + timedelta(days=40),
                        kind=Kind.MOVING,
                    ),
                    actor=None,
                    now=now,
                )

    def _demo_switches(self) -> None:
        """Two gaining providers' switches: under way, stopped by the customer, called off."""
        from datetime import timedelta

        from django.utils import timezone

        from api.keys import api_key_create
        from customers.models import Subscription
        from rules import REQUEST_OPEN_STATUSES
        from switching.matching import switch_match
        from switching.objection import switch_object
        from switching.ordering import switch_cancel, switch_order
        from toolbox.noumea import NOUMEA

        supervisor = User.objects.get(username="superviseur")
        keys = {
            name: api_key_create(name=name, scope="switching", expires_at=None, actor=supervisor)[0]
            for name in ("Lagoon", "Nautile")
        }
        free = (
            Subscription.objects.filter(customer__client_code__gte="C100200", status="active")
            .exclude(cancellation_requests__status__in=REQUEST_OPEN_STATUSES)
            .select_related("customer")
            .order_by("reference")[:4]
        )
        today = timezone.now().astimezone(NOUMEA).date()
        for index, subscription in enumerate(free):
            key = keys["Lagoon" if index % 2 == 0 else "Nautile"]
            assert key.provider is not None
            match, _ = switch_match(
                provider=key.provider,
                actor=key.user,
                code_text=subscription.switching_code,
                last_name=subscription.customer.name.split()[-1],
            )
            switch = switch_order(
                provider=key.provider,
                actor=key.user,
                match_id=match.public_id,
                planned_date=today + timedelta(days=20 + 7 * index),
            )
            if index == 2:
                switch_object(match=match, actor=None)
            elif index == 3:
                switch_cancel(switch=switch, reason="Installation reportée", actor=key.user)

    def _demo_forms(self, staff: User) -> None:
        """OPTimo forms at every step: signed, checked, forwarded, answered."""
        from access_forms.forwarding import batch_forward, form_record_answer
        from access_forms.models import AccessLineForm, FormStatus
        from access_forms.services import form_check
        from access_forms.signing import Signature, form_sign

        waiting = list(
            AccessLineForm.objects.filter(
                status=FormStatus.AWAITING_SIGNATURE,
                request__status__in=["submitted", "confirmed"],
            )
            .select_related("request__customer")
            .order_by("id")[:8]
        )
        signed = []
        for form in waiting:
            if not form.can_be_signed:
                continue
            holder = form.holder_name
            signed.append(
                form_sign(
                    form=form,
                    signature=Signature(
                        signer_name=holder,
                        consent=True,
                        typed=holder,
                        holder_address="Nouméa",
                    ),
                    actor=None,
                    ip="127.0.0.1",
                    user_agent="demo",
                )
            )
        for form in signed[:5]:
            form_check(form=form, valid=True, actor=staff)
        batch = batch_forward(actor=staff)
        if batch is not None:
            forwarded = list(batch.forms.order_by("id"))
            if forwarded:
                form_record_answer(
                    form=forwarded[0],
                    accepted=True,
                    operator_reference="OPT-2026-0042",
                    actor=staff,
                )
