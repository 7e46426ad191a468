"""Withdrawing or rejecting a request closes its OPTimo form in the same transaction, and
recalls it from the operator if it had already left (SPEC §5)."""

import csv
import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from access_forms.forwarding import answers_import, batch_forward, form_record_answer
from access_forms.holder_links import form_send_link, signing_link_token
from access_forms.models import AccessLineForm, FormStatus
from access_forms.services import FormError, form_check
from access_forms.signing import Signature, form_sign
from accounts.models import User
from audit.models import AuditEntry
from cancellations.models import CancellationRequest, Status
from cancellations.services import request_reject, request_withdraw
from customers.models import Customer
from testing.helpers import SUBMITTED_AT as NOW
from testing.helpers import scanned_pdf, submit

pytestmark = pytest.mark.django_db


def _signed_and_checked(customer: Customer, agent: User, ref: str = "SUB-A-1") -> AccessLineForm:
    request = submit(customer, ref)
    form = form_sign(
        form=request.access_form,
        signature=Signature(signer_name=customer.name, consent=True, typed=customer.name),
        actor=None,
        ip=None,
        user_agent="",
    )
    return form_check(form=form, valid=True, actor=agent)


def test_withdrawing_cancels_a_form_awaiting_signature_and_kills_its_link(
    alice: Customer, alice_client: Client
) -> None:
    request = submit(alice, "SUB-A-1")
    form_send_link(form=request.access_form, email="holder@example.nc", actor=None, ip=None)
    request.access_form.refresh_from_db()
    token = signing_link_token(form_id=request.access_form.pk, nonce=request.access_form.link_nonce)
    request_withdraw(request=request, actor=alice.user, now=NOW)
    form = AccessLineForm.objects.get(request=request)
    assert form.status == FormStatus.CANCELLED and form.recall_requested_at is None
    page = Client().get(reverse("access_forms:holder_sign", args=[token]))
    assert page.status_code == 410
    assert "a été retirée ou refusée : il n'y a rien à signer" in page.content.decode().replace(
        "&#x27;", "'"
    )
    upload = alice_client.post(
        reverse("access_forms:upload", args=[request.reference]),
        {"document": SimpleUploadedFile("f.pdf", scanned_pdf())},
    )
    assert upload.status_code == 400
    form.refresh_from_db()
    assert form.status == FormStatus.CANCELLED and not form.document


def test_a_rejected_requests_checked_form_never_reaches_the_operator(
    alice: Customer, agent: User
) -> None:
    form = _signed_and_checked(alice, agent)
    request_reject(request=form.request, actor=agent, reason="Compte en litige")
    form.refresh_from_db()
    assert form.status == FormStatus.CANCELLED
    assert batch_forward(actor=agent) is None


def test_a_forwarded_form_is_recalled_in_the_next_batch_until_the_operator_answers(
    alice: Customer, bob: Customer, agent: User
) -> None:
    form = _signed_and_checked(alice, agent)
    first = batch_forward(actor=agent)
    assert first is not None
    request_withdraw(request=form.request, actor=alice.user, now=NOW)
    form.refresh_from_db()
    assert form.status == FormStatus.CANCELLED and form.awaits_recall_answer
    assert AuditEntry.objects.filter(action="form.recall").exists()

    _signed_and_checked(bob, agent, "SUB-B-1")  # another customer's form leaves with it
    second = batch_forward(actor=agent)
    assert second is not None and second.email is not None
    manifest = list(csv.reader(io.StringIO(second.email.attachments[-1]["content"])))
    kinds = {row[0]: row[1] for row in manifest[1:]}
    assert kinds[form.request.reference].startswith("ANNULATION de la Résiliation")
    assert kinds["RES-2026-000002"] == "Résiliation"
    assert "ne pas traiter" in second.email.body_text
    assert [a["filename"] for a in second.email.attachments].count(
        f"{form.request.reference}-254318.pdf"
    ) == 0  # nothing to sign: no PDF for a recall
    form.refresh_from_db()
    assert form.recall_batch == second
    assert batch_forward(actor=agent) is None  # sent once

    staff = Client()
    staff.force_login(agent)
    recalls = reverse("backoffice:forms_queue") + "?recall=on"
    queue = staff.get(recalls).content.decode()
    assert "rappel en cours" in queue and form.request.reference in queue

    result = answers_import(f"{form.request.reference},accepted,OPT-STOP-1,\n", actor=agent)
    assert result.applied == 1 and not result.errors
    form.refresh_from_db()
    assert not form.awaits_recall_answer and form.status == FormStatus.CANCELLED
    assert form.request.reference not in staff.get(recalls).content.decode()


def test_closing_the_form_is_undone_with_the_withdrawal_if_anything_fails(
    alice: Customer,
) -> None:
    request = submit(alice, "SUB-A-1")
    with (
        mock.patch(
            "cancellations.emails.send_request_withdrawn", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError),
    ):
        request_withdraw(request=request, actor=alice.user, now=NOW)
    request.refresh_from_db()
    assert request.status == Status.SUBMITTED or request.status == Status.CONFIRMED
    assert AccessLineForm.objects.get(request=request).status == FormStatus.AWAITING_SIGNATURE
    assert not AuditEntry.objects.filter(action__in=["request.withdraw", "form.cancel"]).exists()


def test_a_recall_answer_is_not_confused_with_a_forwarded_form(
    alice: Customer, agent: User
) -> None:
    form = _signed_and_checked(alice, agent)
    request_withdraw(request=form.request, actor=alice.user, now=NOW)
    form.refresh_from_db()  # never left: plain cancellation, nothing to recall
    assert form.status == FormStatus.CANCELLED and form.recall_requested_at is None
    with pytest.raises(FormError):
        form_record_answer(form=form, accepted=True, actor=agent)


def test_closing_keeps_a_form_that_needed_nothing(bob: Customer, alice: Customer) -> None:
    request: CancellationRequest = submit(alice, "SUB-A-2")  # no access line
    request_withdraw(request=request, actor=alice.user, now=NOW)
    assert AccessLineForm.objects.get(request=request).status == FormStatus.NOT_NEEDED
