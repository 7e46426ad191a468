from datetime import timedelta

import pytest

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
