"""The request queue's filters and search, a malformed filter ignored with a message,
constant queries whatever the number of rows, and the streamed, neutralised exports."""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from cancellations.models import CancellationRequest, Channel
from customers.models import Customer, Mailbox, Plan, Subscription
from testing.helpers import World, logged_in, make_customer, submit
from toolbox.noumea import NOUMEA

pytestmark = pytest.mark.django_db


def listed(client: Client, query: str, url: str = "") -> set[str]:
    response = client.get((url or reverse("backoffice:request_list")) + "?" + query)
    assert response.status_code == 200
    return {
        r.reference
        for r in response.context["page"]  # type: ignore[index]
    }


def test_each_filter_narrows_the_queue(world: World, agent: User) -> None:
    client = logged_in(agent)
    a1, a2, b1 = world.signed.reference, world.plain.reference, world.bobs.reference
    CancellationRequest.objects.filter(pk=world.plain.pk).update(
        kind="isp_change", new_isp="Can'l", channel=Channel.PHONE, on_time_for_month_end=False
    )
    assert listed(client, "") == {a1, a2, b1}
    assert listed(client, "kind=isp_change") == {a2}
    assert listed(client, "channel=phone") == {a2}
    assert listed(client, "on_time=no") == {a2}
    assert listed(client, "status=submitted") == {a1, a2, b1}
    assert listed(client, "form_status=forwarded") == {b1}
    assert listed(client, "received_from=2026-11-26&received_to=2026-11-26") == {a1, a2, b1}
    assert listed(client, "received_from=2026-11-27") == set()
    assert listed(client, "effective_from=2026-12-31&effective_to=2026-12-31") == {a1, a2, b1}
    # Needs action: received and due (manual confirmation), or a signed form to check.
    assert listed(client, "needs_action=on") == {a1, a2, b1}
    assert listed(client, "late=on") == {a1, a2, b1}  # processing day 26th, today the 27th


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("RES-2026-000001", {"RES-2026-000001"}),
        ("c100002", {"RES-2026-000003"}),
        ("wayaridri", {"RES-2026-000001", "RES-2026-000002"}),
        ("bob@example.nc", {"RES-2026-000003"}),
        ("254318", {"RES-2026-000001"}),
        ("nobody", set()),
    ],
)
def test_search_finds_by_reference_code_name_email_and_line(
    world: World, agent: User, query: str, expected: set[str]
) -> None:
    assert listed(logged_in(agent), f"q={query}") == expected


def test_a_malformed_filter_is_ignored_with_a_message(world: World, agent: User) -> None:
    response = logged_in(agent).get(
        reverse("backoffice:request_list")
        + "?received_from=31/02/2026&status=bogus&page=x&kind=isp_change"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Le filtre « Reçue à partir du » a été ignoré" in text
    assert "Le filtre « Statut » a été ignoré" in text
    assert {r.reference for r in response.context["page"]} == set()  # kind still applied


def test_sorting_by_a_column_is_stable(world: World, agent: User) -> None:
    client = logged_in(agent)
    response = client.get(reverse("backoffice:request_list") + "?order=reference")
    assert [r.reference for r in response.context["page"]] == [
        "RES-2026-000001",
        "RES-2026-000002",
        "RES-2026-000003",
    ]
    response = client.get(reverse("backoffice:request_list") + "?order=-reference")
    assert response.context["page"][0].reference == "RES-2026-000003"


def _more_requests(count: int) -> None:
    plan = Plan.objects.get(name="Fibre 100")
    for n in range(count):
        customer = make_customer(f"C2{n:05d}", f"Client {n}", f"c{n}@example.nc")
        Subscription.objects.create(
            reference=f"SUB-X-{n}",
            customer=customer,
            plan=plan,
            started_on=date(2022, 1, 1),
            access_line=f"29{n:04d}",
        )
        Mailbox.objects.create(subscription=customer.subscriptions.get(), address=f"x{n}@mls.nc")
        submit(customer, f"SUB-X-{n}")


@pytest.mark.parametrize(
    "url_name", ["request_list", "today", "dashboard", "forms_queue", "request_detail"]
)
def test_pages_run_the_same_queries_for_3_or_23_requests(
    world: World, agent: User, url_name: str, django_assert_max_num_queries: object
) -> None:
    client = logged_in(agent)
    args = [world.signed.reference] if url_name == "request_detail" else []
    url = reverse(f"backoffice:{url_name}", args=args)
    client.get(url)  # session, role and translations warmed
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_requests(20)
    with django_assert_max_num_queries(len(few)):  # type: ignore[operator]
        assert client.get(url).status_code == 200


def _csv(response: object, delimiter: str = ";") -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=delimiter))


def test_the_export_opens_in_a_french_spreadsheet_and_its_machine_variant_has_codes(
    world: World, supervisor: User
) -> None:
    client = logged_in(supervisor)
    url = reverse("backoffice:request_list") + "?q=C100001&export="
    people = client.get(url + "csv")
    assert people["Content-Disposition"].startswith('attachment; filename="demandes-2')
    rows = _csv(people)
    assert len(rows[0]) == 17  # columns, split by ";"
    by_header = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert {r["Nature"] for r in by_header} <= {"Définitive", "Changement de FAI", "Déménagement"}
    assert {r["Canal"] for r in by_header} == {"Espace client"}
    assert all(r["Statut"] in {"Reçue", "Prise en compte"} for r in by_header)
    assert all(r["Dans les temps pour la fin de mois"] in {"Oui", "Non"} for r in by_header)
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", r["Date souhaitée"]) for r in by_header)
    machine = client.get(url + "csv-machine")
    assert "-integration-" in machine["Content-Disposition"]
    assert 'filename="requests-integration-' in machine["Content-Disposition"]
    rows = _csv(machine, delimiter=",")
    assert rows[0][:3] == ["reference", "customer__client_code", "customer__name"]
    by_field = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert {r["channel"] for r in by_field} == {"web"}
    assert all(r["status"] in {"submitted", "confirmed"} for r in by_field)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["desired_date"]) for r in by_field)


def test_a_supervisor_exports_the_filtered_queue_as_neutralised_csv(
    world: World, supervisor: User
) -> None:
    Customer.objects.filter(pk=world.alice.pk).update(name='=HYPERLINK("http://evil")')
    response = logged_in(supervisor).get(
        reverse("backoffice:request_list") + "?q=C100001&export=csv"
    )
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv(response)
    assert rows[0][:3] == ["Référence", "Code client", "Nom"]
    assert sorted(r[0] for r in rows[1:]) == ["RES-2026-000001", "RES-2026-000002"]
    assert {r[2] for r in rows[1:]} == {'\'=HYPERLINK("http://evil")'}


def test_an_agent_cannot_export(world: World, agent: User) -> None:
    response = logged_in(agent).get(reverse("backoffice:request_list") + "?export=csv")
    assert not response.streaming and response.status_code == 200
    assert "Seuls les superviseurs peuvent exporter" in response.content.decode()


def test_the_export_reads_its_rows_while_it_streams(world: World, supervisor: User) -> None:
    """The view answers before reading the list; the rows are read as the file is sent,
    so it never holds the whole list (docs/BENCHMARKS.md: a million rows in bounded
    memory)."""
    client = logged_in(supervisor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("backoffice:request_list") + "?export=csv")
        before_streaming = len(queries)
        rows = _csv(response)
    assert response.streaming and len(rows) == 4
    assert len(queries) > before_streaming  # the rows were read while streaming


def test_forms_and_mailboxes_export(world: World, supervisor: User) -> None:
    client = logged_in(supervisor)
    rows = _csv(client.get(reverse("backoffice:forms_queue") + "?status=forwarded&export=csv"))
    assert [r[0] for r in rows[1:]] == [world.bobs.reference]
    Mailbox.objects.filter(address="alice@mls.nc").update(
        status="retained", retained_until=date(2026, 12, 10)
    )
    Mailbox.objects.filter(address="bob@mls.nc").update(
        status="retained", retained_until=date(2027, 3, 1)
    )
    rows = _csv(client.get(reverse("backoffice:mailboxes_export") + "?days=30"))
    assert rows[1:] == [
        ["alice@mls.nc", "C100001", "Alice Wayaridri", "alice@example.nc", "10/12/2026"]
    ]


def test_hostile_numbers_and_dates_never_answer_500(world: World, supervisor: User) -> None:
    client = logged_in(supervisor)
    old = client.get(reverse("backoffice:request_list") + "?received_from=0001-01-01")
    assert old.status_code == 200 and "a été ignoré" in old.content.decode()
    assert client.get(reverse("backoffice:audit_log") + "?day_from=0001-01-01").status_code == 200
    for selected in ("³", "9" * 30, "9" * 5000):
        response = client.post(reverse("backoffice:bulk_confirm"), {"selected": selected})
        assert response.status_code == 302
    export = client.get(reverse("backoffice:mailboxes_export") + "?days=³")
    assert export.status_code == 200
    resend = client.post(
        reverse("backoffice:request_action", args=[world.plain.reference, "resend"]),
        {"email": "³"},
    )
    assert resend.status_code == 404


def test_the_english_export_writes_dates_day_first_and_is_named_in_english(
    world: World, supervisor: User
) -> None:
    from django.conf import settings

    from cancellations.models import CancellationRequest

    client = logged_in(supervisor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    people = client.get(reverse("backoffice:request_list") + "?q=C100001&export=csv")
    assert people["Content-Disposition"].startswith('attachment; filename="requests-2')
    rows = _csv(people, delimiter=",")
    by_header = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert by_header
    for row in by_header:
        request = CancellationRequest.objects.get(reference=row["Reference"])
        assert row["Desired date"] == request.desired_date.strftime("%d/%m/%Y")
        received = request.received_at.astimezone(NOUMEA)
        assert row["Received at (Nouméa)"] == received.strftime("%d/%m/%Y %H:%M")
