"""What staff read never shows an internal value: no "None", no empty fields joined by
commas, no action codes, no "app.model #id"."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from access_forms.models import AccessLineForm
from accounts.models import User
from audit.services import audit_log
from backoffice.templatetags.backoffice import ACTIONS
from backoffice.tests.conftest import World, logged_in

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_every_audited_action_has_a_label() -> None:
    found: set[str] = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        for pair in re.findall(r'"([a-z_]+\.[a-z_]+)" if \w+ else "([a-z_]+\.[a-z_]+)"', text):
            found |= set(pair)
    assert found and not found - set(ACTIONS), sorted(found - set(ACTIONS))


def test_missing_values_show_as_nothing_and_codes_as_words(world: World, supervisor: User) -> None:
    form = world.signed.access_form
    AccessLineForm.objects.filter(pk=form.pk).update(signer_ip=None, holder_address="")
    audit_log(actor=None, action="public.confirm", target=world.signed)
    client = logged_in(supervisor)
    for url in (
        reverse("backoffice:form_detail", args=[form.pk]),
        reverse("backoffice:request_detail", args=[world.signed.reference]),
        reverse("backoffice:audit_log"),
    ):
        page = client.get(url).content.decode()
        assert "None" not in page, url
        assert ", ," not in page and ", </dd>" not in page, url
    audit = client.get(reverse("backoffice:audit_log")).content.decode()
    assert "public.confirm" not in audit and "confirmée avec le code reçu par e-mail" in audit
    assert "cancellations.cancellationrequest" not in audit
    assert f"Demande de résiliation #{world.signed.pk}" in audit


def test_filters_say_all_and_long_chart_labels_wrap(world: World, supervisor: User) -> None:
    from backoffice.charts import horizontal_bars

    page = logged_in(supervisor).get(reverse("backoffice:request_list")).content.decode()
    assert "---------" not in page and ">Tous</option>" in page
    chart = horizontal_bars("c", "Canaux", [("Page publique de résiliation", 3), ("Web", 1)])
    assert chart.count("<tspan") == 3  # two lines for the long label, one for the short
    assert ">Page publique de</tspan>" in chart and ">résiliation</tspan>" in chart
