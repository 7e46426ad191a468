import html
import re
from datetime import date, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cancellations.drafts import Draft
from cancellations.models import CancellationRequest, Status
from cancellations.submission import request_submit
from customers.models import Customer, Plan, Subscription
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db
CANCEL = reverse("cancellations:cancel")
SUMMARY = reverse("cancellations:summary")
SUBMIT = reverse("cancellations:submit")
LIST = reverse("cancellations:request_list")
THURSDAY = datetime(2026, 11, 26, 10, tzinfo=NOUMEA)


@pytest.fixture(autouse=True)
def _thursday_morning() -> object:
    with time_machine.travel(THURSDAY, tick=False):
        yield


def fields(**overrides: str) -> dict[str, str]:
    return {
        "subscription": "SUB-A-1",
        "desired_date": "2026-12-31",
        "kind": "definitive",
        **overrides,
    }


def test_the_form_is_one_click_from_home(alice_client: Client) -> None:
    home = alice_client.get(reverse("portal:home")).content.decode()
    assert f'href="{CANCEL}"' in home
    assert f'href="{CANCEL}?abonnement=SUB-A-1"' in home


def test_the_form_offers_only_the_customers_active_subscriptions(
    alice: Customer, bob: Customer, alice_client: Client
) -> None:
    Subscription.objects.filter(reference="SUB-A-2").update(status="terminated")
    page = alice_client.get(CANCEL).content.decode()
    assert "SUB-A-1" in page
    assert "SUB-A-2" not in page and "SUB-B-1" not in page
    # The only subscription is preselected; the date defaults to the month's last day.
    assert 'value="2026-11-30"' in page
    assert "Récapitulatif" in page and "lundi 30 novembre 2026" in page


def test_the_live_summary_follows_the_fields(alice_client: Client) -> None:
    page = alice_client.get(SUMMARY, fields(desired_date="2027-01-15")).content.decode()
    assert "Prise en compte le" in page and "jeudi 26 novembre 2026" in page
    assert "vendredi 15 janvier 2027" in page
    assert "janvier 2027\u00a0: <strong>6\u00a0900\u00a0F</strong>" in page
    assert "Aucun frais de résiliation" in page
    assert "Étape 2 : le bon OPTimo « Résiliation » pour la ligne 254318" in page
    assert "alice@mls.nc, famille@mls.nc : elles fonctionnent jusqu'au" in html.unescape(page)


def test_the_summary_says_what_happens_to_kept_mailboxes_and_the_operator_steps(
    alice_client: Client,
) -> None:
    page = alice_client.get(
        SUMMARY,
        fields(keep_mailboxes="on", retention_months="6", kind="isp_change", new_isp="Lagoon",
               phone_line_cancelled="", wants_phone_line_ended="on"),
    ).content.decode()  # fmt: skip
    assert "conservées jusqu'au mercredi 30 juin 2027" in html.unescape(page)
    assert "« Résiliation FAI »" in page
    assert "Lagoon" in page
    assert "Étape 3 (facultative)" in page


def test_the_summary_warns_when_the_month_end_deadline_has_passed(alice_client: Client) -> None:
    with time_machine.travel(datetime(2026, 10, 31, 9, tzinfo=NOUMEA), tick=False):
        page = alice_client.get(SUMMARY, fields(desired_date="2026-10-31")).content.decode()
    assert "Le délai pour une résiliation fin octobre 2026 est dépassé" in page
    assert "prise en compte le lundi 2 novembre 2026 ; novembre 2026 sera facturé" in page


def test_the_summary_shows_what_to_correct(alice_client: Client) -> None:
    page = alice_client.get(SUMMARY, fields(desired_date="2026-11-01")).content.decode()
    assert "La date souhaitée est passée" in page


def test_a_valid_form_shows_the_confirmation_page_with_one_button(alice_client: Client) -> None:
    page = alice_client.post(CANCEL, fields()).content.decode()
    assert "Confirmer la résiliation" in page
    assert "Demander la résiliation de mon forfait" in page
    assert 'name="idempotency_key"' in page
    assert not CancellationRequest.objects.exists()


def test_the_confirmation_page_repeats_every_choice_labelled(alice_client: Client) -> None:
    choices = fields(kind="isp_change", new_isp="Lagoon", desired_date="2026-12-31")
    page = html.unescape(alice_client.post(CANCEL, choices).content.decode())
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Nature de la résiliation Changement de FAI — Lagoon" in text
    assert "Date souhaitée jeudi 31 décembre 2026" in text
    assert "Modifier mes réponses" in text


def test_submitting_gives_a_reference_and_an_acknowledgement(
    alice: Customer, alice_client: Client
) -> None:
    response = alice_client.post(SUBMIT, {**fields(), "idempotency_key": "abc"})
    request = CancellationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cancellations:request_sent", args=[request.reference])
    page = alice_client.get(response["Location"]).content.decode()
    assert "RES-2026-000001" in page
    assert "Reçue le 26 novembre 2026 à 10:00:00 (heure de Nouméa, UTC+11:00)" in page
    assert "Un accusé de réception a été envoyé à alice@example.nc" in page
    assert request.channel == "web" and request.created_by == alice.user


def test_a_double_click_or_a_resubmission_creates_one_request(alice_client: Client) -> None:
    first = alice_client.post(SUBMIT, {**fields(), "idempotency_key": "same"})
    second = alice_client.post(SUBMIT, {**fields(), "idempotency_key": "same"})
    assert first["Location"] == second["Location"]
    assert CancellationRequest.objects.count() == 1


def test_a_new_submission_for_an_open_subscription_leads_to_the_open_request(
    alice_client: Client,
) -> None:
    alice_client.post(SUBMIT, {**fields(), "idempotency_key": "one"})
    response = alice_client.post(SUBMIT, {**fields(), "idempotency_key": "two"}, follow=True)
    assert CancellationRequest.objects.count() == 1
    assert (
        "Une demande de résiliation est déjà en cours pour cet abonnement"
        in response.content.decode()
    )


def test_someone_elses_subscription_in_a_tampered_form_is_404(
    alice: Customer, bob: Customer, bob_client: Client
) -> None:
    assert bob_client.post(CANCEL, fields()).status_code == 404
    assert bob_client.post(SUBMIT, fields()).status_code == 404
    assert bob_client.get(SUMMARY, fields()).status_code == 404
    assert not CancellationRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"desired_date": "2026-11-20"}, "La date souhaitée est passée"),
        ({"desired_date": "2027-12-01"}, "La date souhaitée est trop lointaine"),
        ({"desired_date": "2026-02-30"}, "Saisissez une date valide"),
        ({"kind": "isp_change"}, "indiquez le nom du nouveau fournisseur"),
        ({"kind": "other"}, "Indiquez en quelques mots le motif"),
        ({"kind": "bogus"}, "Choisissez la nature de la résiliation."),
        ({"keep_mailboxes": "on", "retention_months": ""}, "Choisissez la durée de conservation"),
        ({"subscription": ""}, "Choisissez l&#x27;abonnement à résilier"),
    ],
)
def test_bad_input_gets_a_clear_message_on_the_form(
    alice_client: Client, overrides: dict[str, str], message: str
) -> None:
    response = alice_client.post(SUBMIT, fields(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CancellationRequest.objects.exists()


def test_a_scheduled_subscription_is_no_longer_offered(
    alice: Customer, alice_client: Client
) -> None:
    alice_client.post(SUBMIT, {**fields(), "idempotency_key": "x"})
    page = alice_client.get(CANCEL).content.decode()
    assert 'value="SUB-A-1"' not in page
    assert 'value="SUB-A-2"' in page


def test_my_requests_lists_only_mine(alice: Customer, bob: Customer, alice_client: Client) -> None:
    request_submit(
        customer=bob,
        draft=Draft(
            subscription=bob.subscriptions.get(), desired_date=date(2026, 12, 31), kind="moving"
        ),
        actor=bob.user,
    )
    alice_client.post(SUBMIT, {**fields(), "idempotency_key": "x"})
    page = alice_client.get(LIST).content.decode()
    assert "RES-2026-000002" in page and "RES-2026-000001" not in page
    assert (
        alice_client.get(
            reverse("cancellations:request_detail", args=["RES-2026-000001"])
        ).status_code
        == 404
    )
    assert (
        alice_client.get(reverse("cancellations:withdraw", args=["RES-2026-000001"])).status_code
        == 404
    )
    assert (
        alice_client.post(reverse("cancellations:withdraw", args=["RES-2026-000001"])).status_code
        == 404
    )


def test_the_request_page_shows_history_emails_and_withdrawal(alice_client: Client) -> None:
    alice_client.post(SUBMIT, {**fields(), "idempotency_key": "x"})
    page = alice_client.get(
        reverse("cancellations:request_detail", args=["RES-2026-000001"])
    ).content.decode()
    assert "Historique" in page and "Reçue" in page and "Prise en compte" in page
    assert "Votre demande de résiliation RES-2026-000001 est reçue et prise en compte" in page
    assert "Vous pouvez retirer cette demande jusqu'au mercredi 30 décembre 2026" in page


def test_withdrawing_from_my_requests(alice: Customer, alice_client: Client) -> None:
    alice_client.post(SUBMIT, {**fields(), "idempotency_key": "x"})
    url = reverse("cancellations:withdraw", args=["RES-2026-000001"])
    assert "Oui, retirer ma demande" in alice_client.get(url).content.decode()
    page = alice_client.post(url, follow=True).content.decode()
    assert "Votre demande RES-2026-000001 est retirée" in page
    assert CancellationRequest.objects.get().status == Status.WITHDRAWN
    assert Subscription.objects.get(reference="SUB-A-1").status == "active"


def test_withdrawing_too_late_is_refused_with_a_message(
    alice: Customer, alice_client: Client
) -> None:
    alice_client.post(SUBMIT, {**fields(desired_date="2026-11-27"), "idempotency_key": "x"})
    url = reverse("cancellations:withdraw", args=["RES-2026-000001"])
    with time_machine.travel(datetime(2026, 11, 27, 8, tzinfo=NOUMEA), tick=False):
        alice_client.force_login(alice.user)  # type: ignore[arg-type]
        detail = alice_client.get(reverse("cancellations:request_detail", args=["RES-2026-000001"]))
        assert "Retirer ma demande" not in detail.content.decode()
        page = alice_client.post(url, follow=True).content.decode()
    assert "Il est trop tard pour retirer cette demande" in page
    assert CancellationRequest.objects.get().status == Status.CONFIRMED


def _queries(client: Client, url: str, data: dict[str, str] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
        assert response.status_code == 200
    return len(queries)


def test_journey_pages_run_a_constant_number_of_queries(
    alice: Customer, bob: Customer, alice_client: Client
) -> None:
    alice_client.post(SUBMIT, {**fields(), "idempotency_key": "x"})
    detail = reverse("cancellations:request_detail", args=["RES-2026-000001"])
    plan = Plan.objects.get(name="ADSL Confort")
    # Two cancellable subscriptions before and after, so none is preselected.
    Subscription.objects.create(
        reference="A-extra", customer=alice, plan=plan, started_on=date(2024, 1, 1)
    )
    pages = [
        (CANCEL, None),
        (SUMMARY, fields(subscription="SUB-A-2")),
        (LIST, None),
        (detail, None),
        (reverse("cancellations:request_sent", args=["RES-2026-000001"]), None),
        (reverse("cancellations:withdraw", args=["RES-2026-000001"]), None),
        (reverse("portal:home"), None),
    ]
    [_queries(alice_client, url, data) for url, data in pages]  # warm the caches
    before = [_queries(alice_client, url, data) for url, data in pages]
    for index in range(15):
        other = Customer.objects.create(client_code=f"X{index}", name="X", email="x@example.nc")
        sub = Subscription.objects.create(
            reference=f"X-{index}", customer=other, plan=plan, started_on=date(2024, 1, 1)
        )
        request_submit(
            customer=other,
            draft=Draft(subscription=sub, desired_date=date(2026, 12, 31), kind="moving"),
            actor=None,
        )
        Subscription.objects.create(
            reference=f"A-{index}", customer=alice, plan=plan, started_on=date(2024, 1, 1)
        )
    for index in range(5):
        sub = Subscription.objects.get(reference=f"A-{index}")
        request_submit(
            customer=alice,
            draft=Draft(subscription=sub, desired_date=date(2026, 12, 31), kind="moving"),
            actor=None,
        )
    after = [_queries(alice_client, url, data) for url, data in pages]
    assert after == before


def test_step_3_guidance_is_shown_when_the_line_should_end_too(alice_client: Client) -> None:
    alice_client.post(SUBMIT, {**fields(wants_phone_line_ended="on"), "idempotency_key": "x"})
    page = alice_client.get(
        reverse("cancellations:request_sent", args=["RES-2026-000001"])
    ).content.decode()
    assert (
        "Étape 3 : résilier la ligne téléphonique auprès de l&#x27;OPT/Helia" in page
        or "Étape 3 : résilier la ligne téléphonique auprès de l'OPT/Helia" in page
    )
    assert "par téléphone : 1000" in page
    assert 'href="https://www.opt.nc"' in page
    # Once sent, nothing says "once the request is sent" any more: the request's page too.
    detail = alice_client.get(reverse("cancellations:request_detail", args=["RES-2026-000001"]))
    for shown in (page, detail.content.decode()):
        assert "une fois la demande envoyée" not in shown
        assert "comme indiqué ci-dessous" in shown


def test_change_my_answers_returns_to_the_filled_form(alice_client: Client) -> None:
    page = alice_client.post(
        CANCEL, {**fields(desired_date="2027-01-15"), "edit": "1"}
    ).content.decode()
    assert "Confirmer la résiliation" not in page
    assert 'value="2027-01-15"' in page
    assert not CancellationRequest.objects.exists()


def test_the_phone_line_answers_count_only_for_a_subscription_over_a_line(
    alice: Customer, alice_client: Client
) -> None:
    alice_client.post(
        SUBMIT,
        {
            **fields(subscription="SUB-A-2"),  # ADSL without an OPTimo line
            "phone_line_cancelled": "on",
            "wants_phone_line_ended": "on",
            "idempotency_key": "x",
        },
    )
    request = alice.cancellation_requests.get()
    assert not request.phone_line_cancelled and not request.wants_phone_line_ended
    page = alice_client.get(CANCEL).content.decode()
    assert '<script id="subscriptions-with-a-line" type="application/json">["SUB-A-1"]' in page


def test_the_summary_lists_every_month_still_billed_with_the_total(alice_client: Client) -> None:
    page = alice_client.get(
        reverse("cancellations:summary"), {**fields(desired_date="2027-01-15")}
    ).content.decode()
    # Received on Thursday 26 November 2026: November, December and January are due.
    assert "novembre 2026, décembre 2026, janvier 2027" in page
    assert "3 mois à 6\u00a0900\u00a0F, total 20\u00a0700\u00a0F" in page


def test_english_pages_are_typeset_and_worded_in_english(bob_client: Client) -> None:
    for path in ("/", "/resiliation/", "/ligne-telephonique/"):
        text = re.sub(r"<[^>]+>", " ", bob_client.get(path).content.decode())
        assert not re.search(r"\w[\s\u00a0]+:\s", text), path  # no space before a colon
        assert "les agences" not in text, path
    assert "the OPT/Helia agencies" in bob_client.get("/ligne-telephonique/").content.decode()


def test_the_operator_step_names_the_customer_when_no_line_holder_is_on_file(
    bob_client: Client,
) -> None:
    """Bob's line has no holder in the billing data: the form is pre-filled with his
    name, and the summary says the same (it used to say "line holder ()")."""
    text = bob_client.get(
        SUMMARY, {"subscription": "SUB-B-1", "desired_date": "2026-12-31", "kind": "definitive"}
    ).content.decode()
    assert "signed by the line holder (Bob Tein)" in text


def test_the_hint_to_keep_the_mailboxes_is_given_only_beside_the_box(alice_client: Client) -> None:
    hint = "Cochez « Conservation des e-mails » pour les garder quelque temps."
    live = alice_client.get(SUMMARY, fields(), HTTP_HX_REQUEST="true").content.decode()
    assert hint in live
    alice_client.post(SUBMIT, {**fields(), "idempotency_key": "x"})
    # After the submission the box is gone: the pages say what happens, not what to tick.
    for name in ("request_sent", "request_detail"):
        page = alice_client.get(
            reverse(f"cancellations:{name}", args=["RES-2026-000001"])
        ).content.decode()
        assert "puis sont supprimées avec le service." in page and hint not in page


def test_one_customers_choices_never_show_in_anothers_form(
    alice_client: Client, bob_client: Client
) -> None:
    alice_client.get(CANCEL)
    alice_client.get(f"{CANCEL}?abonnement=SUB-A-2")
    alice_client.get(SUMMARY, fields(keep_mailboxes="on", retention_months="6"))
    alice_client.get(SUMMARY, fields(desired_date="2026-11-01", kind="isp_change"))
    alice_client.post(CANCEL, fields(kind="nonsense"))
    alice_client.post(CANCEL, fields())
    bob_page = bob_client.get(CANCEL).content.decode()
    assert "SUB-B-1" in bob_page and "SUB-A-1" not in bob_page
    assert "SUB-A-2" not in bob_page and "2026-11-01" not in bob_page


def test_the_reason_typed_for_other_is_repeated_wherever_the_kind_is(
    alice_client: Client, agent: object
) -> None:
    from testing.helpers import logged_in

    data = fields(kind="other", kind_detail="Je pars en métropole")
    live = alice_client.get(reverse("cancellations:summary"), data).content.decode()
    confirm = alice_client.post(CANCEL, data).content.decode()
    alice_client.post(SUBMIT, {**data, "idempotency_key": "other-1"})
    sent = alice_client.get(
        reverse("cancellations:request_sent", args=["RES-2026-000001"])
    ).content.decode()
    staff = logged_in(agent)  # type: ignore[arg-type]
    detail = staff.get(reverse("backoffice:request_detail", args=["RES-2026-000001"]))
    queue = staff.get(reverse("backoffice:request_list")).content.decode()
    for page in (live, confirm, sent, detail.content.decode()):
        assert "Autre — Je pars en métropole" in page
    assert "Je pars en métropole" in queue


def test_nothing_is_said_about_mailboxes_a_subscription_does_not_have(
    alice_client: Client,
) -> None:
    """ADSL has no mailbox: keeping "them" promises no reminder (it said "Nous vous le
    rappellerons 15 jours avant")."""
    data = fields(subscription="SUB-A-2", keep_mailboxes="on", retention_months="6")
    for page in (
        alice_client.get(SUMMARY, data).content.decode(),
        alice_client.post(CANCEL, data).content.decode(),
    ):
        assert "15 jours avant" not in page
    with_mailboxes = alice_client.get(SUMMARY, fields(keep_mailboxes="on", retention_months="6"))
    assert "Nous vous le rappellerons 15 jours avant." in with_mailboxes.content.decode()
