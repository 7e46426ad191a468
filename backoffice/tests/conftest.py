"""The back office's tests run on Friday 27 November 2026, the day after the world's
requests were received (the `world` fixture is in the root conftest.py)."""

from collections.abc import Iterator

import pytest
import time_machine

from testing.helpers import BACKOFFICE_DAY


@pytest.fixture(autouse=True)
def _friday_27_november() -> Iterator[None]:
    with time_machine.travel(BACKOFFICE_DAY, tick=True):
        yield
