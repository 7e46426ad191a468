from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from customers.models import Customer
from notifications.delivery import retry_delay
from notifications.models import EmailStatus, OutboundEmail
from notifications.services import email_queue
from testing.helpers import run_worker

pytestmark = pytest.mark.django_db


def _queue(alice: Customer) -> OutboundEmail:
    return email_queue(
        template="activation",
        to=alice.email,
        language="fr",
        customer=alice,
        context={"customer": alice, "url": "https://example.nc/x"},
    )


def test_a_queued_email_is_sent_by_the_worker(alice: Customer) -> None:
    email = _queue(alice)
    assert email.status == EmailStatus.QUEUED
    assert len(mail.outbox) == 0
    run_worker()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 1
    assert mail.outbox[0].to == ["alice@example.nc"]
    assert mail.outbox[0].subject == "Activez votre accès myMLS"


def test_an_smtp_outage_delays_the_email_and_loses_nothing(alice: Customer) -> None:
    email = _queue(alice)
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError("SMTP down"),
    ):
        run_worker()
    email.refresh_from_db()
    assert email.status == EmailStatus.RETRYING
    assert email.attempts == 1
    assert "SMTP down" in email.last_error
    assert len(mail.outbox) == 0

    run_worker()  # the retry is not due yet
    assert len(mail.outbox) == 0

    with time_machine.travel(timezone.localtime() + timedelta(minutes=2)):
        run_worker()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1


def test_a_delivered_email_is_not_sent_twice(alice: Customer) -> None:
    email = _queue(alice)
    run_worker()
    from notifications.delivery import handle_one_email

    assert not handle_one_email()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and len(mail.outbox) == 1


def test_retries_back_off_up_to_an_hour() -> None:
    assert retry_delay(1) == timedelta(minutes=1)
    assert retry_delay(2) == timedelta(minutes=2)
    assert retry_delay(5) == timedelta(minutes=16)
    assert retry_delay(30) == timedelta(hours=1)


def test_email_text_keeps_apostrophes_unescaped(alice: Customer) -> None:
    email = _queue(alice)
    assert "&#x27;" not in email.body_text
    assert "&#x27;" not in email.subject


def test_a_message_held_by_a_live_sender_is_not_sent_by_another(alice: Customer) -> None:
    from notifications.delivery import handle_one_email

    email = _queue(alice)
    lease = timezone.now() + timedelta(minutes=5)  # a worker is sending it right now
    OutboundEmail.objects.filter(pk=email.pk).update(leased_until=lease)
    assert not handle_one_email()
    run_worker()
    assert len(mail.outbox) == 0
    # The worker died: once its lease has run out, the sweeper sends the message.
    with time_machine.travel(timezone.localtime() + timedelta(minutes=6)):
        assert handle_one_email()
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and len(mail.outbox) == 1
    assert not handle_one_email()


def test_customer_emails_come_from_the_isp_and_replies_go_to_support(alice: Customer) -> None:
    _queue(alice)
    run_worker()
    message = mail.outbox[0]
    assert message.from_email == "MLS <no-reply@mls.nc>"
    assert message.reply_to == ["support@mls.nc"]


def test_the_operator_batch_asks_for_answers_at_the_staff_address(
    alice: Customer, agent: object, settings: object
) -> None:
    from access_forms.forwarding import batch_forward
    from access_forms.services import form_check
    from access_forms.signing import Signature, form_sign
    from testing.helpers import submit

    settings.RESILIA_OPERATOR_REPLY_TO = "bons@mls.nc"  # type: ignore[attr-defined]
    request = submit(alice, "SUB-A-1")
    form = form_sign(
        form=request.access_form,
        signature=Signature(signer_name=alice.name, consent=True, typed=alice.name),
        actor=None,
        ip=None,
        user_agent="",
    )
    form_check(form=form, valid=True, actor=agent)  # type: ignore[arg-type]
    batch_forward(actor=None)
    run_worker()
    batch_message = next(
        m for m in mail.outbox if "FWD-" in m.subject or m.to[0].endswith(".invalid")
    )
    assert batch_message.reply_to == ["bons@mls.nc"]


def test_a_link_goes_ahead_of_the_notices_waiting(alice: Customer) -> None:
    import time

    from accounts.services import access_link_request
    from notifications.delivery import handle_one_email
    from resilia.worker import work_due

    def message(n: int, urgent: bool = False) -> OutboundEmail:
        return OutboundEmail(template="mailbox_reminder", language="fr", to=f"n{n}@example.nc",
                             subject="Rappel", body_text="Rappel", body_html="<p>Rappel</p>",
                             urgent=urgent)  # fmt: skip

    OutboundEmail.objects.bulk_create([message(n) for n in range(30)] + [message(99, True)])
    assert handle_one_email()
    assert [m.to for m in mail.outbox] == [["n99@example.nc"]]  # the urgent one, though last
    # An access link asked for now is made and sent in the worker's next pass, ahead of
    # the 29 notices still waiting (each pass sends 20 messages).
    mail.outbox.clear()
    access_link_request(client_code=alice.client_code, email=alice.email)
    assert work_due(lambda: False, time.monotonic)  # more notices are due
    assert mail.outbox[0].to == [alice.email] and len(mail.outbox) == 20
