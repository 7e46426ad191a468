"""Supervisors' settings: the calendar with its effect previewed, staff accounts and
roles, and the audit log searched by reference, client code, actor, action and date."""

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from backoffice.access import staff_role
from cancellations.models import CalendarOverride
from testing.helpers import World, logged_in

pytestmark = pytest.mark.django_db


def test_closing_a_bridge_day_is_previewed_then_saved(supervisor: User) -> None:
    client = logged_in(supervisor)
    url = reverse("backoffice:calendar")
    # Closing Monday 30 November moves November's last business day to Friday 27th.
    preview = client.post(
        url, {"day": "2026-11-30", "kind": "closed", "name": "Pont", "preview": "1"}
    )
    text = preview.content.decode()
    assert (
        "Dernier jour ouvré de novembre 2026 : lundi 30 novembre avec le calendrier actuel" in text
    )
    assert "vendredi 27 novembre avec ce changement" in text
    assert not CalendarOverride.objects.exists()
    saved = client.post(url, {"day": "2026-11-30", "kind": "closed", "name": "Pont", "save": "1"})
    assert saved.status_code == 302
    override = CalendarOverride.objects.get()
    assert AuditEntry.objects.filter(action="calendar.add", actor=supervisor).exists()
    client.post(reverse("backoffice:calendar_remove", args=[override.pk]))
    assert not CalendarOverride.objects.exists()
    assert AuditEntry.objects.filter(action="calendar.remove", actor=supervisor).exists()


def test_a_day_that_cannot_be_opened_is_refused_with_a_message(supervisor: User) -> None:
    response = logged_in(supervisor).post(
        reverse("backoffice:calendar"),
        {"day": "2026-11-25", "kind": "open", "name": "x", "save": "1"},
    )
    assert response.status_code == 400
    assert not CalendarOverride.objects.exists()
    bad_date = logged_in(supervisor).post(
        reverse("backoffice:calendar"), {"day": "2026-02-31", "kind": "closed", "name": "x"}
    )
    assert bad_date.status_code == 400


def test_a_supervisor_creates_an_agent_changes_the_role_and_deactivates(
    supervisor: User,
) -> None:
    client = logged_in(supervisor)
    weak = client.post(
        reverse("backoffice:staff"),
        {"username": "marie", "email": "marie@mls.nc", "role": "agent", "password": "123"},
    )
    assert weak.status_code == 400 and not User.objects.filter(username="marie").exists()
    client.post(
        reverse("backoffice:staff"),
        {
            "username": "marie",
            "email": "marie@mls.nc",
            "role": "agent",
            "password": "lagon-bleu-2026-noumea",
        },
    )
    marie = User.objects.get(username="marie")
    assert staff_role(marie) == "agent"
    client.post(reverse("backoffice:staff_change", args=[marie.pk]), {"role": "supervisor"})
    assert staff_role(User.objects.get(pk=marie.pk)) == "supervisor"
    client.post(reverse("backoffice:staff_change", args=[marie.pk]), {"active": "0"})
    assert not User.objects.get(pk=marie.pk).is_active
    actions = set(AuditEntry.objects.filter(actor=supervisor).values_list("action", flat=True))
    assert {"staff.create", "staff.role", "staff.deactivate"} <= actions
    # A supervisor cannot lock themselves out.
    client.post(reverse("backoffice:staff_change", args=[supervisor.pk]), {"active": "0"})
    client.post(reverse("backoffice:staff_change", args=[supervisor.pk]), {"role": "agent"})
    assert staff_role(User.objects.get(pk=supervisor.pk)) == "supervisor"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=RES-2026-000002", {"request.submit"}),
        ("q=C100002", {"request.submit", "form.sign", "form.valid"}),
        ("actor=agent", {"form.valid", "forms.forward"}),
        ("action=form.", {"form.sign", "form.valid"}),
        ("day_from=2026-11-28", set()),
        ("day_from=bogus&actor=agent", {"form.valid", "forms.forward"}),
    ],
)
def test_the_audit_log_is_searchable(
    world: World, supervisor: User, query: str, expected: set[str]
) -> None:
    response = logged_in(supervisor).get(reverse("backoffice:audit_log") + "?" + query)
    assert response.status_code == 200
    actions = {entry.action for entry in response.context["page"]}
    assert actions == expected
