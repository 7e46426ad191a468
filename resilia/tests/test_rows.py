from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from resilia.rows import first_row


@pytest.mark.django_db
def test_it_reads_the_matching_row_with_its_values_converted(alice: Customer) -> None:
    found = first_row(Customer, (("client_code", "="),), [alice.client_code])
    assert found is not None and found.pk == alice.pk
    assert found.created_at == Customer.objects.get(pk=alice.pk).created_at


@pytest.mark.django_db
def test_it_answers_none_when_no_row_matches(alice: Customer) -> None:
    assert first_row(Customer, (("client_code", "="),), ["C999999"]) is None


def test_it_refuses_an_operator_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        first_row(Customer, (("client_code", "= 1 OR 1 ="),), ["x"])


@pytest.mark.django_db
def test_it_compares_a_date_time_as_the_orm_stores_it(alice: Customer) -> None:
    created = Customer.objects.get(pk=alice.pk).created_at
    after = (("client_code", "="), ("created_at", ">"))
    assert first_row(Customer, after, [alice.client_code, created - timedelta(seconds=1)])
    assert first_row(Customer, after, [alice.client_code, created + timedelta(seconds=1)]) is None


@pytest.mark.django_db
def test_its_reads_are_logged_as_every_query(alice: Customer) -> None:
    with CaptureQueriesContext(connection) as queries:
        first_row(Customer, (("client_code", "="),), [alice.client_code])
    assert len(queries) == 1 and '"client_code" = ' in queries[0]["sql"]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_on_postgresql_a_text_run_often_is_prepared_and_still_answers(alice: Customer) -> None:
    condition = (("client_code", "="),)
    for _ in range(settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] + 1):
        found = first_row(Customer, condition, [alice.client_code])
        assert found is not None and found.pk == alice.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert [s for s in prepared if '"customers_customer"' in s and "client_code" in s]
    assert first_row(Customer, condition, ["C999999"]) is None
