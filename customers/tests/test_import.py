import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from customers.import_rows import HEADER
from customers.models import Customer, Mailbox, Plan, Subscription

pytestmark = pytest.mark.django_db
HEAD = ",".join(HEADER)
ALICE = (
    "C100001,Alice Wayaridri,alice@example.nc,75.12.34,fr,Fibre 100,6900,SUB-1,2021-03-15,"
    "25 43 18,,alice@mls.nc famille@mls.nc"
)
ALICE_ADSL = "C100001,Alice Wayaridri,alice@example.nc,75.12.34,fr,ADSL,4500,SUB-2,2023-09-01,,,"
BOB = "C100002,Bob Tein,bob@example.nc,,en,ADSL,4500,SUB-3,2022-06-20,287741,Marc Tein,bob@mls.nc"


def _import(tmp_path: Path, *lines: str) -> tuple[str, str]:
    path = tmp_path / "customers.csv"
    path.write_text("\n".join([HEAD, *lines]) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_customers", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_creates_customers_plans_subscriptions_and_mailboxes(tmp_path: Path) -> None:
    out, _ = _import(tmp_path, ALICE, ALICE_ADSL, BOB)
    assert "created 3, updated 0, unchanged 0, rejected 0" in out
    alice = Customer.objects.get(client_code="C100001")
    assert alice.subscriptions.count() == 2
    fibre = Subscription.objects.get(reference="SUB-1")
    assert fibre.access_line == "254318"
    assert fibre.line_holder == "Alice Wayaridri"  # the customer when no holder is given
    assert sorted(fibre.mailboxes.values_list("address", flat=True)) == [
        "alice@mls.nc",
        "famille@mls.nc",
    ]
    assert Subscription.objects.get(reference="SUB-3").line_holder == "Marc Tein"
    assert Plan.objects.get(name="ADSL").monthly_price_xpf == 4500
    assert Customer.objects.get(client_code="C100002").language == "en"


def test_reimporting_the_same_file_changes_nothing(tmp_path: Path) -> None:
    _import(tmp_path, ALICE, ALICE_ADSL, BOB)
    before = list(Customer.objects.values_list("updated_at", flat=True))
    out, _ = _import(tmp_path, ALICE, ALICE_ADSL, BOB)
    assert "created 0, updated 0, unchanged 3, rejected 0" in out
    assert list(Customer.objects.values_list("updated_at", flat=True)) == before
    assert Mailbox.objects.count() == 3


def test_changed_rows_are_updated(tmp_path: Path) -> None:
    _import(tmp_path, ALICE, BOB)
    out, _ = _import(
        tmp_path,
        ALICE.replace("alice@example.nc", "alice@new.nc").replace("6900", "7200"),
        BOB,
    )
    assert "created 0, updated 1, unchanged 1, rejected 0" in out
    assert Customer.objects.get(client_code="C100001").email == "alice@new.nc"
    assert Plan.objects.get(name="Fibre 100").monthly_price_xpf == 7200


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("C1,,a@example.nc,,fr,P,1,S9,2024-01-01,,,", "name is empty"),
        ("C1,N,not-an-email,,fr,P,1,S9,2024-01-01,,,", "email 'not-an-email' is not a valid"),
        ("C1,N,a@example.nc,,de,P,1,S9,2024-01-01,,,", "language 'de' is not one of fr, en"),
        (
            "C1,N,a@example.nc,,fr,P,12.5,S9,2024-01-01,,,",
            "monthly_price_xpf '12.5' is not a whole",
        ),
        ("C1,N,a@example.nc,,fr,P,-1,S9,2024-01-01,,,", "monthly_price_xpf is negative"),
        ("C1,N,a@example.nc,,fr,P,1,S9,01/02/2024,,,", "started_on '01/02/2024' is not a date"),
        ("C1,N,a@example.nc,,fr,P,1,S9,2024-01-01,abc,,", "access_line 'abc' is not a phone"),
        ("C1,N,a@example.nc,,fr,P,1,S9,2024-01-01,,Holder,", "line_holder is given without"),
        ("C1,N,a@example.nc,,fr,P,1,S9,2024-01-01,,,bad@", "mailbox 'bad@' is not a valid"),
        ("C1,N,a@example.nc,,fr,P,1,S9,2024-01-01,,,,extra", "too many columns"),
        ("C1,N,a@example.nc,,fr,P,1", "too few columns"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_the_rest_imported(
    tmp_path: Path, row: str, reason: str
) -> None:
    out, err = _import(tmp_path, ALICE, row, BOB)
    assert f"line 3: {reason}" in err
    assert "created 2, updated 0, unchanged 0, rejected 1" in out
    assert not Subscription.objects.filter(reference="S9").exists()
    assert not Customer.objects.filter(client_code="C1").exists()


def test_a_subscription_twice_in_the_file_is_rejected_the_second_time(tmp_path: Path) -> None:
    _, err = _import(tmp_path, ALICE, ALICE.replace("C100001", "C100009"))
    assert "line 3: subscription_ref SUB-1 already appears on line 2" in err


def test_a_customer_with_conflicting_details_in_the_file_is_rejected(tmp_path: Path) -> None:
    _, err = _import(tmp_path, ALICE, ALICE_ADSL.replace("75.12.34", "99.99.99"))
    assert "line 3: client_code C100001 appears on line 2 with other name" in err


def test_a_subscription_cannot_move_to_another_customer(tmp_path: Path) -> None:
    _import(tmp_path, ALICE)
    _, err = _import(tmp_path, ALICE.replace("C100001", "C100009"))
    assert "line 2: subscription_ref SUB-1 belongs to customer C100001" in err
    assert not Customer.objects.filter(client_code="C100009").exists()


def test_a_mailbox_of_another_subscription_is_refused(tmp_path: Path) -> None:
    _import(tmp_path, ALICE)
    _, err = _import(tmp_path, BOB.replace("bob@mls.nc", "alice@mls.nc"))
    assert "line 2: mailbox alice@mls.nc belongs to subscription SUB-1" in err
    assert not Subscription.objects.filter(reference="SUB-3").exists()


def test_a_wrong_header_stops_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("code,name\nC1,N\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing: client_code"):
        call_command("import_customers", str(path))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_customers", str(tmp_path / "nope.csv"))


def _import_bytes(tmp_path: Path, *lines: bytes) -> tuple[str, str]:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"\n".join([HEAD.encode(), *lines]) + b"\n")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_customers", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_line_that_is_not_utf8_is_reported_and_the_others_imported(tmp_path: Path) -> None:
    out, err = _import_bytes(
        tmp_path, ALICE.encode(), BOB.replace("Bob", "Bôb").encode("latin-1"), ALICE_ADSL.encode()
    )
    assert "line 3: not UTF-8 text" in err
    assert "created 2, updated 0, unchanged 0, rejected 1" in out  # the truth: Alice's two
    assert not Customer.objects.filter(client_code="C100002").exists()
    assert Subscription.objects.filter(reference="SUB-2").exists()


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        (BOB.replace("4500", "99999999999999999999"), "monthly_price_xpf 99999999999999999999"),
        (BOB.replace("4500", "2147483648"), "more than 10,000,000 francs"),
        (BOB.replace("Bob Tein", "Bob\x00Tein"), "name contains a NUL byte"),
        (BOB.replace("Bob Tein", "Bob" + "x" * 100_000_000), "longer than 65,536 bytes"),
    ],
    ids=["huge-price", "price-over-column", "nul-byte", "100-mb-field"],
)
def test_a_hostile_row_is_reported_and_the_good_rows_imported(
    tmp_path: Path, bad_row: str, reason: str
) -> None:
    _out, err = _import_bytes(tmp_path, ALICE.encode(), bad_row.encode(), ALICE_ADSL.encode())
    assert reason in err
    assert "Traceback" not in err
    assert Subscription.objects.filter(reference__in=["SUB-1", "SUB-2"]).count() == 2
    assert not Subscription.objects.filter(reference="SUB-3").exists()


def test_an_unclosed_quote_is_reported_with_its_line(tmp_path: Path) -> None:
    _out, err = _import_bytes(tmp_path, ALICE.encode(), b'C100002,"Bob Tein,bob@example.nc')
    assert "line 3" in err and "quote" in err
    assert Subscription.objects.filter(reference="SUB-1").exists()


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(HEAD + "\n" + ALICE + "\n", encoding="utf-8-sig")
    out = io.StringIO()
    call_command("import_customers", str(path), stdout=out, stderr=io.StringIO())
    assert "created 1" in out.getvalue()


def test_the_demo_loads_and_reloads_without_duplicates() -> None:
    out = io.StringIO()
    call_command("load_demo", customers=20, stdout=out)
    assert "C100001 / resilia-demo" in out.getvalue()
    count = Subscription.objects.count()
    call_command("load_demo", customers=20, stdout=io.StringIO())
    assert Subscription.objects.count() == count
    assert Customer.objects.get(client_code="C100001").user.check_password("resilia-demo")  # type: ignore[union-attr]
    call_command("load_demo", if_empty=True, stdout=out)
    assert "already exist" in out.getvalue()
