from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cancellations.calendar import current_calendar
from cancellations.models import CalendarOverride

pytestmark = pytest.mark.django_db


def test_an_override_changes_the_calendar_at_once() -> None:
    assert current_calendar().is_business_day(date(2026, 11, 30))
    CalendarOverride.objects.create(day=date(2026, 11, 30), kind="closed", name="Pont")
    assert not current_calendar().is_business_day(date(2026, 11, 30))
    CalendarOverride.objects.all().delete()
    assert current_calendar().is_business_day(date(2026, 11, 30))


def test_only_a_holiday_can_be_opened() -> None:
    override = CalendarOverride(day=date(2026, 11, 28), kind="open", name="Samedi")
    with pytest.raises(ValidationError) as error:
        override.full_clean()
    assert error.value.error_dict["day"][0].code == "not_a_holiday"


def test_a_closed_day_cannot_be_closed_again() -> None:
    override = CalendarOverride(day=date(2026, 12, 25), kind="closed", name="Noël")
    with pytest.raises(ValidationError) as error:
        override.full_clean()
    assert error.value.error_dict["day"][0].code == "already_closed"


def test_a_supervisor_sets_an_override_in_the_back_office(supervisor: User) -> None:
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        reverse("backoffice:calendar"),
        {"day": "2026-11-30", "kind": "closed", "name": "Pont", "save": "1"},
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert override.created_by == supervisor
    assert not current_calendar().is_business_day(date(2026, 11, 30))


def test_an_agent_cannot_change_the_calendar(agent: User) -> None:
    client = Client()
    client.force_login(agent)
    response = client.post(
        reverse("backoffice:calendar"),
        {"day": "2026-11-30", "kind": "closed", "name": "Pont", "save": "1"},
    )
    assert response.status_code == 403
    assert not CalendarOverride.objects.exists()


def test_the_calendar_in_force_is_shared_by_processes_and_follows_a_change(
    supervisor: User,
) -> None:
    """Built once into Django's cache (one per deployment, every process reads it); a
    supervisor's change replaces it; this process sees the change at once, another when
    it next reads the shared cache (within CHECK_SECONDS, or at its start)."""
    from django.core.cache import cache

    from cancellations.calendar import (
        CACHE_KEY,
        calendar_override_add,
        current_calendar,
        forget_calendar,
    )

    bridge = date(2026, 12, 24)
    assert current_calendar().is_business_day(bridge)
    assert cache.get(CACHE_KEY) == []
    calendar_override_add(day=bridge, kind="closed", name="Pont de Noël", actor=supervisor)
    assert not current_calendar().is_business_day(bridge)  # this process: at once
    # What every other process reads on its next look: the change.
    assert cache.get(CACHE_KEY) == [(bridge, "closed", "Pont de Noël")]
    forget_calendar()  # a process that has not read it yet
    assert not current_calendar().is_business_day(bridge)
