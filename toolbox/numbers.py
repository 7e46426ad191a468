"""Ids and counts typed by people or tools: plain ASCII digits, a bounded length.
(`str.isdigit()` takes "³", which `int()` refuses, and a 5,000-digit id overflows.)"""

import re

DIGITS = re.compile(r"[0-9]{1,12}", re.ASCII)


def small_int(value: str | None) -> int | None:
    """The number written, or None for anything else."""
    return int(value) if value is not None and DIGITS.fullmatch(value) else None
