"""Transferts and the audit log export as every filtered list does (supervisors only)."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from accounts.models import User
from api.keys import api_key_create
from api.models import ApiKey
from customers.models import Customer
from testing.helpers import logged_in, place_switch

pytestmark = pytest.mark.django_db


def _rows(response: object, delimiter: str = ";") -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=delimiter))
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def test_switches_and_the_audit_log_are_exported(
    alice: Customer, supervisor: User, agent: User
) -> None:
    api_key_create(name="Lagoon", scope="switching", expires_at=None, actor=supervisor)
    switch = place_switch(ApiKey.objects.get(name="Lagoon"), alice, date(2026, 12, 15))
    url = reverse("backoffice:switch_list")
    assert logged_in(agent).get(url + "?export=csv").status_code == 200  # the page, no file
    boss = logged_in(supervisor)
    exported = boss.get(url + "?export=csv&provider=Lagoon")
    assert exported["Content-Disposition"].startswith('attachment; filename="transferts-')
    (row,) = _rows(exported)
    assert row["Référence"] == switch.reference and row["Nouveau FAI"] == "Lagoon"
    assert row["Statut"] == switch.get_status_display()
    assert row["Date prévue"] == "15/12/2026"
    machine = _rows(boss.get(url + "?export=csv-machine&status=ordered"), delimiter=",")
    assert [r["state"] for r in machine] == ["ordered"]
    assert _rows(boss.get(url + "?export=csv&status=completed")) == []

    audit = boss.get(reverse("backoffice:audit_log") + "?export=csv")
    assert audit["Content-Disposition"].startswith('attachment; filename="journal-d-audit-')
    entries = _rows(audit)
    assert entries and all(
        entry["Action"] and entry["Quand (heure de Nouméa)"] for entry in entries
    )
    assert not [e for e in entries if e["Action"].startswith(("request.", "switch."))]  # words
