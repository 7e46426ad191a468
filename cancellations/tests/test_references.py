"""One numbering for every series: requests (RES) and switches (SW) alike."""

import pytest
from django.db import transaction

from cancellations.references import REQUESTS, next_reference, sequence_prepare
from switching.models import SWITCHES, SwitchCounter

pytestmark = pytest.mark.django_db


def test_a_series_starts_at_one_each_year_and_goes_on_after_its_counter() -> None:
    with transaction.atomic():
        assert next_reference(SWITCHES, 2033) == "SW-2033-000001"
        assert next_reference(SWITCHES, 2033) == "SW-2033-000002"
    SwitchCounter.objects.create(year=2034, last=41)
    assert next_reference(SWITCHES, 2034) == "SW-2034-000042"


def test_each_series_counts_on_its_own() -> None:
    assert next_reference(REQUESTS, 2035) == "RES-2035-000001"
    assert next_reference(SWITCHES, 2035) == "SW-2035-000001"
    assert next_reference(REQUESTS, 2035) == "RES-2035-000002"


def test_a_year_prepared_ahead_numbers_from_one_on_either_engine() -> None:
    for series in (REQUESTS, SWITCHES):
        sequence_prepare(series, 2036)  # the daily run, the year before (PostgreSQL only)
        assert next_reference(series, 2036) == f"{series.prefix}-2036-000001"
