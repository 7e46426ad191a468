"""Staff never see a usable password, activation or signing link (they could take over
the customer's account or sign the line holder's form)."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.models import User
from customers.models import Customer
from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from testing.helpers import delivered_link, run_worker, submit

pytestmark = pytest.mark.django_db

RESET_LINK = r"(/mot-de-passe/[^/\s\"'<]+/[^/\s\"'<]+/)"
SIGNING_LINK = r"(/signer/[^/\s\"'<]+/)"


def _every_staff_page(staff: User) -> str:
    """Every back office page a GET reaches (each request, customer, form and batch), and
    for a superuser every admin list and change page, as HTML."""
    from access_forms.models import AccessLineForm, ForwardingBatch
    from cancellations.models import CancellationRequest
    from customers.models import Customer as AnyCustomer

    client = Client()
    client.force_login(staff)
    pages = [
        reverse(f"backoffice:{name}")
        for name in ("today", "request_list", "forms_queue", "batch_list", "dashboard")
    ]
    pages += [reverse("backoffice:calendar"), reverse("backoffice:audit_log")]
    for reference in CancellationRequest.objects.values_list("reference", flat=True):
        pages.append(reverse("backoffice:request_detail", args=[reference]))
    for code in AnyCustomer.objects.values_list("client_code", flat=True):
        pages.append(reverse("backoffice:customer_detail", args=[code]))
    for pk in AccessLineForm.objects.values_list("pk", flat=True):
        pages.append(reverse("backoffice:form_detail", args=[pk]))
    for reference in ForwardingBatch.objects.values_list("reference", flat=True):
        pages.append(reverse("backoffice:batch_detail", args=[reference]))
    if staff.is_superuser:
        for model in (m for m in apps.get_models() if admin.site.is_registered(m)):
            info = (model._meta.app_label, model._meta.model_name)
            pages.append(reverse("admin:{}_{}_changelist".format(*info)))
            for pk in model._default_manager.values_list("pk", flat=True)[:50]:
                pages.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
    html = []
    for page in pages:
        response = client.get(page)
        if response.status_code == 200:
            html.append(response.content.decode())
    assert len(html) >= 8  # the crawl did reach the pages
    return "\n".join(html)


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(username="root", password="x" * 20)


@pytest.mark.parametrize("role", ["agent", "supervisor", "superuser"])
def test_no_staff_page_shows_a_usable_access_or_signing_link(
    role: str, alice: Customer, alice_client: Client, request: pytest.FixtureRequest
) -> None:
    staff = request.getfixturevalue(role)
    Client().post(
        reverse("portal:password_forgotten"),
        {"client_code": "C100001", "email": "alice@example.nc"},
    )
    run_worker()  # the worker writes the e-mail
    form_request = submit(alice, "SUB-A-1")
    alice_client.post(
        reverse("access_forms:send_link", args=[form_request.reference]),
        {"email": "holder@example.nc"},
    )
    stored = OutboundEmail.objects.filter(template__in=["password_reset", "form_sign_link"])
    assert stored.count() == 2
    assert all(MASK in email.body_text and MASK in email.body_html for email in stored)

    html = _every_staff_page(staff)
    # What the customer and the holder received works...
    reset = delivered_link(r"http://127.0.0.1:8000" + RESET_LINK)
    signing = delivered_link(r"http://127.0.0.1:8000" + SIGNING_LINK)
    assert reset.split("/")[-2] not in html and signing.split("/")[-2] not in html
    assert Client().get(signing).status_code == 200
    # ...and every link a staff page shows is dead.
    shown = re.findall(RESET_LINK, html) + re.findall(SIGNING_LINK, html)
    if role == "superuser":
        assert shown, "the admin lists the e-mails with their (masked) links"
    for link in shown:
        page = Client().get(link, follow=True)
        text = page.content.decode()
        if link.startswith("/signer/"):
            assert page.status_code == 410
        else:
            assert "new_password1" not in text, link


def test_the_masked_token_never_reaches_the_recipient(alice: Customer) -> None:
    Client().post(
        reverse("portal:password_forgotten"),
        {"client_code": "C100001", "email": "alice@example.nc"},
    )
    link = delivered_link(r"http://127.0.0.1:8000" + RESET_LINK)
    assert MASK not in link
    assert "new_password1" in Client().get(link, follow=True).content.decode()
