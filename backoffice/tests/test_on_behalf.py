"""A customer phoned: the agent finds them, sees their things, and records the request
with the client area's form, rules and e-mails; the channel and the agent are kept."""

import pytest
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from cancellations.models import CancellationRequest, Channel
from customers.models import Customer
from notifications.models import OutboundEmail
from testing.helpers import World, logged_in, run_worker

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["C100002", "tein", "bob@example.nc", "287741"])
def test_an_agent_finds_a_customer(world: World, agent: User, query: str) -> None:
    page = logged_in(agent).get(reverse("backoffice:customer_list") + f"?q={query}")
    assert [c.client_code for c in page.context["page"]] == ["C100002"]


def test_the_customer_page_shows_subscriptions_mailboxes_requests_and_emails(
    world: World, agent: User
) -> None:
    text = logged_in(agent).get(reverse("backoffice:customer_detail", args=["C100001"]))
    html = text.content.decode()
    for expected in ("SUB-A-1", "SUB-A-2", "famille@mls.nc", "RES-2026-000001", "254318"):
        assert expected in html
    assert "RES-2026-000003" not in html  # Bob's


def _form(**fields: str) -> dict[str, str]:
    return {
        "channel": "phone",
        "subscription": "SUB-B-1",
        "desired_date": "2027-01-31",
        "kind": "isp_change",
        "new_isp": "Lagoon",
        "idempotency_key": "k1",
        **fields,
    }


@pytest.fixture
def bob_free(world: World) -> Customer:
    """Bob's request withdrawn, so his subscription can be cancelled again."""
    from cancellations.services import request_withdraw

    request_withdraw(request=world.bobs, actor=None)
    return world.bob


def test_an_agent_records_a_request_for_a_customer_who_phoned(
    bob_free: Customer, agent: User
) -> None:
    client = logged_in(agent)
    url = reverse("backoffice:new_request", args=["C100002"])
    summary = client.get(
        reverse("backoffice:new_request_summary", args=["C100002"]),
        {"subscription": "SUB-B-1", "desired_date": "2027-01-31", "kind": "definitive"},
    )
    assert "31 janvier 2027" in summary.content.decode()
    response = client.post(url, _form())
    request = CancellationRequest.objects.get(subscription__reference="SUB-B-1", status="submitted")
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:request_detail", args=[request.reference])
    assert request.channel == Channel.PHONE and request.created_by == agent
    assert request.new_isp == "Lagoon" and str(request.effective_date) == "2027-01-31"
    entry = AuditEntry.objects.get(action="request.submit", object_id=str(request.pk))
    assert entry.actor == agent and entry.data["channel"] == "phone"
    email = OutboundEmail.objects.get(
        template="request_received", related_reference=request.reference
    )
    assert email.to == "bob@example.nc" and email.language == "en"
    run_worker()
    # The same form sent twice (a double click): one request.
    again = client.post(url, _form())
    assert again.status_code == 302
    assert (
        CancellationRequest.objects.filter(
            subscription__reference="SUB-B-1", status="submitted"
        ).count()
        == 1
    )


def test_the_same_rules_refuse_a_date_in_the_past_and_a_missing_channel(
    bob_free: Customer, agent: User
) -> None:
    client = logged_in(agent)
    url = reverse("backoffice:new_request", args=["C100002"])
    past = client.post(url, _form(desired_date="2026-11-01"))
    assert past.status_code == 400
    no_channel = client.post(url, _form(channel="", idempotency_key="k2"))
    assert no_channel.status_code == 400
    assert "Indiquez comment le client a demandé" in no_channel.content.decode()
    other_customers = client.post(url, _form(subscription="SUB-A-1", idempotency_key="k3"))
    assert other_customers.status_code == 400
    assert not CancellationRequest.objects.filter(status="submitted", customer=bob_free).exists()


def test_an_open_request_leads_to_it_instead_of_a_second(world: World, agent: User) -> None:
    response = logged_in(agent).post(reverse("backoffice:new_request", args=["C100002"]), _form())
    # Bob's subscription already has an open request: not offered, refused by the form.
    assert response.status_code == 400
    assert CancellationRequest.objects.filter(customer=world.bob).count() == 1


def test_an_agent_sends_an_access_link_without_seeing_it(world: World, agent: User) -> None:
    response = logged_in(agent).post(reverse("backoffice:send_access_link", args=["C100001"]))
    assert response.status_code == 302
    run_worker()
    email = OutboundEmail.objects.get(template="password_reset")
    assert email.to == "alice@example.nc" and "MASKED-TOKEN" in email.body_text
    assert AuditEntry.objects.filter(action="customer.send_access_link", actor=agent).exists()


def test_the_on_behalf_form_speaks_of_the_customer_and_starts_with_the_phone(
    bob_free: Customer, agent: User
) -> None:
    import html
    import re

    client = logged_in(agent)
    page = html.unescape(
        client.get(reverse("backoffice:new_request", args=["C100002"])).content.decode()
    )
    assert re.search(r'value="phone"[^>]*checked', page)  # most requests come by phone
    for customers_words in ("Vos e-mails", "Ma ligne téléphonique", "Conservation des e-mails"):
        assert customers_words not in page, customers_words
    assert "Les e-mails du client" in page and "Conserver les e-mails du client" in page
    summary = html.unescape(
        client.get(
            reverse("backoffice:new_request_summary", args=["C100002"]),
            {"subscription": "SUB-B-1", "desired_date": "2027-01-31", "kind": "definitive"},
        ).content.decode()
    )
    assert "Les boîtes mail du client" in summary and "Vos boîtes mail" not in summary
