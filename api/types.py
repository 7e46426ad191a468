"""Strings the API accepts in JSON bodies: no NUL (PostgreSQL refuses it in text), no
lone surrogate (it cannot be encoded), and no longer than the column that keeps it.
Anything else is a 422 with the field named, never a 500 from the database."""

from typing import Annotated

from pydantic import StringConstraints

NO_NUL = r"^[^\x00]*$"


def text(max_length: int) -> object:
    return Annotated[str, StringConstraints(strict=True, max_length=max_length, pattern=NO_NUL)]
