"""What staff read never shows an internal value: no "None", no empty fields joined by
commas, no action codes, no "app.model #id"."""

import html
import re

import pytest
from django.urls import reverse

from access_forms.models import AccessLineForm
from accounts.models import User
from audit.services import audit_log
from backoffice.templatetags.backoffice import ACTIONS
from states import AuditAction
from testing.helpers import World, logged_in

pytestmark = pytest.mark.django_db


def test_every_audited_action_has_a_label() -> None:
    assert set(ACTIONS) == set(AuditAction)


def test_missing_values_show_as_nothing_and_codes_as_words(world: World, supervisor: User) -> None:
    form = world.signed.access_form
    AccessLineForm.objects.filter(pk=form.pk).update(signer_ip=None, holder_address="")
    audit_log(actor=None, action=AuditAction.PUBLIC_CONFIRM, target=world.signed)
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
    # The sort's empty choice says what the order is, not "Tous".
    assert ">Plus récentes d'abord</option>" in html.unescape(page)
    chart = horizontal_bars("c", "Canaux", [("Page publique de résiliation", 3), ("Web", 1)])
    # Labels are text beside the bars (wrapped by the browser, never scaled down); the
    # bars keep their proportions.
    assert '<span class="hbar-label">Page publique de résiliation</span>' in chart
    assert 'role="img" aria-label="Canaux"' in chart
    assert re.findall(r'<rect width="([\d.]+)" height="10"', chart) == ["100.0", "33.3"]


def test_filters_fold_behind_one_button_that_counts_those_in_use(world: World, agent: User) -> None:
    client = logged_in(agent)
    page = client.get(reverse("backoffice:request_list")).content.decode()
    folded = page.split('<details class="bo-filter-more" data-open-when-wide>', 1)[1]
    assert "<summary>Plus de filtres</summary>" in folded
    assert 'id="id_q"' not in folded and 'id="id_status"' in folded  # the search stays out
    page = client.get(
        reverse("backoffice:request_list") + "?q=Alice&status=submitted&late=on"
    ).content.decode()
    assert "<summary>Plus de filtres (2 en cours)</summary>" in page
    # A wrong value unfolds them, where its field says so.
    page = client.get(reverse("backoffice:request_list") + "?received_from=31/02").content.decode()
    assert '<details class="bo-filter-more" data-open-when-wide open>' in page


def test_a_completed_request_whose_form_was_never_signed_is_flagged(
    world: World, agent: User
) -> None:
    """The service has ended but the operator still runs the line: the queue, its filter
    and the landing page say so."""
    from cancellations.models import CancellationRequest

    bobs = world.bobs  # forwarded: signed, so not flagged once completed
    CancellationRequest.objects.filter(pk__in=[world.signed.pk, bobs.pk]).update(status="completed")
    AccessLineForm.objects.filter(pk=world.signed.access_form.pk).update(
        status="awaiting_signature"
    )
    client = logged_in(agent)
    queue = client.get(reverse("backoffice:request_list")).content.decode()
    assert queue.count("jamais signé : la ligne est toujours ouverte") == 1
    flagged = client.get(reverse("backoffice:request_list") + "?form_never_signed=on")
    assert [r.reference for r in flagged.context["page"]] == [world.signed.reference]
    today = client.get(reverse("backoffice:today")).content.decode()
    assert re.search(
        r'form_never_signed=on"><strong>1</strong> demandes terminées dont le bon', today
    )
