import csv
import io
from datetime import date, datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

import access_forms.forwarding
from access_forms.forwarding import (
    answers_import,
    batch_forward,
    scheduled_forwarding,
)
from access_forms.models import AccessLineForm, FormStatus, ForwardingBatch
from access_forms.services import form_check
from access_forms.signing import Signature, form_sign
from accounts.models import User
from audit.models import AuditEntry
from cancellations.calendar import current_calendar
from cancellations.services import request_withdraw
from customers.models import Customer, Subscription
from notifications.models import OutboundEmail
from testing.helpers import make_customer, run_worker, scanned_pdf, submit
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db


def signed_form(customer: Customer, reference: str) -> AccessLineForm:
    request = submit(customer, reference)
    return form_sign(
        form=request.access_form,
        signature=Signature(signer_name=customer.name, consent=True, typed=customer.name),
        actor=None,
        ip=None,
        user_agent="",
    )


@pytest.fixture
def staff_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_customers_cannot_reach_the_back_office(alice_client: Client) -> None:
    assert alice_client.get(reverse("backoffice:forms_queue")).status_code == 403


def test_an_agent_marks_a_form_valid(alice: Customer, agent: User, staff_client: Client) -> None:
    form = signed_form(alice, "SUB-A-1")
    assert "RES-2026-000001" in staff_client.get(reverse("backoffice:forms_queue")).content.decode()
    detail = reverse("backoffice:form_detail", args=[form.pk])
    assert staff_client.get(reverse("backoffice:form_document", args=[form.pk])).status_code == 200
    response = staff_client.post(
        detail, {"action": "check", "check-valid": "1", "check-reason": ""}
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.checked_at is not None and form.checked_by == agent
    assert AuditEntry.objects.filter(action="form.valid", actor=agent).exists()


def test_an_invalid_form_emails_the_reason_and_can_be_signed_again(
    alice: Customer, agent: User, staff_client: Client, alice_client: Client
) -> None:
    form = signed_form(alice, "SUB-A-1")
    staff_client.post(
        reverse("backoffice:form_detail", args=[form.pk]),
        {"action": "check", "check-valid": "0", "check-reason": "Signature illisible"},
    )
    form.refresh_from_db()
    assert form.status == FormStatus.INVALID
    email = OutboundEmail.objects.get(template="form_invalid")
    assert "Signature illisible" in email.body_text
    assert "http://127.0.0.1:8000/mes-demandes/RES-2026-000001/bon/" in email.body_text
    response = alice_client.post(
        reverse("access_forms:upload", args=["RES-2026-000001"]),
        {"document": SimpleUploadedFile("f.pdf", scanned_pdf())},
    )
    assert response.status_code == 302
    run_worker()  # a PDF is read by the worker
    form.refresh_from_db()
    assert form.status == FormStatus.SIGNED and form.checked_at is None


def test_the_check_decides_nothing_until_the_agent_chooses(
    alice: Customer, staff_client: Client
) -> None:
    form = signed_form(alice, "SUB-A-1")
    detail = reverse("backoffice:form_detail", args=[form.pk])
    page = staff_client.get(detail).content.decode()
    assert 'value="1" checked' not in page and "selected" not in page.split("check-valid")[1][:400]
    response = staff_client.post(detail, {"action": "check", "check-reason": ""})
    assert response.status_code == 400
    assert "Indiquez si le bon est valide." in response.content.decode()
    form.refresh_from_db()
    assert form.checked_at is None and form.status == FormStatus.SIGNED


def test_invalid_needs_a_reason(alice: Customer, staff_client: Client) -> None:
    form = signed_form(alice, "SUB-A-1")
    page = staff_client.post(
        reverse("backoffice:form_detail", args=[form.pk]),
        {"action": "check", "check-valid": "0"},
        follow=True,
    )
    assert "Indiquez pourquoi le bon" in page.content.decode()
    form.refresh_from_db()
    assert form.status == FormStatus.SIGNED


def test_a_batch_sends_one_email_with_each_pdf_and_a_manifest(
    alice: Customer, bob: Customer, agent: User, staff_client: Client, settings: object
) -> None:
    settings.RESILIA_OPERATOR_EMAIL = "resiliation@opt.example"  # type: ignore[attr-defined]
    first = signed_form(alice, "SUB-A-1")
    second = signed_form(bob, "SUB-B-1")
    form_check(form=first, valid=True, actor=agent)
    form_check(form=second, valid=True, actor=agent)
    staff_client.post(reverse("backoffice:forward"))
    batch = ForwardingBatch.objects.get()
    assert {f.status for f in batch.forms.all()} == {FormStatus.FORWARDED}
    run_worker()
    message = next(m for m in mail.outbox if m.to == ["resiliation@opt.example"])
    names = [a[0] for a in message.attachments]  # type: ignore[index]
    assert names == [
        "RES-2026-000001-254318.pdf",
        "RES-2026-000002-287741.pdf",
        f"{batch.reference}.csv",
    ]
    assert message.attachments[0][1].startswith(b"%PDF-")  # type: ignore[index]
    manifest = list(csv.reader(io.StringIO(message.attachments[2][1])))  # type: ignore[index]
    assert manifest[0] == ["reference", "kind", "line_number", "holder", "date", "document"]
    assert manifest[1] == [
        "RES-2026-000001",
        "Résiliation",
        "254318",
        "Alice Wayaridri",
        "31/12/2026",
        "RES-2026-000001-254318.pdf",
    ]
    assert batch_forward(actor=agent) is None  # nothing left


def test_an_unchecked_or_withdrawn_form_is_never_forwarded(
    alice: Customer, bob: Customer, agent: User
) -> None:
    signed_form(alice, "SUB-A-1")  # not checked
    bob_form = signed_form(bob, "SUB-B-1")
    form_check(form=bob_form, valid=True, actor=agent)
    request_withdraw(
        request=bob_form.request, actor=None, now=datetime(2026, 11, 27, 9, tzinfo=NOUMEA)
    )
    assert batch_forward(actor=agent) is None


def test_the_automatic_batch_runs_on_business_days_from_the_configured_time_once(
    alice: Customer, bob: Customer, agent: User, settings: object
) -> None:
    settings.RESILIA_FORWARD_TIME = "14:00"  # type: ignore[attr-defined]

    def forward_at(moment: datetime) -> ForwardingBatch | None:
        return scheduled_forwarding(current_calendar(), moment)

    form_check(form=signed_form(alice, "SUB-A-1"), valid=True, actor=agent)
    assert forward_at(datetime(2026, 11, 27, 13, 59, tzinfo=NOUMEA)) is None
    assert forward_at(datetime(2026, 11, 28, 15, 0, tzinfo=NOUMEA)) is None  # Saturday
    batch = forward_at(datetime(2026, 11, 27, 14, 0, tzinfo=NOUMEA))
    assert batch is not None and batch.automatic_on == date(2026, 11, 27)
    form_check(form=signed_form(bob, "SUB-B-1"), valid=True, actor=agent)
    assert forward_at(datetime(2026, 11, 27, 16, 0, tzinfo=NOUMEA)) is None
    assert forward_at(datetime(2026, 11, 30, 14, 5, tzinfo=NOUMEA)) is not None


def test_the_operators_answer_file_applies_known_rows_and_reports_the_rest(
    alice: Customer, bob: Customer, agent: User
) -> None:
    for customer, ref in ((alice, "SUB-A-1"), (bob, "SUB-B-1")):
        form_check(form=signed_form(customer, ref), valid=True, actor=agent)
    batch_forward(actor=agent)
    text = (
        "key,result,operator_reference,reason\n"
        "254318,accepted,OPT-777,\n"
        "RES-2026-000002,refused,,Titulaire inconnu\n"
        "999999,accepted,OPT-1,\n"
        "RES-2026-000001,maybe,,\n"
    )
    result = answers_import(text, actor=agent)
    assert result.applied == 2
    assert [line for line, _ in result.errors] == [4, 5]
    assert "aucun bon transmis pour 999999" in result.errors[0][1]
    alice_form = AccessLineForm.objects.get(request__reference="RES-2026-000001")
    bob_form = AccessLineForm.objects.get(request__reference="RES-2026-000002")
    assert (
        alice_form.status == FormStatus.ACKNOWLEDGED and alice_form.operator_reference == "OPT-777"
    )
    assert bob_form.status == FormStatus.REFUSED_BY_OPERATOR
    assert bob_form.operator_refusal_reason == "Titulaire inconnu"
    templates = set(OutboundEmail.objects.values_list("template", flat=True))
    assert {"form_acknowledged", "form_refused"} <= templates


def test_answers_are_imported_from_the_back_office(
    alice: Customer, agent: User, staff_client: Client
) -> None:
    form_check(form=signed_form(alice, "SUB-A-1"), valid=True, actor=agent)
    batch_forward(actor=agent)
    page = staff_client.post(
        reverse("backoffice:import_answers"),
        {"answers": SimpleUploadedFile("r.csv", b"254318,accepted,OPT-9,\nabc,accepted,,\n")},
        follow=True,
    ).content.decode()
    assert "1 réponse(s) enregistrée(s)" in page
    assert "Ligne 2" in page


def test_a_hostile_answer_file_is_reported_row_by_row_without_a_500(
    alice: Customer, agent: User, staff_client: Client
) -> None:
    form_check(form=signed_form(alice, "SUB-A-1"), valid=True, actor=agent)
    batch_forward(actor=agent)
    hostile = (
        b"RES-2026-000001\x00,accepted,,\n"
        + b"x" * 600
        + b",accepted,,\n"
        + b'"254318,accepted\n'  # an unclosed quote runs to the end of the file
    )
    response = staff_client.post(
        reverse("backoffice:import_answers"),
        {"answers": SimpleUploadedFile("r.csv", hostile)},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "0 réponse(s) enregistrée(s)" in page and "Ligne 1" in page and "Ligne 2" in page
    assert AccessLineForm.objects.get().status == FormStatus.FORWARDED


def test_an_answer_file_that_crashes_half_way_applies_nothing(
    alice: Customer, bob: Customer, agent: User
) -> None:
    for customer, ref in ((alice, "SUB-A-1"), (bob, "SUB-B-1")):
        form_check(form=signed_form(customer, ref), valid=True, actor=agent)
    batch_forward(actor=agent)
    text = "RES-2026-000001,accepted,OPT-1,\nRES-2026-000002,accepted,OPT-2,\n"
    real = access_forms.forwarding.form_record_answer
    calls = []

    def crash_on_the_second(**kwargs: object) -> object:
        calls.append(kwargs)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(**kwargs)  # type: ignore[arg-type]

    with (
        mock.patch("access_forms.forwarding.form_record_answer", crash_on_the_second),
        pytest.raises(RuntimeError),
    ):
        answers_import(text, actor=agent)
    assert set(AccessLineForm.objects.values_list("status", flat=True)) == {FormStatus.FORWARDED}
    assert not OutboundEmail.objects.filter(template="form_acknowledged").exists()


def test_the_manifest_neutralises_cells_a_spreadsheet_would_run(bob: Customer, agent: User) -> None:
    bob.subscriptions.update(line_holder='=HYPERLINK("http://evil.example","Bob")')
    form_check(form=signed_form(bob, "SUB-B-1"), valid=True, actor=agent)
    batch = batch_forward(actor=agent)
    assert batch is not None and batch.email is not None
    content = batch.email.attachments[-1]["content"]
    holder = list(csv.reader(io.StringIO(content)))[1][3]
    assert holder == '\'=HYPERLINK("http://evil.example","Bob")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start: str) -> None:
    from toolbox.csv_export import neutralised

    assert neutralised(f"{start}1+1") == f"'{start}1+1"
    assert neutralised("Alice") == "Alice"


def test_the_forward_forms_command_sends_the_scheduled_batch_once_a_business_day(
    alice: Customer, agent: User
) -> None:
    from django.core.management import call_command

    form_check(form=signed_form(alice, "SUB-A-1"), valid=True, actor=agent)
    out = io.StringIO()
    with time_machine.travel(datetime(2026, 11, 27, 13, 0, tzinfo=NOUMEA), tick=False):
        call_command("forward_forms", "--scheduled", stdout=out)  # before 14:00
    assert not ForwardingBatch.objects.exists()
    with time_machine.travel(datetime(2026, 11, 27, 14, 5, tzinfo=NOUMEA), tick=False):
        call_command("forward_forms", "--scheduled", stdout=out)
        call_command("forward_forms", "--scheduled", stdout=out)  # cron again: no second
    batch = ForwardingBatch.objects.get()
    assert batch.automatic_on == date(2026, 11, 27)
    assert AccessLineForm.objects.get().status == FormStatus.FORWARDED


def test_the_operators_answer_is_recorded_from_the_forms_page(
    alice: Customer, agent: User, staff_client: Client
) -> None:
    form = signed_form(alice, "SUB-A-1")
    form_check(form=form, valid=True, actor=agent)
    batch_forward(actor=agent)
    response = staff_client.post(
        reverse("backoffice:form_detail", args=[form.pk]),
        {
            "action": "answer",
            "answer-accepted": "1",
            "answer-operator_reference": "OPT-42",
            "answer-reason": "",
        },
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert form.status == FormStatus.ACKNOWLEDGED and form.operator_reference == "OPT-42"
    entry = AuditEntry.objects.get(action="form.acknowledged")
    assert entry.actor_label == "agent"
    assert OutboundEmail.objects.filter(template="form_acknowledged").exists()


def test_the_batch_list_shows_the_newest_batch_first(agent: User) -> None:
    # A query with aggregates (the list counts each batch's forms) leaves out the model's
    # ordering: the list must say its own.
    for number, day in ((1, 2), (2, 4), (3, 3)):
        batch = ForwardingBatch.objects.create(reference=f"LOT-{number}", recipient="o@opt.nc")
        ForwardingBatch.objects.filter(pk=batch.pk).update(
            created_at=datetime(2026, 12, day, 9, tzinfo=NOUMEA)
        )
    client = Client()
    client.force_login(agent)
    page = client.get(reverse("backoffice:batch_list")).content.decode()
    assert page.index("LOT-2") < page.index("LOT-3") < page.index("LOT-1")


def test_a_batch_reads_what_its_webhooks_need_in_a_fixed_number_of_queries(
    alice: Customer, bob: Customer, agent: User
) -> None:
    """Each forwarded form tells whether a new provider follows it (switch.form_forwarded):
    read for the whole batch at once, never once per form."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    form_check(form=signed_form(alice, "SUB-A-1"), valid=True, actor=agent)
    with CaptureQueriesContext(connection) as one:
        assert batch_forward(actor=agent) is not None
    carol = make_customer("C100009", "Carol Wema", "carol@example.nc")
    Subscription.objects.create(
        reference="SUB-C-1",
        customer=carol,
        plan=Subscription.objects.get(reference="SUB-A-1").plan,
        started_on=date(2022, 1, 1),
        access_line="299001",
        line_holder="Carol Wema",
    )
    form_check(form=signed_form(bob, "SUB-B-1"), valid=True, actor=agent)
    form_check(form=signed_form(carol, "SUB-C-1"), valid=True, actor=agent)
    with CaptureQueriesContext(connection) as two:
        batch = batch_forward(actor=agent)
    assert batch is not None and batch.forms.count() == 2
    assert len(two) == len(one)


def test_forms_not_needed_are_neither_listed_nor_exported(
    alice: Customer, staff_client: Client, supervisor: object
) -> None:
    from access_forms.models import AccessLineForm

    signed = signed_form(alice, "SUB-A-1")
    AccessLineForm.objects.filter(pk=signed.pk).update(status=FormStatus.NOT_NEEDED)
    page = staff_client.get(reverse("backoffice:forms_queue")).content.decode()
    assert "RES-2026-000001" not in page and "Non nécessaire" not in page
    boss = Client()
    boss.force_login(supervisor)  # type: ignore[arg-type]
    export = boss.get(reverse("backoffice:forms_queue") + "?export=csv")
    body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert "RES-2026-000001" not in body
