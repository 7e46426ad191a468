from collections.abc import Iterator

import pytest
import time_machine

from testing.helpers import SWITCHING_MORNING


@pytest.fixture(autouse=True)
def _morning() -> Iterator[None]:
    """Every switching test happens on a Tuesday morning with no holiday near."""
    with time_machine.travel(SWITCHING_MORNING, tick=False):
        yield
