"""The dashboard's and the landing page's figures on a known data set, each computed by
the database; the automatic reminder to sign goes once."""

from datetime import date, datetime, timedelta

import pytest
from django.db.models import F
from django.urls import reverse

from access_forms.models import AccessLineForm
from access_forms.services import form_check
from accounts.models import User
from backoffice.selectors import dashboard, month_end_countdown, needs_action_counts
from cancellations.models import CancellationRequest
from customers.models import Mailbox
from notifications.models import OutboundEmail
from resilia.daily import run_daily
from testing.helpers import BACKOFFICE_DAY as NOW
from testing.helpers import World, logged_in
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(world: World, agent: User) -> World:
    requests = CancellationRequest.objects
    requests.filter(pk=world.plain.pk).update(
        kind="isp_change",
        new_isp=" lagoon",
        channel="phone",
        confirmed_at=F("received_at") + timedelta(hours=2),
    )
    requests.filter(pk=world.signed.pk).update(
        kind="isp_change", new_isp="Lagoon", confirmed_at=F("received_at") + timedelta(hours=4)
    )
    requests.filter(pk=world.bobs.pk).update(confirmed_at=F("received_at") + timedelta(hours=10))
    AccessLineForm.objects.filter(pk=world.bobs.access_form.pk).update(
        status="acknowledged", operator_answered_at=F("forwarded_at") + timedelta(days=3)
    )
    form_check(form=world.signed.access_form, valid=False, reason="Illisible", actor=agent)
    Mailbox.objects.filter(address="alice@mls.nc").update(
        status="retained", retained_until=date(2026, 12, 10)
    )
    return world


def test_the_dashboards_figures(known: World) -> None:
    figures = dashboard(now=NOW)
    week = figures.weeks.index(date(2026, 11, 23))
    assert figures.weekly_by_kind["isp_change"][week] == 2
    assert figures.weekly_by_kind["definitive"][week] == 1
    assert sum(sum(counts) for counts in figures.weekly_by_kind.values()) == 3
    assert (figures.total, figures.isp_changes) == (3, 2)
    # " lagoon" and "Lagoon" are one provider, written as typed most often.
    assert figures.new_isps == [("Lagoon", 2)]
    assert sorted(figures.channels) == [("phone", 1), ("web", 2)]  # labelled at display
    # Durations 2 h, 4 h, 10 h: median (nearest rank) 4 h, 90th percentile 10 h.
    assert figures.confirmation.count == 3
    assert figures.confirmation.median == timedelta(hours=4)
    assert figures.confirmation.p90 == timedelta(hours=10)
    assert figures.operator_answer.median == timedelta(days=3)
    assert figures.forms_by_age[0] == ("0–2", 1)
    assert sum(n for _, n in figures.forms_by_age) == 1
    assert dict(figures.mailboxes_by_week)[date(2026, 12, 7)] == 1


def test_the_dashboard_page_shows_charts_and_their_numbers(known: World, agent: User) -> None:
    html = logged_in(agent).get(reverse("backoffice:dashboard")).content.decode()
    assert html.count('class="chart"') == 5 and html.count('role="img"') == 5
    assert "Lagoon" in html and "4 h 00 min" in html and "10 h 00 min" in html
    assert "<script" not in html.split("<main", 1)[1]  # drawn on the server


def test_the_dashboard_speaks_the_readers_language_and_writes_a_provider_one_way(
    known: World, agent: User
) -> None:
    from django.conf import settings

    from switching.models import Provider

    Provider.objects.create(name="LaGoon")  # the provider's account, as it writes itself
    staff = logged_in(agent)
    assert "Téléphone" in staff.get(reverse("backoffice:dashboard")).content.decode()
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = staff.get(reverse("backoffice:dashboard")).content.decode()
    assert "Phone" in html and "Téléphone" not in html  # the figures were cached in French
    assert "LaGoon" in html and "LAGOON" not in html


def test_needs_action_counts(known: World) -> None:
    counts = needs_action_counts(date(2026, 11, 27))
    assert counts["since_day"] == date(2026, 11, 26)
    assert counts["received_today"] == 0
    assert counts["received_since_last_business_day"] == 3
    assert counts["to_confirm"] == 3  # manual confirmation, processing day passed
    assert counts["invalid"] == 1 and counts["to_check"] == 0
    assert counts["forwarded"] == 0 and counts["batches_waiting"] == 0  # answered
    assert counts["mailboxes_due"] == 1


def test_the_month_end_countdown(known: World) -> None:
    countdown = month_end_countdown(NOW)
    # November 2026 ends on Monday 30th, 23:59 Nouméa.
    assert countdown.deadline.date() == date(2026, 11, 30)
    assert countdown.days_left == 3 and countdown.received_this_month == 3
    assert countdown.received_last_month_by_now == 0


def test_the_daily_run_reminds_unsigned_forms_once(known: World, settings: object) -> None:
    settings.RESILIA_FORM_REMINDER_DAYS = 7  # type: ignore[attr-defined]
    from cancellations.services import request_withdraw
    from customers.models import Plan, Subscription
    from testing.helpers import make_customer

    customer = make_customer("C100009", "Thi Hương", "huong@example.nc")
    Subscription.objects.create(
        reference="SUB-H-1",
        customer=customer,
        plan=Plan.objects.get(name="Fibre 100"),
        started_on=date(2024, 1, 1),
        access_line="255555",
    )
    from testing.helpers import submit

    unsigned = submit(customer, "SUB-H-1")
    assert unsigned.access_form.status == "awaiting_signature"
    request_withdraw(request=known.plain, actor=None)
    assert run_daily(datetime(2026, 12, 2, 0, 5, tzinfo=NOUMEA))["forms_reminded"] == 0
    assert run_daily(datetime(2026, 12, 3, 0, 5, tzinfo=NOUMEA))["forms_reminded"] == 1
    assert run_daily(datetime(2026, 12, 4, 0, 5, tzinfo=NOUMEA))["forms_reminded"] == 0
    email = OutboundEmail.objects.get(template="form_reminder")
    assert email.to == "huong@example.nc"
    assert "/mes-demandes/RES-2026-000004/bon/" in email.body_text


def test_the_worker_keeps_the_dashboard_fresh_so_no_agent_waits(known: World) -> None:
    from django.core.cache import cache

    from backoffice.selectors import DASHBOARD_KEY, dashboard_refresh_if_due

    assert dashboard_refresh_if_due(NOW)  # nothing cached: computed
    assert cache.get(DASHBOARD_KEY).total == 3
    assert not dashboard_refresh_if_due(NOW + timedelta(minutes=3))  # still fresh
    assert dashboard_refresh_if_due(NOW + timedelta(minutes=5))  # four minutes old
