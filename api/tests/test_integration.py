"""The integration API: keys and scopes, each endpoint's happy path and refusals, every
change through the services (history, audit, e-mails), attributed to the key."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from api.keys import api_key_revoke
from audit.models import AuditEntry
from cancellations.models import CancellationRequest, Channel, Status
from customers.models import Customer
from notifications.models import OutboundEmail
from testing.helpers import Call, key_named, submit
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 27, 9, tzinfo=NOUMEA)


@pytest.fixture(autouse=True)
def _friday() -> object:
    with time_machine.travel(NOW, tick=True):
        yield


# --- Keys -----------------------------------------------------------------------------------


def test_no_key_a_wrong_key_a_revoked_or_expired_key_get_401(
    api: Call, alice: Customer, supervisor: object
) -> None:
    assert api("get", "/api/v1/customers/C100001", key=None).status_code == 401
    wrong = api("get", "/api/v1/customers/C100001", key="rsl_not-a-key")
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
    assert wrong["WWW-Authenticate"] == "Bearer"
    assert api("get", "/api/v1/customers/C100001", key="read").status_code == 200
    api_key_revoke(api_key=key_named("Support"), actor=supervisor)  # type: ignore[arg-type]
    assert api("get", "/api/v1/customers/C100001", key="read").status_code == 401
    key_named("Facturation").__class__.objects.filter(name="Facturation").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert api("get", "/api/v1/customers/C100001", key="write").status_code == 401


def test_a_read_key_cannot_write(api: Call, alice: Customer) -> None:
    request = submit(alice, "SUB-A-1")
    response = api("post", f"/api/v1/requests/{request.reference}/confirm", key="read")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_failed_attempts_are_throttled(api: Call, alice: Customer) -> None:
    for _ in range(20):
        assert api("get", "/api/v1/customers/C100001", key="rsl_guess").status_code == 401
    response = api("get", "/api/v1/customers/C100001", key="read")
    assert response.status_code == 429 and response.json()["code"] == "too_many_failures"
    assert response["Retry-After"] == "600"


def test_every_call_is_in_the_audit_log_under_its_key(api: Call, alice: Customer) -> None:
    api("get", "/api/v1/customers/C100001", key="read")
    entry = AuditEntry.objects.get(action="api.call")
    assert entry.actor_label == key_named("Support").user.username
    assert entry.data == {"method": "GET", "path": "/api/v1/customers/C100001"}
    stored = key_named("Support")
    assert stored.last_used_at is not None and stored.last_used_ip == "127.0.0.1"


def test_only_a_digest_and_a_prefix_of_the_key_are_stored(keys: dict[str, str]) -> None:
    stored = key_named("Facturation")
    assert keys["write"] not in (stored.digest, stored.prefix)
    assert keys["write"].startswith(stored.prefix) and len(stored.prefix) == 12


# --- Reads ----------------------------------------------------------------------------------


def test_a_customer_with_subscriptions_and_mailboxes(api: Call, alice: Customer) -> None:
    body = api("get", "/api/v1/customers/c100001", key="read").json()
    assert body["client_code"] == "C100001"
    assert [s["reference"] for s in body["subscriptions"]] == ["SUB-A-1", "SUB-A-2"]
    assert {m["address"] for m in body["subscriptions"][0]["mailboxes"]} == {
        "alice@mls.nc",
        "famille@mls.nc",
    }
    assert api("get", "/api/v1/customers/C999999", key="read").status_code == 404


def test_requests_are_listed_with_filters_and_a_cursor_stable_under_inserts(
    api: Call, alice: Customer, bob: Customer
) -> None:
    first = submit(alice, "SUB-A-1")
    second = submit(alice, "SUB-A-2")
    CancellationRequest.objects.filter(pk=second.pk).update(
        received_at=first.received_at + timedelta(minutes=1)
    )
    page = api("get", "/api/v1/requests", key="read", json_body={"limit": 1}).json()
    assert [r["reference"] for r in page["items"]] == [second.reference]
    newer = submit(bob, "SUB-B-1")  # a newer request arrives between two pages
    CancellationRequest.objects.filter(pk=newer.pk).update(received_at=timezone.now())
    rest = api(
        "get", "/api/v1/requests", key="read", json_body={"limit": 5, "cursor": page["next_cursor"]}
    ).json()
    assert [r["reference"] for r in rest["items"]] == [first.reference]
    assert rest["next_cursor"] is None
    filtered = api("get", "/api/v1/requests", key="read", json_body={"q": "C100002"}).json()
    assert [r["client_code"] for r in filtered["items"]] == ["C100002"]
    bad = api("get", "/api/v1/requests", key="read", json_body={"received_from": "31/02"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_filter"
    assert api("get", "/api/v1/requests", key="read", json_body={"cursor": "!!"}).status_code == 422


def test_a_request_and_its_final_invoice_data(api: Call, alice: Customer) -> None:
    request = submit(alice, "SUB-A-1", mailbox_retention_months=3)
    body = api("get", f"/api/v1/requests/{request.reference}", key="read").json()
    assert body["effective_date"] == "2026-12-31" and body["form_status"] == "awaiting_signature"
    invoice = api("get", f"/api/v1/requests/{request.reference}/final-invoice", key="read").json()
    assert invoice["billing_end"] == "2026-12-31" and invoice["applies"] is True
    assert invoice["months_still_billed"] == [
        {"month": "2026-11", "amount_xpf": 6900},
        {"month": "2026-12", "amount_xpf": 6900},
    ]
    assert invoice["total_still_billed_xpf"] == 13800
    assert {m["kept_until"] for m in invoice["mailboxes"]} == {"2027-03-31"}
    assert api("get", "/api/v1/requests/RES-2026-999999", key="read").status_code == 404


def test_the_quote_of_a_subscription(api: Call, alice: Customer) -> None:
    body = api(
        "get",
        "/api/v1/subscriptions/SUB-A-1/quote",
        key="read",
        json_body={"desired_date": "2026-12-15"},
    ).json()
    assert body["effective_date"] == "2026-12-15" and body["billing_end"] == "2026-12-31"
    assert body["total_still_billed_xpf"] == 13800
    assert {m["deleted_after"] for m in body["mailboxes"]} == {"2026-12-15"}
    past = api(
        "get",
        "/api/v1/subscriptions/SUB-A-1/quote",
        key="read",
        json_body={"desired_date": "2026-01-01"},
    )
    assert past.status_code == 422 and past.json()["code"] == "date_in_past"


def test_forms_and_the_signed_document(api: Call, alice: Customer) -> None:
    from access_forms.signing import Signature, form_sign

    request = submit(alice, "SUB-A-1")
    assert api("get", f"/api/v1/forms/{request.reference}/document", key="read").status_code == 404
    form_sign(
        form=request.access_form,
        signature=Signature(signer_name=alice.name, consent=True, typed=alice.name),
        actor=None,
        ip=None,
        user_agent="",
    )
    body = api("get", f"/api/v1/forms/{request.reference}", key="read").json()
    assert body["status"] == "signed" and body["has_document"] is True
    document = api("get", f"/api/v1/forms/{request.reference}/document", key="read")
    assert document.status_code == 200 and b"".join(document.streaming_content).startswith(b"%PDF")
    listed = api("get", "/api/v1/forms", key="read", json_body={"status": "signed"}).json()
    assert [f["reference"] for f in listed] == [request.reference]


# --- Changes --------------------------------------------------------------------------------


def test_a_request_created_through_the_api_follows_the_web_rules(
    api: Call, alice: Customer
) -> None:
    payload = {
        "client_code": "C100001",
        "subscription": "SUB-A-1",
        "desired_date": "2026-12-31",
        "kind": "isp_change",
        "new_isp": "Lagoon",
    }
    response = api("post", "/api/v1/requests", json_body=payload)
    assert response.status_code == 201, response.content
    reference = response.json()["reference"]
    request = CancellationRequest.objects.get(reference=reference)
    assert request.channel == Channel.API
    key_user = key_named("Facturation").user
    assert request.created_by == key_user
    entry = AuditEntry.objects.get(action="request.submit")
    assert entry.actor_label == key_user.username and entry.actor_label.startswith("api:rsl_")
    assert OutboundEmail.objects.filter(template="request_received", to="alice@example.nc").exists()
    again = api("post", "/api/v1/requests", json_body=payload)
    assert again.status_code == 409 and again.json()["code"] == "already_open"
    assert again.json()["existing"] == reference
    no_isp = api(
        "post", "/api/v1/requests", json_body={**payload, "subscription": "SUB-A-2", "new_isp": ""}
    )
    assert no_isp.status_code == 422 and no_isp.json()["code"] == "new_isp_required"
    others = api("post", "/api/v1/requests", json_body={**payload, "client_code": "C100002"})
    assert others.status_code == 404


def test_confirm_reject_withdraw_through_the_services(
    api: Call, alice: Customer, bob: Customer, settings: object
) -> None:
    settings.RESILIA_AUTO_CONFIRM = False  # type: ignore[attr-defined]
    one = submit(alice, "SUB-A-1")
    two = submit(alice, "SUB-A-2")
    three = submit(bob, "SUB-B-1")
    assert api("post", f"/api/v1/requests/{one.reference}/confirm").json()["status"] == "confirmed"
    again = api("post", f"/api/v1/requests/{one.reference}/confirm")
    assert again.status_code == 409 and again.json()["code"] == "not_submitted"
    empty = api("post", f"/api/v1/requests/{two.reference}/reject", json_body={"reason": " "})
    assert empty.status_code == 422 and empty.json()["code"] == "reason_required"
    rejected = api(
        "post", f"/api/v1/requests/{two.reference}/reject", json_body={"reason": "Litige"}
    )
    assert rejected.json()["status"] == "rejected" and rejected.json()["status_reason"] == "Litige"
    withdrawn = api(
        "post", f"/api/v1/requests/{three.reference}/withdraw", json_body={"reason": "Appel"}
    )
    assert withdrawn.json()["status"] == "withdrawn"
    with time_machine.travel(datetime(2026, 12, 31, 9, tzinfo=NOUMEA)):
        late = api("post", f"/api/v1/requests/{one.reference}/withdraw", json_body={"reason": "x"})
    assert late.status_code == 422 and late.json()["code"] == "too_late"
    assert CancellationRequest.objects.get(pk=one.pk).status == Status.CONFIRMED
    actions = set(
        AuditEntry.objects.filter(actor__api_key__isnull=False).values_list("action", flat=True)
    )
    assert {"request.confirm", "request.reject", "request.withdraw"} <= actions


def test_the_operators_answer(api: Call, alice: Customer, agent: object) -> None:
    from access_forms.forwarding import batch_forward
    from access_forms.services import form_check
    from access_forms.signing import Signature, form_sign

    request = submit(alice, "SUB-A-1")
    form = form_sign(
        form=request.access_form,
        signature=Signature(signer_name=alice.name, consent=True, typed=alice.name),
        actor=None,
        ip=None,
        user_agent="",
    )
    too_soon = api(
        "post", f"/api/v1/forms/{request.reference}/answer", json_body={"accepted": True}
    )
    assert too_soon.status_code in {409, 422}
    form_check(form=form, valid=True, actor=agent)  # type: ignore[arg-type]
    batch_forward(actor=agent)  # type: ignore[arg-type]
    answered = api(
        "post",
        f"/api/v1/forms/{request.reference}/answer",
        json_body={"accepted": True, "operator_reference": "OPT-1"},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "acknowledged"


def test_hostile_input_gets_a_json_4xx_never_a_500(api: Call, alice: Customer) -> None:
    nul = api(
        "post",
        "/api/v1/requests",
        json_body={"client_code": "C100001", "subscription": "SUB\x00", "desired_date": "x"},
    )
    assert nul.status_code == 422 and nul.json()["code"] == "invalid_request"
    huge = api("get", "/api/v1/forms", key="read", json_body={"offset": 10**20})
    assert huge.status_code == 422
    request = submit(alice, "SUB-A-1")
    reject = f"/api/v1/requests/{request.reference}/reject"
    for reason in ("x" * 501, "\ud800"):
        response = api("post", reject, json_body={"reason": reason})
        assert response.status_code == 422, reason
    old = api("get", "/api/v1/requests", key="read", json_body={"received_from": "0001-01-01"})
    assert old.status_code == 422
    cursor = "MDAwMS0wMS0wMXw1"  # "0001-01-01|5"
    assert (
        api("get", "/api/v1/requests", key="read", json_body={"cursor": cursor}).status_code == 422
    )
    assert CancellationRequest.objects.get(pk=request.pk).status == "confirmed"
