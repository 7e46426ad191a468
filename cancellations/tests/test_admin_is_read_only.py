"""Django's admin cannot change domain state behind the rules: each change form refuses a
POST (even a superuser's), and calendar overrides come and go through the audited service."""

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from cancellations.models import CalendarOverride, Status
from customers.models import Customer, Mailbox, Plan, Subscription
from testing.helpers import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(username="root", password="x" * 20)


def _admin(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _snapshot(obj: Any) -> dict[str, object]:
    obj.refresh_from_db()
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize("who", ["superuser", "supervisor", "agent"])
def test_posting_to_each_admin_change_form_changes_nothing(
    who: str, alice: Customer, bob: Customer, request: pytest.FixtureRequest
) -> None:
    client = _admin(request.getfixturevalue(who))
    cancellation = submit(alice, "SUB-A-1")
    subscription = Subscription.objects.get(reference="SUB-A-1")
    targets: list[tuple[Any, dict[str, object]]] = [
        (alice, {"client_code": "HACKED", "email": "eve@example.nc", "name": "Eve"}),
        (
            subscription,
            {"status": "terminated", "ends_on": "2026-12-01", "customer": bob.pk, "plan": 1},
        ),
        (Plan.objects.get(name="Fibre 100"), {"name": "Fibre 100", "monthly_price_xpf": "1"}),
        (Mailbox.objects.filter(subscription=subscription).first(), {"status": "deleted"}),
        (cancellation, {"status": "withdrawn", "effective_date": "2026-12-01"}),
    ]
    before_audit = AuditEntry.objects.count()
    for obj, data in targets:
        before = _snapshot(obj)
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        response = client.post(url, data)
        assert response.status_code in {403, 302, 200}, url
        assert _snapshot(obj) == before, url
    assert AuditEntry.objects.count() == before_audit
    cancellation.refresh_from_db()
    assert cancellation.status != Status.WITHDRAWN


def test_a_calendar_override_is_added_and_removed_with_its_audit_entries(
    superuser: User,
) -> None:
    client = _admin(superuser)
    response = client.post(
        reverse("admin:cancellations_calendaroverride_add"),
        {"day": "2026-12-24", "kind": "closed", "name": "Pont de Noël"},
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert override.created_by == superuser
    added = AuditEntry.objects.get(action="calendar.add")
    assert added.actor_label == "root" and added.data["day"] == "2026-12-24"

    edit = client.post(
        reverse("admin:cancellations_calendaroverride_change", args=[override.pk]),
        {"day": "2026-12-31", "kind": "closed", "name": "Changed"},
    )
    assert edit.status_code == 403
    assert CalendarOverride.objects.get().day == date(2026, 12, 24)

    client.post(
        reverse("admin:cancellations_calendaroverride_delete", args=[override.pk]),
        {"post": "yes"},
    )
    assert not CalendarOverride.objects.exists()
    assert AuditEntry.objects.filter(action="calendar.remove").count() == 1


@pytest.mark.parametrize("who", ["supervisor", "agent", "alice"])
def test_only_superusers_open_the_admin(who: str, request: pytest.FixtureRequest) -> None:
    user = request.getfixturevalue(who)
    user = user.user if hasattr(user, "user") else user
    response = _admin(user).get(reverse("admin:cancellations_cancellationrequest_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
