"""Cancelling without logging in (SPEC §3.8): the code, the agent's verification, the
throttles, and a page that never tells whether a client code exists."""

import html
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEntry
from cancellations.models import CancellationRequest, PublicSubmission, SubmissionStatus
from cancellations.public import PublicError, code_check
from cancellations.public_verification import submissions_to_verify
from customers.models import Customer
from notifications.models import OutboundEmail
from testing.helpers import delivered_code, run_worker
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db

START = reverse("cancellations:public_cancel")
# Monday 30 November 2026, the last business day of the month, late in the evening.
LAST_EVENING = datetime(2026, 11, 30, 22, 40, tzinfo=NOUMEA)
WRONG_CODE = "Ce code n'est pas le bon, ou n'est plus valable."


@pytest.fixture(autouse=True)
def _last_evening() -> Iterator[None]:
    with time_machine.travel(LAST_EVENING, tick=False):
        yield


def _form(**changes: str) -> dict[str, str]:
    data = {
        "client_code": "c100001",
        "last_name": "Wayaridri",
        "contact": "alice@example.nc",
        "subscription": "254 318",
        "desired_date": "2026-11-30",
        "kind": "definitive",
        "form_nonce": "0123456789abcdef0123456789abcdef",
    }
    data.update(changes)
    return data


def _send(client: Client, **changes: str) -> str:
    """Send the public form; the code page's URL."""
    client.get(START)
    response = client.post(START, _form(**changes), REMOTE_ADDR=changes.get("ip", "203.0.113.9"))
    assert response.status_code == 302, response.content.decode()[:3000]
    return str(response["Location"])


def _enter(client: Client, page: str, code: str) -> str:
    response = client.post(page, {"code": code})
    if response.status_code == 302:
        return str(response["Location"])
    return html.unescape(response.content.decode())


# --- The entry ---------------------------------------------------------------------------


def test_every_page_offers_cancel_your_contract_without_login(alice: Customer) -> None:
    link = f'href="{START}"'
    assert link in Client().get(reverse("portal:login")).content.decode()
    assert link in Client().get(reverse("cancellations:how_it_works")).content.decode()
    own = Client()
    own.force_login(alice.user)  # type: ignore[arg-type]
    assert link in own.get(reverse("portal:home")).content.decode()
    page = Client().get(START)
    assert page.status_code == 200
    # Nothing more required than §312k allows: identification, subscription, date, kind;
    # the leaflet's step 3 (e-mails kept, the phone line) is offered, optional.
    form = page.content.decode().split('id="public-cancel-form"')[1].split("</form>")[0]
    names = set(re.findall(r'name="([a-z_]+)"', form))
    assert names == {
        "csrfmiddlewaretoken", "form_nonce", "client_code", "last_name", "contact",
        "subscription", "desired_date", "kind", "new_isp", "kind_detail",
        "keep_mailboxes", "retention_months", "phone_line_cancelled", "wants_phone_line_ended",
    }  # fmt: skip
    required = set(re.findall(r'<(?:input|select)[^>]*name="([a-z_]+)"[^>]*required', form))
    assert required <= {
        "client_code",
        "last_name",
        "contact",
        "subscription",
        "desired_date",
        "kind",
    }


def test_the_public_path_keeps_the_mailboxes_asked_for(alice: Customer) -> None:
    client = Client()
    page = _send(client, keep_mailboxes="on", retention_months="3")
    confirm = _enter(client, page, delivered_code())
    body = html.unescape(client.get(confirm).content.decode())
    assert "elles sont conservées jusqu'au dimanche 28 février 2027 inclus" in " ".join(
        body.split()
    )
    client.post(confirm, {"subscription": "SUB-A-1"})
    request = CancellationRequest.objects.get()
    assert request.mailbox_retention_months == 3
    assert request.mailboxes_kept_until is not None


def test_a_logged_in_customer_goes_straight_to_the_client_area_form(alice: Customer) -> None:
    own = Client()
    own.force_login(alice.user)  # type: ignore[arg-type]
    assert own.get(START)["Location"] == reverse("cancellations:cancel")


# --- The code --------------------------------------------------------------------------------


def test_the_right_code_then_one_button_creates_the_request_judged_at_receipt(
    alice: Customer,
) -> None:
    client = Client()
    page = _send(client)
    code = delivered_code()
    (code_mail,) = [m for m in mail.outbox if code in str(m.body)]
    assert code_mail.to == ["alice@example.nc"]
    assert code not in str(code_mail.subject)
    # The stored copy holds no live code: staff cannot read it.
    assert code not in OutboundEmail.objects.get(template="public_code").body_text
    # The visitor types it at 23:50, confirms after midnight: the month-end deadline is
    # still judged at 22:40 on the last business day.
    with time_machine.travel(LAST_EVENING + timedelta(minutes=10), tick=False):
        confirm = _enter(client, page, code)
    assert confirm.endswith("/confirmer/")
    with time_machine.travel(LAST_EVENING + timedelta(minutes=50), tick=False):
        summary = client.get(confirm).content.decode()
        assert "Résilier mon contrat maintenant" in summary
        assert "Fibre 100 (SUB-A-1)" in summary
        done = client.post(confirm, {"subscription": "SUB-A-1"})
    assert done["Location"].endswith("/resultat/")
    request = CancellationRequest.objects.get()
    assert request.channel == "web_public"
    assert request.received_at == LAST_EVENING
    assert request.on_time_for_month_end
    assert request.effective_date == date(2026, 11, 30)
    page_done = client.get(done["Location"]).content.decode()
    assert request.reference in page_done
    receipt = client.get(reverse("cancellations:public_receipt", args=[page.split("/")[-2]]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    run_worker()
    subjects = [str(m.subject) for m in mail.outbox]
    assert any(request.reference in s for s in subjects)  # the acknowledgement, with the PDF
    assert any("signer" in s.lower() or "OPTimo" in s for s in subjects)  # the signing link
    # Pressing the button again, or going back, never makes a second request.
    client.post(confirm, {"subscription": "SUB-A-1"})
    assert CancellationRequest.objects.count() == 1


def test_a_wrong_an_expired_and_a_reused_code_are_refused_alike(alice: Customer) -> None:
    client = Client()
    page = _send(client)
    code = delivered_code()
    wrong = "000000" if code != "000000" else "111111"
    assert WRONG_CODE in _enter(client, page, wrong)
    with time_machine.travel(LAST_EVENING + timedelta(minutes=16), tick=False):
        assert WRONG_CODE in _enter(client, page, code)  # expired after 15 minutes
    # A new code; the old one is dead, the new one works once.
    client.post(reverse("cancellations:public_new_code", args=[page.split("/")[-2]]))
    fresh = delivered_code()
    if fresh != code:
        assert WRONG_CODE in _enter(client, page, code)
    assert _enter(client, page, fresh).endswith("/confirmer/")
    submission = PublicSubmission.objects.get()
    with pytest.raises(PublicError) as reused:
        code_check(submission=submission, code=fresh, now=LAST_EVENING)
    assert reused.value.code == "wrong_code"
    assert not CancellationRequest.objects.exists()


def test_five_wrong_codes_then_even_the_right_one_is_refused(alice: Customer) -> None:
    client = Client()
    page = _send(client)
    code = delivered_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert WRONG_CODE in _enter(client, page, wrong)
    answer = _enter(client, page, code)
    assert "Trop de codes erronés pour cette demande" in answer
    assert not PublicSubmission.objects.get().code_verified_at


def test_the_public_confirmation_repeats_the_choices_and_lets_them_be_changed(
    alice: Customer,
) -> None:
    client = Client()
    page = _send(client, kind="moving")
    confirm = _enter(client, page, delivered_code())
    body = html.unescape(client.get(confirm).content.decode())
    text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert "Nature de la résiliation Déménagement" in text
    assert "Date souhaitée lundi 30 novembre 2026" in text
    change = re.search(r'href="([^"]+\?depuis=[^"]+)">Modifier mes réponses', body)
    assert change is not None
    again = client.get(change.group(1)).content.decode()
    assert 'value="Wayaridri"' in again
    assert re.search(r'value="moving"[^>]*checked', again)
    assert 'value="Wayaridri"' not in Client().get(change.group(1)).content.decode()


def test_the_confirmation_page_needs_the_code(alice: Customer) -> None:
    client = Client()
    page = _send(client)
    response = client.get(page + "confirmer/")
    assert response["Location"] == page
    assert not CancellationRequest.objects.exists()


def test_another_browser_cannot_open_a_submission(alice: Customer) -> None:
    page = _send(Client())
    assert Client().get(page).status_code == 404
    assert Client().post(page, {"code": "123456"}).status_code == 404


def test_only_the_customers_own_subscriptions_can_be_chosen(alice: Customer, bob: Customer) -> None:
    client = Client()
    page = _send(client, subscription="287741")  # Bob's line
    confirm = _enter(client, page, delivered_code())
    body = client.get(confirm).content.decode()
    assert "SUB-B-1" not in body and "287741" not in body
    assert "SUB-A-1" in body and "SUB-A-2" in body  # she chooses among hers
    client.post(confirm, {"subscription": "SUB-B-1"})
    assert not CancellationRequest.objects.exists()


# --- Without the code: an agent verifies ---------------------------------------------------


def test_an_unmatched_submission_is_acknowledged_and_verified_with_its_receipt_time(
    alice: Customer, agent: User
) -> None:
    client = Client()
    page = _send(client, contact="alice.new@example.nc")  # not the address on file
    body = client.get(page).content.decode()
    assert "30 novembre 2026 à 22:40:00 (heure de Nouméa, UTC+11:00)" in body
    run_worker()
    ack, warning = sorted(mail.outbox, key=lambda m: m.to != ["alice.new@example.nc"])
    assert ack.to == ["alice.new@example.nc"]
    assert "22:40:00" in str(ack.body)
    # The holder hears that someone tried, at the address on file; no code goes there.
    assert warning.to == ["alice@example.nc"]
    assert "Quelqu'un a essayé de résilier votre contrat" in warning.subject
    assert not OutboundEmail.objects.filter(template="public_code").exists()
    submission = PublicSubmission.objects.get()
    assert list(submissions_to_verify(LAST_EVENING)) == [submission]
    staff = Client()
    staff.force_login(agent)
    assert "1</strong>" in staff.get(reverse("backoffice:today")).content.decode()
    # The agent calls her on Tuesday 1 December, the next month.
    with time_machine.travel(datetime(2026, 12, 1, 9, 30, tzinfo=NOUMEA), tick=False):
        staff.force_login(agent)  # staff sessions end with the working day
        detail = reverse("backoffice:verification_detail", args=[submission.pk])
        shown = staff.get(detail).content.decode()
        assert "Wayaridri" in shown
        # Nothing called verified before it is; the subscription the visitor named ("254
        # 318", its line) chosen; the visitor's other answers shown.
        assert "Vérifié :" not in shown and "À vérifier : C100001 — Alice Wayaridri" in shown
        fibre = alice.subscriptions.get(reference="SUB-A-1").pk
        assert re.search(rf'<option value="{fibre}" selected>', shown)
        assert "Non gardées : elles partent avec le service" in shown
        response = staff.post(
            reverse("backoffice:verification_action", args=[submission.pk, "verifier"]),
            {"client": "C100001", "subscription": alice.subscriptions.get(reference="SUB-A-1").pk,
             "note": "Rappelée au numéro du dossier, date de naissance confirmée"},
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    request = CancellationRequest.objects.get()
    assert request.received_at == LAST_EVENING
    assert request.on_time_for_month_end  # judged at submission, not at verification
    assert request.effective_date == date(2026, 11, 30)
    assert request.created_by == agent and request.channel == "web_public"
    assert PublicSubmission.objects.get().status == SubmissionStatus.ACCEPTED
    assert not submissions_to_verify(LAST_EVENING + timedelta(days=1)).exists()
    assert AuditEntry.objects.filter(action="public.verify").exists()


def test_a_matched_submission_nobody_confirms_goes_to_an_agent(alice: Customer) -> None:
    _send(Client())
    run_worker()
    assert not submissions_to_verify(LAST_EVENING + timedelta(minutes=30)).exists()
    assert submissions_to_verify(LAST_EVENING + timedelta(minutes=61)).count() == 1


def test_an_agent_who_cannot_verify_cancels_nothing_and_says_so(
    alice: Customer, agent: User
) -> None:
    _send(Client(), contact="someone@example.nc")
    run_worker()
    submission = PublicSubmission.objects.get()
    staff = Client()
    staff.force_login(agent)
    action = reverse("backoffice:verification_action", args=[submission.pk, "refuser"])
    assert staff.post(action, {"reason": ""}).status_code == 200  # a reason is required
    staff.post(action, {"reason": "Injoignable, numéro inconnu"})
    assert PublicSubmission.objects.get().status == SubmissionStatus.REFUSED
    assert not CancellationRequest.objects.exists()
    run_worker()
    assert mail.outbox[-1].to == ["someone@example.nc"]


# --- Nothing tells whether a client code exists ------------------------------------------


def _visible(client_code: str, contact: str, nonce: str) -> tuple[str, list[str]]:
    client = Client()
    client.get(START)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            START,
            _form(client_code=client_code, contact=contact, form_nonce=nonce),
            REMOTE_ADDR="203.0.113.50",
        )
    page = client.get(response["Location"]).content.decode()
    token = response["Location"].split("/")[-2]
    page = page.replace(token, "TOKEN")
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    tables = [q["sql"].split(" ", 1)[0] + " " + q["sql"].split('"')[1] for q in queries]
    return page, tables


def test_the_page_and_the_work_are_the_same_whether_or_not_the_details_match(
    alice: Customer,
) -> None:
    matching = _visible("C100001", "alice@example.nc", "a" * 32)
    wrong_email = _visible("C100001", "mallory@example.nc", "b" * 32)
    unknown = _visible("C999999", "alice@example.nc", "c" * 32)
    phone = _visible("C100001", "+687 77 12 34", "d" * 32)
    assert matching == wrong_email == unknown == phone
    # Nothing decided while the visitor waits: the worker checks each submission.
    assert not PublicSubmission.objects.filter(checked_at__isnull=False).exists()
    assert not OutboundEmail.objects.exists()


SAVEPOINTS = {"SAVEPOINT", "RELEASE"}


def test_asking_for_a_new_code_does_the_same_work_either_way(alice: Customer) -> None:
    work = []
    for contact in ("alice@example.nc", "mallory@example.nc"):
        client = Client()
        page = _send(client, contact=contact, form_nonce=contact[0] * 32)
        run_worker()
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(page + "nouveau-code/")
        assert response["Location"] == page
        # The statements on the submission, whatever the rate counters (the second visitor
        # comes from the same address: its counters exist already).
        statements = [q["sql"].split('"') for q in queries if "attemptcounter" not in q["sql"]]
        work.append([sql[0] + sql[1] for sql in statements if sql[0].split()[0] not in SAVEPOINTS])
        assert not mail.outbox  # sent by the worker, never while the visitor waits
        run_worker()
        assert len(mail.outbox) == (1 if contact == alice.email else 0)
        assert WRONG_CODE in _enter(client, page, "123456")
    assert work[0] == work[1] and "UPDATE cancellations_publicsubmission" in work[0]


# --- Bad input, throttles and doubles ------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"desired_date": "2026-11-29"}, "passé"),
        ({"desired_date": "2028-01-01"}, "un an"),
        ({"desired_date": "not a date"}, "Saisissez une date valide."),
        ({"contact": "not-an-address@"}, "Saisissez une adresse e-mail valide."),
        ({"contact": "abc"}, "numéro de téléphone"),
        ({"client_code": "<script>"}, "lettres et des chiffres"),
        ({"kind": "isp_change"}, "nom du nouveau fournisseur"),
        ({"kind": "free_money"}, "Choisissez la nature de la résiliation."),
    ],
)
def test_bad_input_gets_a_clear_message_and_records_nothing(
    alice: Customer, changes: dict[str, str], message: str
) -> None:
    response = Client().post(START, _form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PublicSubmission.objects.exists()


def test_a_double_submission_is_one_submission(alice: Customer) -> None:
    client = Client()
    first = _send(client)
    second = _send(client)
    assert first == second
    assert PublicSubmission.objects.count() == 1
    run_worker()
    assert len(mail.outbox) == 1  # one code


def test_strangers_junk_never_keeps_the_holders_code_from_coming(alice: Customer) -> None:
    # Six submissions an hour with Alice's client code and other addresses ...
    for n in range(6):
        _send(Client(), contact=f"x{n}@example.nc", form_nonce=f"{n:032x}", ip=f"198.51.100.{n}")
    run_worker()
    warnings = OutboundEmail.objects.filter(template="public_mismatch")
    assert list(warnings.values_list("to", flat=True)) == ["alice@example.nc"]  # once a day
    # ... and her own, with the address on file, still gets its code at once.
    client = Client()
    page = _send(client, form_nonce=f"{9:032x}", ip="198.51.100.99")
    run_worker()
    assert _enter(client, page, delivered_code()).endswith("/confirmer/")


def test_submissions_are_throttled_per_address_and_ipv6_per_64(alice: Customer) -> None:
    for n in range(10):
        _send(Client(), client_code=f"C9{n:05d}", form_nonce=f"{100 + n:032x}", ip="192.0.2.7")
    refused = Client().post(
        START, _form(client_code="C888888", form_nonce=f"{200:032x}"), REMOTE_ADDR="192.0.2.7"
    )
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.content.decode()
    # Every address of one IPv6 /64 counts as one.
    for n in range(10):
        ip = f"2001:db8:1:2::{n + 1:x}"
        _send(Client(), client_code=f"C8{n:05d}", form_nonce=f"{300 + n:032x}", ip=ip)
    refused = Client().post(
        START, _form(form_nonce=f"{400:032x}"), REMOTE_ADDR="2001:db8:1:2:ffff::1"
    )
    assert refused.status_code == 429
    assert PublicSubmission.objects.count() == 20


def test_code_tries_are_bounded_across_new_codes_and_per_client_code(alice: Customer) -> None:
    wrong = "000000"
    client = Client()
    page = _send(client)
    run_worker()
    for _ in range(4):
        assert WRONG_CODE in _enter(client, page, wrong)
    client.post(page + "nouveau-code/")  # a new code ...
    run_worker()
    code = delivered_code()
    assert WRONG_CODE in _enter(client, page, "111111" if code != "111111" else "222222")
    # ... does not start the tries again: five for the submission, all codes together.
    assert "Trop de codes erronés" in _enter(client, page, code)
    # Ten a day for the client code, all submissions together.
    second = Client()
    page = _send(second, form_nonce=f"{7:032x}", ip="198.51.100.7")
    run_worker()
    code = delivered_code()
    for _ in range(5):
        assert WRONG_CODE in _enter(second, page, wrong if code != wrong else "333333")
    third = Client()
    page = _send(third, form_nonce=f"{8:032x}", ip="198.51.100.8")
    run_worker()
    assert "Trop de codes erronés" in _enter(third, page, delivered_code())


def test_strangers_wrong_codes_never_use_up_the_holders_tries(alice: Customer) -> None:
    """Client codes are printed on invoices: two strangers' submissions with five wrong
    codes each, then the holder's own submission and its right code, accepted."""
    for n in range(2):
        stranger = Client()
        page = _send(
            stranger, contact=f"x{n}@example.nc", form_nonce=f"{50 + n:032x}", ip=f"198.51.100.{n}"
        )
        run_worker()
        for _ in range(5):
            assert WRONG_CODE in _enter(stranger, page, "000000")
    holder = Client()
    page = _send(holder, form_nonce=f"{60:032x}", ip="198.51.100.60")
    run_worker()
    assert _enter(holder, page, delivered_code()).endswith("/confirmer/")


def test_a_throttle_window_is_not_extended_by_further_attempts(db: None) -> None:
    from toolbox.throttle import over_limit

    hits = [over_limit("t", limit=2, window_seconds=3600) for _ in range(3)]
    assert hits == [False, False, True]
    with time_machine.travel(LAST_EVENING + timedelta(minutes=59), tick=False):
        assert over_limit("t", limit=2, window_seconds=3600)
    with time_machine.travel(LAST_EVENING + timedelta(minutes=61), tick=False):
        assert not over_limit("t", limit=2, window_seconds=3600)


def test_a_corrected_form_sent_again_is_a_new_submission(alice: Customer) -> None:
    client = Client()
    first = _send(client)
    second = _send(client, contact="alice.new@example.nc")  # back, corrected, sent again
    assert first != second
    assert PublicSubmission.objects.count() == 2
    # Another browser with the same nonce gets its own submission, never the first one.
    third = _send(Client())
    assert third not in (first, second)


def test_asking_for_a_new_code_kills_the_old_one_at_once(alice: Customer) -> None:
    client = Client()
    page = _send(client)
    old = delivered_code()
    client.post(page + "nouveau-code/")  # the worker has not sent the new one yet
    assert WRONG_CODE in _enter(client, page, old)


def test_a_request_an_agent_verified_is_not_shown_to_the_browser_that_sent_the_form(
    alice: Customer, agent: User
) -> None:
    mallory = Client()
    page = _send(mallory, contact="mallory@example.nc")  # Alice's code, another address
    run_worker()
    submission = PublicSubmission.objects.get()
    staff = Client()
    staff.force_login(agent)
    staff.post(
        reverse("backoffice:verification_action", args=[submission.pk, "verifier"]),
        {"client": "C100001", "subscription": alice.subscriptions.get(reference="SUB-A-1").pk,
         "note": "Titulaire rappelée"},
    )  # fmt: skip
    assert CancellationRequest.objects.count() == 1
    for url in (page, page + "resultat/", page + "confirmer/"):
        body = mallory.get(url, follow=True).content.decode()
        assert "Wayaridri" not in body and "SUB-A-1" not in body and "RES-" not in body, url
    assert mallory.get(page + "recu.pdf").status_code == 404


def test_the_result_page_shows_step_3_it_promised(alice: Customer) -> None:
    client = Client()
    page = _send(client, wants_phone_line_ended="on")
    with time_machine.travel(LAST_EVENING + timedelta(minutes=10), tick=False):
        confirm = _enter(client, page, delivered_code())
        promised = client.get(confirm).content.decode()
        done = client.post(confirm, {"subscription": "SUB-A-1"})
    assert "une fois la demande envoyée" in promised.replace("&#x27;", "'")
    shown = client.get(done["Location"]).content.decode().replace("&#x27;", "'")
    assert "Étape 3 : résilier la ligne téléphonique auprès de l'OPT/Helia" in shown
    assert "comme indiqué ci-dessous" in shown and "une fois la demande envoyée" not in shown
    # A visitor may have no password: the page says how to get one.
    assert 'href="/premier-acces/">Demandez votre accès</a>' in shown


def test_pages_without_log_in_do_not_call_themselves_the_client_area(alice: Customer) -> None:
    masthead = re.compile(r'<span class="brand-area">([^<]+)</span>')
    public = masthead.search(Client().get(START).content.decode())
    login = masthead.search(Client().get(reverse("portal:login")).content.decode())
    assert public and public.group(1) == "Résiliation sans connexion"
    assert login and login.group(1) == "Espace client"  # its masthead cached apart
