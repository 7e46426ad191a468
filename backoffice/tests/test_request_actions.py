"""Each action of the request page goes through the services: same rules, e-mails and
audit entries as the client area; a wrong state or a missing reason changes nothing."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse

from access_forms.models import AccessLineForm, FormStatus
from access_forms.services import form_check
from accounts.models import User
from audit.models import AuditEntry
from cancellations.models import CancellationRequest, Status
from cancellations.services import request_withdraw
from notifications.models import OutboundEmail
from testing.helpers import World, logged_in
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db


def act(user: User, request: CancellationRequest, action: str, **data: str) -> str:
    response = logged_in(user).post(
        reverse("backoffice:request_action", args=[request.reference, action]), data, follow=True
    )
    assert response.status_code in {200, 400, 404}
    return response.content.decode()


def fresh(request: CancellationRequest) -> CancellationRequest:
    request.refresh_from_db()
    return request


def test_an_agent_takes_a_request_into_account(world: World, agent: User) -> None:
    page = act(agent, world.plain, "confirm", seen_status="submitted")
    assert "Demande prise en compte" in page
    assert fresh(world.plain).status == Status.CONFIRMED
    assert world.plain.confirmed_at is not None
    assert AuditEntry.objects.filter(
        action="request.confirm", actor=agent, object_id=str(world.plain.pk)
    ).exists()
    assert OutboundEmail.objects.filter(
        template="request_confirmed", related_reference=world.plain.reference
    ).exists()


def test_confirming_a_withdrawn_request_changes_nothing(world: World, agent: User) -> None:
    request_withdraw(request=world.plain, actor=world.alice.user)
    page = act(agent, world.plain, "confirm")
    assert "Seule une demande reçue peut être prise en compte" in page
    assert fresh(world.plain).status == Status.WITHDRAWN
    assert not AuditEntry.objects.filter(action="request.confirm").exists()


def test_of_two_agents_acting_at_once_the_second_is_told_what_happened(
    world: World, agent: User, supervisor: User
) -> None:
    # Both opened the page while it was "received"; the supervisor confirms first.
    act(supervisor, world.plain, "confirm", seen_status="submitted")
    page = act(agent, world.plain, "reject", **{"seen_status": "submitted", "reject-reason": "x"})
    assert "a été modifiée entre-temps" in page and "superviseur" in page
    assert fresh(world.plain).status == Status.CONFIRMED
    assert not AuditEntry.objects.filter(action="request.reject").exists()


def test_a_rejection_needs_a_reason_and_emails_it(world: World, agent: User) -> None:
    page = act(agent, world.plain, "reject", **{"reject-reason": "  "})
    assert "Indiquez le motif" in page
    assert fresh(world.plain).status == Status.SUBMITTED
    second_step = act(agent, world.plain, "reject", **{"reject-reason": "Contrat déjà résilié"})
    assert "Refuser RES-" in second_step and "Oui, refuser la demande" in second_step
    assert "Contrat déjà résilié" in second_step
    assert fresh(world.plain).status == Status.SUBMITTED  # nothing done before the second step
    act(
        agent,
        world.plain,
        "reject",
        **{"reject-reason": "Contrat déjà résilié par courrier", "confirmed": "yes"},
    )
    assert fresh(world.plain).status == Status.REJECTED
    assert world.plain.status_reason == "Contrat déjà résilié par courrier"
    entry = AuditEntry.objects.get(action="request.reject")
    assert entry.actor == agent and entry.data["reason"] == "Contrat déjà résilié par courrier"
    email = OutboundEmail.objects.get(template="request_rejected")
    assert "Contrat déjà résilié par courrier" in email.body_text


def test_an_agent_withdraws_on_the_customers_behalf_with_a_reason(
    world: World, agent: User
) -> None:
    act(agent, world.signed, "withdraw", **{"withdraw-reason": ""})
    assert fresh(world.signed).status == Status.SUBMITTED
    second_step = act(agent, world.signed, "withdraw", **{"withdraw-reason": "Le client a appelé"})
    assert "Oui, retirer la demande" in second_step
    assert fresh(world.signed).status == Status.SUBMITTED
    act(
        agent,
        world.signed,
        "withdraw",
        **{"withdraw-reason": "Le client a appelé", "confirmed": "yes"},
    )
    assert fresh(world.signed).status == Status.WITHDRAWN
    entry = AuditEntry.objects.get(action="request.withdraw")
    assert entry.actor == agent and entry.data == {
        "reason": "Le client a appelé",
        "on_behalf": True,
    }
    assert world.signed.access_form.status == FormStatus.CANCELLED
    assert OutboundEmail.objects.filter(template="request_withdrawn").exists()


def test_withdrawing_past_the_r9_deadline_is_refused(world: World, agent: User) -> None:
    # Effective 31 December: withdrawable until the 30th.
    with time_machine.travel(datetime(2026, 12, 31, 9, tzinfo=NOUMEA)):
        page = act(
            agent, world.signed, "withdraw", **{"withdraw-reason": "Trop tard", "confirmed": "yes"}
        )
    assert "trop tard" in page.lower()
    assert fresh(world.signed).status == Status.SUBMITTED


def test_a_note_stays_internal(world: World, agent: User, alice_client: object) -> None:
    act(agent, world.plain, "note", **{"note-note": ""})
    assert not AuditEntry.objects.filter(action="request.note").exists()
    act(agent, world.plain, "note", **{"note-note": "Rappeler le client vendredi"})
    entry = AuditEntry.objects.get(action="request.note")
    assert entry.data == {"note": "Rappeler le client vendredi"} and entry.actor == agent
    page = logged_in(agent).get(reverse("backoffice:request_detail", args=[world.plain.reference]))
    assert "Rappeler le client vendredi" in page.content.decode()
    customer_page = alice_client.get(  # type: ignore[attr-defined]
        reverse("cancellations:request_detail", args=[world.plain.reference])
    )
    assert "Rappeler le client" not in customer_page.content.decode()


def test_an_agent_checks_a_form_from_the_request_page(world: World, agent: User) -> None:
    act(agent, world.signed, "check", **{"check-valid": "0", "check-reason": ""})
    form = AccessLineForm.objects.get(pk=world.signed.access_form.pk)
    assert form.status == FormStatus.SIGNED
    act(agent, world.signed, "check", **{"check-valid": "0", "check-reason": "Illisible"})
    form = AccessLineForm.objects.get(pk=world.signed.access_form.pk)
    assert form.status == FormStatus.INVALID and form.invalid_reason == "Illisible"
    assert AuditEntry.objects.filter(action="form.invalid", actor=agent).exists()


def test_a_reminder_to_sign_is_emailed_with_the_form_link(world: World, agent: User) -> None:
    act(agent, world.bobs, "remind")  # Bob's form has left for the operator: nothing to sign
    act(agent, world.plain, "remind")  # no line, no form
    assert not OutboundEmail.objects.filter(template="form_reminder").exists()
    form_check(form=world.signed.access_form, valid=False, reason="Illisible", actor=agent)
    act(agent, world.signed, "remind")
    email = OutboundEmail.objects.get(template="form_reminder")
    assert email.to == "alice@example.nc"
    assert f"/mes-demandes/{world.signed.reference}/bon/" in email.body_text
    assert AuditEntry.objects.filter(action="form.remind", actor=agent).count() == 1


def test_resending_an_email_queues_a_copy_and_audits_it(world: World, agent: User) -> None:
    original = OutboundEmail.objects.filter(related_reference=world.plain.reference).first()
    assert original is not None
    act(agent, world.plain, "resend", email=str(original.pk))
    copies = OutboundEmail.objects.filter(
        template=original.template, related_reference=world.plain.reference
    )
    assert copies.count() == 2
    assert AuditEntry.objects.filter(action="email.resend", actor=agent).count() == 1
    # Another request's e-mail cannot be resent from this page.
    other = OutboundEmail.objects.filter(related_reference=world.bobs.reference).first()
    assert other is not None
    act(agent, world.plain, "resend", email=str(other.pk))
    assert AuditEntry.objects.filter(action="email.resend").count() == 1


def test_bulk_confirm_takes_the_received_ones_and_reports_the_others(
    world: World, agent: User
) -> None:
    request_withdraw(request=world.bobs, actor=None)
    ids = [str(r.pk) for r in (world.signed, world.plain, world.bobs)]
    response = logged_in(agent).post(
        reverse("backoffice:bulk_confirm"), {"selected": ids, "query": "status=submitted"}
    )
    assert response.status_code == 302 and response["Location"].endswith("?status=submitted")
    statuses = {r.reference: r.status for r in CancellationRequest.objects.all()}
    assert statuses == {
        world.signed.reference: Status.CONFIRMED,
        world.plain.reference: Status.CONFIRMED,
        world.bobs.reference: Status.WITHDRAWN,
    }
    assert AuditEntry.objects.filter(action="request.confirm", actor=agent).count() == 2
