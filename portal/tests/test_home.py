import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_script_prefix
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Customer, Plan, Subscription
from portal.templatetags.resilia import day, noumea, xpf
from testing.helpers import PASSWORD
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db
HOME = reverse("portal:home")


def test_home_lists_the_customers_subscriptions(alice_client: Client) -> None:
    page = alice_client.get(HOME).content.decode()
    assert "Bonjour Alice Wayaridri" in page
    assert "Fibre 100" in page and "ADSL Confort" in page
    assert "6\u00a0900\u00a0F" in page
    assert "254318" in page
    assert "alice@mls.nc" in page and "famille@mls.nc" in page
    assert "15 mars 2021" in page
    assert "Actif" in page


def test_bob_never_sees_alices_subscriptions(alice: Customer, bob_client: Client) -> None:
    page = bob_client.get(HOME).content.decode()
    assert "SUB-B-1" in page
    assert "SUB-A-1" not in page and "alice@mls.nc" not in page and "254318" not in page


def test_the_side_menu_follows_the_leaflet(alice_client: Client) -> None:
    page = alice_client.get(HOME).content.decode()
    assert "Forfaits & Options" in page
    assert "Forfaits Internet" in page


def test_the_client_area_speaks_english_when_chosen(alice_client: Client) -> None:
    response = alice_client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.status_code == 302
    page = alice_client.get(HOME).content.decode()
    assert "Hello Alice Wayaridri" in page
    assert "Plans & Options" in page
    assert '<html lang="en">' in page


def test_the_footer_shows_the_contact_block(alice_client: Client) -> None:
    page = alice_client.get(HOME).content.decode()
    assert "support@mls.nc" in page
    assert "24.99.24" in page
    assert "36.67.76" in page


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        (datetime(2026, 11, 26, 9, 0), True),  # Thursday morning
        (datetime(2026, 11, 26, 16, 0), False),  # closes at 16:00
        (datetime(2026, 11, 26, 7, 59), False),
        (datetime(2026, 11, 28, 10, 0), False),  # Saturday
        (datetime(2026, 9, 24, 10, 0), False),  # Citizenship day, a Thursday
    ],
)
def test_support_is_open_by_noumea_time(alice: Customer, local: datetime, open_: bool) -> None:
    with time_machine.travel(local.replace(tzinfo=NOUMEA), tick=False):
        page = Client().get(reverse("portal:login")).content.decode()
    expected = "Support ouvert en ce moment" if open_ else "Support fermé en ce moment"
    assert expected in page


def test_home_runs_a_constant_number_of_queries(alice: Customer, alice_client: Client) -> None:
    alice_client.get(HOME)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(HOME)
    plan = Plan.objects.get(name="ADSL Confort")
    for index in range(20):
        Subscription.objects.create(
            reference=f"MORE-{index}", customer=alice, plan=plan, started_on=date(2024, 1, 1)
        )
    with CaptureQueriesContext(connection) as many:
        alice_client.get(HOME)
    assert len(many) == len(few)


def test_prices_are_shown_in_whole_francs() -> None:
    assert xpf(4500) == "4\u00a0500\u00a0F"
    assert xpf(12900) == "12\u00a0900\u00a0F"
    assert xpf(0) == "0\u00a0F"


def test_days_are_formatted_in_the_language_of_each_page() -> None:
    """`day` and `noumea` remember their results per process: the language is part of
    what they remember, so a French page's day never reaches an English one."""
    for _ in range(2):  # the second round answers from what the first remembered
        with translation.override("fr"):
            assert day(date(2026, 12, 31), "l j F Y") == "jeudi 31 décembre 2026"
            assert noumea(
                datetime(2026, 12, 31, 12, 59, tzinfo=ZoneInfo("UTC")), "l j F Y H:i"
            ) == ("jeudi 31 décembre 2026 23:59")
        with translation.override("en"):
            assert day(date(2026, 12, 31), "l j F Y") == "Thursday 31 December 2026"
            assert noumea(
                datetime(2026, 12, 31, 12, 59, tzinfo=ZoneInfo("UTC")), "l j F Y H:i"
            ) == ("Thursday 31 December 2026 23:59")
    assert day(None, "j F Y") == ""


def test_an_instant_given_to_day_reads_in_the_active_time_zone() -> None:
    """As Django's `date` filter: `day` remembers days, not instants."""
    page = engines["django"].from_string('{% load resilia %}{{ at|day:"j F Y H:i" }}')
    at = datetime(2026, 12, 31, 12, 59, tzinfo=ZoneInfo("UTC"))
    with translation.override("en"), timezone.override(ZoneInfo("Pacific/Noumea")):
        assert page.render({"at": at}) == "31 December 2026 23:59"
    with translation.override("en"), timezone.override(ZoneInfo("UTC")):
        assert page.render({"at": at}) == "31 December 2026 12:59"


def test_the_demo_mailbox_is_hidden_outside_the_demo(db: None) -> None:
    assert Client().get(reverse("portal:demo_mailbox")).status_code == 404


def test_the_demo_mailbox_shows_an_acknowledgement_before_its_sender_renders_it(
    alice_client: Client, settings: object
) -> None:
    from notifications.models import OutboundEmail

    settings.RESILIA_DEMO_MAILBOX = True  # type: ignore[attr-defined]
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=NOUMEA), tick=False):
        alice_client.post(
            reverse("cancellations:submit"),
            {
                "subscription": "SUB-A-1",
                "desired_date": "2026-12-31",
                "kind": "definitive",
                "idempotency_key": "demo",
            },
        )
        queued = OutboundEmail.objects.get(template="request_received")
        assert queued.body_text == ""  # rendered by its sender, which has not run
        page = alice_client.get(reverse("portal:demo_mailbox")).content.decode()
    assert "Nous avons bien reçu votre demande de résiliation" in page
    queued.refresh_from_db()
    assert queued.body_text == ""  # only shown: the sender still renders it


def test_support_is_closed_on_a_bridge_day_set_by_a_supervisor(db: None) -> None:
    from cancellations.models import CalendarOverride

    CalendarOverride.objects.create(day=date(2026, 11, 30), kind="closed", name="Pont")
    with time_machine.travel(datetime(2026, 11, 30, 10, 0, tzinfo=NOUMEA), tick=False):
        page = Client().get(reverse("portal:login")).content.decode()
    assert "Support fermé en ce moment" in page


def test_a_customer_sees_pages_in_their_own_language_after_logging_in(bob: Customer) -> None:
    client = Client(headers={"accept-language": "fr"})
    client.post(reverse("portal:login"), {"username": "C100002", "password": PASSWORD})
    assert '<html lang="en">' in client.get(HOME).content.decode()


def test_switching_language_is_stored_for_the_customers_emails(
    alice: Customer, alice_client: Client
) -> None:
    alice_client.post(reverse("set_language"), {"language": "en", "next": HOME})
    alice.refresh_from_db()
    assert alice.language == "en"


def test_the_pages_fixed_parts_follow_the_page_the_language_and_the_hour(
    alice_client: Client,
) -> None:
    """The menu, masthead and footer are rendered once per process then reused
    (portal/fragments.py): what they depend on must still show, request after request."""
    current = 'aria-current="page"'
    home = alice_client.get(HOME).content.decode()
    requests = alice_client.get(reverse("cancellations:request_list")).content.decode()
    assert home.count(current) == 1 and requests.count(current) == 1
    assert f'href="{HOME}" {current}' in home
    assert f'href="{reverse("cancellations:request_list")}" {current}' in requests
    thursday = datetime(2026, 11, 26, 9, 0, tzinfo=NOUMEA)
    with time_machine.travel(thursday, tick=False):
        assert "Support ouvert en ce moment" in alice_client.get(HOME).content.decode()
    with time_machine.travel(thursday.replace(hour=17), tick=False):
        assert "Support fermé en ce moment" in alice_client.get(HOME).content.decode()
    alice_client.post(reverse("set_language"), {"language": "en", "next": HOME})
    english = alice_client.get(HOME).content.decode()
    assert "Skip to content" in english and "Cancel your contract" in english
    assert "Mes demandes" not in english and "My requests" in english
    assert re.search(r'value="en"[^>]*aria-current="true"', english)
    assert re.search(r'value="fr"[^>]*aria-current="true"', home)
    assert f'name="next" type="hidden" value="{HOME}"' in english
    assert 'name="next" type="hidden" value="/mes-demandes/"' in requests


def test_the_pages_fixed_parts_follow_the_script_prefix(alice_client: Client) -> None:
    """Behind a proxy that mounts Résilia under a path, every link of the reused parts
    starts with it, the same process serving it under another path too."""
    login_url = reverse("portal:login")  # the path the server sees, after the prefix
    for prefix in ("/espace-client/", "/autre/", "/"):
        with override_script_prefix(prefix):
            home = alice_client.get(HOME).content.decode()
            login = Client().get(login_url).content.decode()
        for page in (home, login):
            assert f'href="{prefix}resilier-mon-contrat/"' in page  # the footer
            assert f'class="brand" href="{prefix}"' in page  # the masthead
        assert f'href="{prefix}mes-demandes/"' in home  # the menu
        assert f'href="{prefix}mot-de-passe-oublie/"' in login  # the log-in form's links


def test_the_demo_mailbox_filters_by_recipient(
    alice: Customer, bob: Customer, settings: object
) -> None:
    from notifications.models import OutboundEmail

    settings.RESILIA_DEMO_MAILBOX = True  # type: ignore[attr-defined]
    for to, subject in (("alice@example.nc", "Pour Alice"), ("bob@example.nc", "Pour Bob")):
        OutboundEmail.objects.create(
            template="form_received", language="fr", to=to, subject=subject,
            body_text="t", body_html="h",
        )  # fmt: skip
    url = reverse("portal:demo_mailbox")
    everyone = Client().get(url).content.decode()
    assert "Pour Alice" in everyone and "Pour Bob" in everyone
    assert '<option value="bob@example.nc">' in everyone
    only_bob = Client().get(url, {"to": "bob@example.nc"}).content.decode()
    assert "Pour Bob" in only_bob and "Pour Alice" not in only_bob
