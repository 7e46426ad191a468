from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from cancellations.completion import request_complete
from cancellations.drafts import Draft
from cancellations.errors import RequestError
from cancellations.models import CancellationRequest, ReferenceSequence, RequestEvent, Status
from cancellations.services import request_confirm, request_reject, request_withdraw
from cancellations.submission import request_submit
from customers.models import Customer, MailboxStatus, Subscription
from notifications.models import OutboundEmail
from notifications.services import email_rendered
from resilia.daily import run_daily
from testing import helpers
from testing.helpers import run_worker
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=NOUMEA)  # type: ignore[misc,arg-type]


def fibre(alice: Customer) -> Subscription:
    return alice.subscriptions.get(reference="SUB-A-1")


def submit(alice: Customer, when: datetime, desired: date, **fields: Any) -> CancellationRequest:
    """Alice's fibre, received `when`, for `desired`."""
    return helpers.submit(
        alice, "SUB-A-1", now=when, ip="203.0.113.5", desired_date=desired, **fields
    )


def test_a_submission_freezes_the_quote_and_schedules_the_end(alice: Customer) -> None:
    request = submit(alice, at(2026, 12, 24, 10), date(2027, 3, 15))
    assert request.reference == "RES-2026-000001"
    assert request.processing_date == date(2026, 12, 24)
    assert request.effective_date == date(2027, 3, 15)
    assert request.billing_end == date(2027, 3, 31)
    assert request.last_month_amount_xpf == 6900
    subscription = fibre(alice)
    assert subscription.status == "termination_scheduled"
    assert subscription.ends_on == date(2027, 3, 15)


def test_references_count_up_within_the_year(alice: Customer) -> None:
    first = submit(alice, at(2026, 12, 24, 10), date(2027, 3, 15))
    second = request_submit(
        customer=alice,
        draft=Draft(
            subscription=alice.subscriptions.get(reference="SUB-A-2"),
            desired_date=date(2027, 1, 31),
            kind="moving",
        ),
        actor=alice.user,
        now=at(2026, 12, 24, 11),
    )
    assert (first.reference, second.reference) == ("RES-2026-000001", "RES-2026-000002")


def test_a_year_numbered_by_its_counter_goes_on_after_it(alice: Customer) -> None:
    # A year whose counter already stands at 41 (numbers given before this deploy, or a
    # year the daily run did not prepare on PostgreSQL) goes on at 42, on either engine.
    ReferenceSequence.objects.create(year=2031, last=41)
    with time_machine.travel(at(2031, 3, 2, 9), tick=False):
        run_daily()  # prepares next year's references, never this year's
        request = submit(alice, at(2031, 3, 2, 10), date(2031, 6, 30))
    assert request.reference == "RES-2031-000042"


def test_the_daily_run_prepares_next_years_references(alice: Customer) -> None:
    with time_machine.travel(at(2030, 12, 30, 0, 5), tick=False):
        run_daily()
    with time_machine.travel(at(2031, 1, 5, 9), tick=False):
        request = submit(alice, at(2031, 1, 5, 9), date(2031, 6, 30))
    assert request.reference == "RES-2031-000001"
    # On PostgreSQL by the sequence the daily run made ahead; on SQLite by the counter.
    counted = ReferenceSequence.objects.filter(year=2031).exists()
    assert counted == (connection.vendor != "postgresql")


def test_a_submission_makes_a_fixed_number_of_queries(alice: Customer, bob: Customer) -> None:
    """The subscription comes with its plan and customer (one locking query); the
    acknowledgement is rendered when it is sent (its mailboxes are not read now); the
    idempotency key and an open request are looked up in one read: a subscription with
    more mailboxes or history costs no more."""

    def counted(customer: Customer, reference: str, key: str) -> int:
        draft = Draft(
            subscription=customer.subscriptions.get(reference=reference),
            desired_date=date(2027, 3, 15),
            kind="definitive",
        )
        with CaptureQueriesContext(connection) as queries:
            request_submit(
                customer=customer, draft=draft, actor=None, idempotency_key=key,
                now=at(2026, 12, 24, 10),
            )  # fmt: skip
        return len(queries)

    counted(alice, "SUB-A-2", "warm-up")  # the first of the day also fills the caches
    # Alice's fibre has two mailboxes, Bob's line one (both with an OPTimo line): the same
    # work for both.
    assert counted(alice, "SUB-A-1", "a") == counted(bob, "SUB-B-1", "b")


def test_on_a_business_day_it_is_confirmed_at_once(alice: Customer) -> None:
    request = submit(alice, at(2026, 12, 24, 10), date(2027, 3, 15))
    assert request.status == Status.CONFIRMED
    assert [e.status for e in request.events.all()] == ["submitted", "confirmed"]
    # Received and taken into account in the same instant: one e-mail says both.
    email = email_rendered(OutboundEmail.objects.get())  # as its sender renders it
    assert email.template == "request_received"
    assert (
        email.subject == "Votre demande de résiliation RES-2026-000001 est reçue et prise en compte"
    )
    assert "et l'avons prise en compte" in email.body_text


def test_on_a_weekend_it_waits_for_the_processing_day(alice: Customer) -> None:
    request = submit(alice, at(2026, 10, 31, 9), date(2026, 10, 31))
    assert request.status == Status.SUBMITTED
    assert request.processing_date == date(2026, 11, 2)
    assert run_daily(at(2026, 11, 1, 0, 5)) == {
        "confirmed": 0,
        "completed": 0,
        "reminded": 0,
        "deleted": 0,
        "forms_reminded": 0,
        "pruned": 0,
    }
    # Confirmed on its processing day, which is also its effective date: the service
    # lasts through that day, and the request completes the next morning.
    assert run_daily(at(2026, 11, 2, 0, 5)) == {
        "confirmed": 1,
        "completed": 0,
        "reminded": 0,
        "deleted": 0,
        "forms_reminded": 0,
        "pruned": 0,
    }
    assert run_daily(at(2026, 11, 3, 0, 5))["completed"] == 1
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def test_manual_confirmation_can_be_configured(alice: Customer, settings: object) -> None:
    settings.RESILIA_AUTO_CONFIRM = False  # type: ignore[attr-defined]
    request = submit(alice, at(2026, 12, 24, 10), date(2027, 3, 15))
    assert request.status == Status.SUBMITTED
    assert run_daily(at(2026, 12, 25, 0, 5))["confirmed"] == 0


def test_the_acknowledgement_email_says_everything(alice: Customer) -> None:
    submit(
        alice,
        at(2026, 10, 30, 23, 30),
        date(2026, 10, 31),
        mailbox_retention_months=3,
        wants_phone_line_ended=True,
    )
    run_worker()
    ack = next(m for m in mail.outbox if "RES-2026-000001" in m.subject and "reçu" in m.subject)
    assert ack.to == ["alice@example.nc"]
    body = ack.body
    assert "Référence\u00a0: RES-2026-000001" in body
    assert "30 octobre 2026 à 23:30:00 (heure de Nouméa, UTC+11:00)" in body
    assert "samedi 31 octobre 2026" in body
    assert "octobre 2026 (6\u00a0900\u00a0F)" in body
    assert "aucun frais de résiliation" in body
    assert (
        "conservées jusqu'au dimanche 31 janvier 2027 inclus" in body
    )  # the date the summary showed
    assert "254318" in body and "OPTimo" in body
    assert "1000" in body
    assert ack.alternatives[0][1] == "text/html"  # type: ignore[attr-defined]


def test_english_customers_get_english_emails(bob: Customer) -> None:
    request_submit(
        customer=bob,
        draft=Draft(
            subscription=bob.subscriptions.get(), desired_date=date(2026, 12, 31), kind="definitive"
        ),
        actor=bob.user,
        now=at(2026, 11, 26, 10),
    )
    subjects = list(OutboundEmail.objects.values_list("subject", flat=True))
    assert subjects == [
        "Your cancellation request RES-2026-000001 is received and taken into account"
    ]


def test_a_second_open_request_is_refused(alice: Customer) -> None:
    first = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    with pytest.raises(RequestError) as error:
        submit(alice, at(2026, 11, 26, 11), date(2027, 1, 31))
    assert error.value.code == "already_open"
    assert error.value.existing == first
    assert CancellationRequest.objects.count() == 1


def test_the_same_idempotency_key_returns_the_first_request(alice: Customer) -> None:
    draft = Draft(subscription=fibre(alice), desired_date=date(2026, 12, 31), kind="definitive")
    first = request_submit(
        customer=alice,
        draft=draft,
        actor=alice.user,
        idempotency_key="k1",
        now=at(2026, 11, 26, 10),
    )
    again = request_submit(
        customer=alice,
        draft=draft,
        actor=alice.user,
        idempotency_key="k1",
        now=at(2026, 11, 26, 10, 1),
    )
    assert again == first
    assert CancellationRequest.objects.count() == 1
    assert OutboundEmail.objects.filter(template="request_received").count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"desired_date": date(2026, 11, 20)}, "date_in_past"),
        ({"desired_date": date(2027, 11, 30)}, "date_too_far"),
        ({"kind": "isp_change"}, "new_isp_required"),
        ({"kind": "other"}, "detail_required"),
        ({"mailbox_retention_months": 5}, "invalid_retention"),
    ],
)
def test_bad_drafts_are_refused_with_a_code(
    alice: Customer, fields: dict[str, object], code: str
) -> None:
    values: dict[str, object] = {"desired_date": date(2026, 12, 31), "kind": "definitive", **fields}
    draft = Draft(subscription=fibre(alice), **values)  # type: ignore[arg-type]
    with pytest.raises(RequestError) as error:
        request_submit(customer=alice, draft=draft, actor=alice.user, now=at(2026, 11, 26, 10))
    assert error.value.code == code
    assert not CancellationRequest.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_terminated_subscription_cannot_be_cancelled(alice: Customer) -> None:
    Subscription.objects.filter(reference="SUB-A-1").update(status="terminated")
    with pytest.raises(RequestError) as error:
        submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    assert error.value.code == "terminated"


def test_someone_elses_subscription_is_refused(alice: Customer, bob: Customer) -> None:
    draft = Draft(subscription=fibre(alice), desired_date=date(2026, 12, 31), kind="definitive")
    with pytest.raises(RequestError) as error:
        request_submit(customer=bob, draft=draft, actor=bob.user, now=at(2026, 11, 26, 10))
    assert error.value.code == "not_found"


def test_withdrawal_until_the_day_before_reactivates_the_subscription(alice: Customer) -> None:
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    request_withdraw(request=request, actor=alice.user, now=at(2026, 12, 30, 23, 59))
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    subscription = fibre(alice)
    assert subscription.status == "active" and subscription.ends_on is None
    assert OutboundEmail.objects.filter(template="request_withdrawn").exists()
    # The subscription can be cancelled again later.
    assert submit(alice, at(2026, 12, 30, 23, 59), date(2027, 1, 31)).status == Status.CONFIRMED


def test_withdrawal_on_the_effective_date_is_too_late(alice: Customer) -> None:
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    with pytest.raises(RequestError) as error:
        request_withdraw(request=request, actor=alice.user, now=at(2026, 12, 31, 0, 0))
    assert error.value.code == "too_late"
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED


def test_rejection_keeps_the_subscription_and_emails_the_reason(
    alice: Customer, agent: object
) -> None:
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    request_reject(request=request, actor=agent, reason="Compte en litige", ip="10.0.0.1")  # type: ignore[arg-type]
    request.refresh_from_db()
    assert request.status == Status.REJECTED and request.status_reason == "Compte en litige"
    assert fibre(alice).status == "active"
    email = OutboundEmail.objects.get(template="request_rejected")
    assert "Compte en litige" in email.body_text


def test_the_service_lasts_through_the_effective_date_and_ends_the_next_day(
    alice: Customer,
) -> None:
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31), mailbox_retention_months=3)
    assert not request_complete(request=request, today=date(2026, 12, 31))  # still served
    assert run_daily(at(2026, 12, 31, 0, 5))["completed"] == 0
    assert run_daily(at(2027, 1, 1, 0, 5)) == {
        "confirmed": 0,
        "completed": 1,
        "reminded": 0,
        "deleted": 0,
        "forms_reminded": 0,
        "pruned": 0,
    }
    assert run_daily(at(2027, 1, 1, 0, 6)) == {
        "confirmed": 0,
        "completed": 0,
        "reminded": 0,
        "deleted": 0,
        "forms_reminded": 0,
        "pruned": 0,
    }  # idempotent
    request.refresh_from_db()
    assert request.status == Status.COMPLETED
    subscription = fibre(alice)
    assert subscription.status == "terminated" and subscription.ends_on == date(2026, 12, 31)
    boxes = list(subscription.mailboxes.values_list("status", "retained_until"))
    assert boxes == [(MailboxStatus.RETAINED, date(2027, 3, 31))] * 2


def test_a_daily_run_after_days_down_catches_up_once(alice: Customer, bob: Customer) -> None:
    submit(alice, at(2026, 10, 31, 9), date(2026, 11, 3))  # processing Mon 2 Nov
    request_submit(
        customer=bob,
        draft=Draft(
            subscription=bob.subscriptions.get(), desired_date=date(2026, 11, 4), kind="moving"
        ),
        actor=bob.user,
        now=at(2026, 11, 1, 9),
    )
    assert run_daily(at(2026, 11, 5, 0, 5)) == {
        "confirmed": 2,
        "completed": 2,
        "reminded": 0,
        "deleted": 0,
        "forms_reminded": 0,
        "pruned": 0,
    }
    assert run_daily(at(2026, 11, 5, 0, 5)) == {
        "confirmed": 0,
        "completed": 0,
        "reminded": 0,
        "deleted": 0,
        "forms_reminded": 0,
        "pruned": 0,
    }


def test_every_change_writes_history_and_audit_in_the_same_transaction(alice: Customer) -> None:
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    request_withdraw(request=request, actor=alice.user, ip="203.0.113.9", now=at(2026, 11, 27, 9))
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "actor_label", "ip"))
    assert actions == [
        ("request.submit", "C100001", "203.0.113.5"),
        ("request.confirm", "system", None),
        ("request.withdraw", "C100001", "203.0.113.9"),
        ("form.cancel", "C100001", "203.0.113.9"),  # its OPTimo form closes with it
    ]
    assert RequestEvent.objects.filter(request=request).count() == 3


def test_audit_entries_cannot_be_changed_or_deleted(alice: Customer) -> None:
    submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()


def test_kept_mailboxes_work_through_the_day_shown_then_are_deleted(alice: Customer) -> None:
    submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31), mailbox_retention_months=1)
    run_daily(at(2027, 1, 1, 0, 5))  # completed: kept until 31 January 2027 included
    # Deleted on 1 February: the reminder comes 15 days before, on 17 January.
    assert run_daily(at(2027, 1, 16, 0, 5))["reminded"] == 0
    assert run_daily(at(2027, 1, 17, 0, 5))["reminded"] == 2
    assert run_daily(at(2027, 1, 18, 0, 5))["reminded"] == 0  # once
    from notifications.delivery import handle_one_email

    while handle_one_email():  # the worker's outbox sweep renders and sends them
        pass
    reminder = OutboundEmail.objects.filter(template="mailbox_reminder").first()
    assert reminder is not None
    assert "alice@mls.nc" in reminder.body_text or "famille@mls.nc" in reminder.body_text
    assert "31 janvier 2027" in reminder.body_text
    assert run_daily(at(2027, 1, 31, 0, 5))["deleted"] == 0  # the last day shown: kept
    assert run_daily(at(2027, 2, 1, 0, 5))["deleted"] == 2
    assert set(fibre(alice).mailboxes.values_list("status", flat=True)) == {MailboxStatus.DELETED}
    assert OutboundEmail.objects.filter(template="mailbox_deleted").count() == 2


def test_after_days_down_an_expired_mailbox_is_deleted_without_a_late_reminder(
    alice: Customer,
) -> None:
    submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31), mailbox_retention_months=1)
    run_daily(at(2027, 1, 1, 0, 5))
    done = run_daily(at(2027, 2, 3, 0, 5))
    assert (done["deleted"], done["reminded"]) == (2, 0)


def test_the_email_gives_the_mailbox_date_the_summary_showed(alice: Customer) -> None:
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31), mailbox_retention_months=1)
    email = OutboundEmail.objects.filter(related_reference=request.reference).first()
    assert email is not None
    assert "conservées jusqu'au dimanche 31 janvier 2027 inclus" in email_rendered(email).body_text
    assert request.mailboxes_kept_until == date(2027, 1, 31)


def test_a_change_of_provider_is_named_in_the_emails(alice: Customer) -> None:
    submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31), kind="isp_change", new_isp="Lagoon")
    email = email_rendered(OutboundEmail.objects.get(template="request_received"))
    expected = "Changement de fournisseur pour Lagoon : la ligne lui est libérée"
    assert expected in email.body_text and "31 décembre 2026" in email.body_text
    assert "Résiliation FAI" in email.body_html


def test_an_email_after_the_form_is_signed_does_not_ask_for_a_signature(
    alice: Customer, settings: object
) -> None:
    from access_forms.signing import Signature, form_sign

    settings.RESILIA_AUTO_CONFIRM = False  # type: ignore[attr-defined]
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    received = email_rendered(OutboundEmail.objects.get(template="request_received"))
    assert "signer le bon" in received.body_text
    form_sign(
        form=request.access_form,
        signature=Signature(signer_name=alice.name, consent=True, typed=alice.name),
        actor=None,
        ip=None,
        user_agent="",
    )
    request_confirm(request=request, actor=None)
    confirmed = OutboundEmail.objects.get(template="request_confirmed")
    assert "signer le bon" not in confirmed.body_text.lower()
    assert "vous n'avez plus rien à signer" in confirmed.body_text


def test_the_acknowledgement_is_rendered_when_sent_and_says_what_held_at_submission(
    alice: Customer, settings: object
) -> None:
    settings.RESILIA_AUTO_CONFIRM = False  # type: ignore[attr-defined]
    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31), mailbox_retention_months=1)
    email = OutboundEmail.objects.get(template="request_received")
    # Written with the request, subject included (the request's page lists it); the text
    # is left to the sender.
    assert email.subject == "Nous avons bien reçu votre demande de résiliation RES-2026-000001"
    assert email.body_text == "" and email.attachments[0]["receipt"] == str(request.pk)
    request_confirm(request=request, actor=None)  # an agent, before it is sent
    run_worker()
    sent = [m for m in mail.outbox if m.subject == email.subject]
    assert len(sent) == 1
    assert "Nous avons bien reçu votre demande de résiliation." in str(sent[0].body)
    assert "et l'avons prise en compte" not in str(sent[0].body)
    assert "conservées jusqu'au dimanche 31 janvier 2027 inclus" in str(sent[0].body)
    assert sent[0].attachments and sent[0].attachments[0][0].endswith(".pdf")
    email.refresh_from_db()
    assert email.body_text == str(sent[0].body)  # kept as sent


def test_a_completion_notice_is_written_with_the_batch_and_rendered_when_sent(
    alice: Customer,
) -> None:
    from django.core import mail

    from notifications.delivery import handle_one_email

    request = submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31), mailbox_retention_months=3)
    assert run_daily(at(2027, 1, 1, 0, 5))["completed"] == 1
    email = OutboundEmail.objects.get(template="request_completed")
    assert email.body_text == "" and email.render_ref == {"request": request.pk}
    mail.outbox.clear()
    while handle_one_email():  # the worker's outbox sweep
        pass
    email.refresh_from_db()
    assert email.status == "sent" and request.reference in email.subject
    assert "31 mars 2027" in email.body_text  # the mailboxes' last day, kept as sent
    sent = next(m for m in mail.outbox if m.subject == email.subject)
    assert sent.body == email.body_text and sent.to == ["alice@example.nc"]


def test_the_acknowledgement_typesets_its_colons_for_the_customers_language(
    alice: Customer,
) -> None:
    alice.language = "en"
    alice.save(update_fields=["language"])
    submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    text = email_rendered(OutboundEmail.objects.get(template="request_received")).body_text
    assert "Next steps:\n" in text and "Next steps :" not in text


def test_the_acknowledgements_text_has_one_blank_line_between_paragraphs(alice: Customer) -> None:
    submit(alice, at(2026, 11, 26, 10), date(2026, 12, 31))
    text = email_rendered(OutboundEmail.objects.get(template="request_received")).body_text
    assert "\n\n\n" not in text and "continue.\n\nProchaines étapes" in text
