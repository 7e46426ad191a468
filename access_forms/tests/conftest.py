import pytest

from cancellations.models import CancellationRequest
from customers.models import Customer
from testing.helpers import submit


@pytest.fixture
def fibre_request(alice: Customer) -> CancellationRequest:
    return submit(alice, "SUB-A-1")
