"""The rows of a billing-system import: the header, each line read and checked (a line
too long, a price that is not a number, an e-mail that is not one ...) before anything
is written (customers.importer writes them)."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from customers.models import Language

HEADER = (
    "client_code",
    "name",
    "email",
    "phone",
    "language",
    "plan",
    "monthly_price_xpf",
    "subscription_ref",
    "started_on",
    "access_line",
    "line_holder",
    "mailboxes",
)
# No billing row comes near these; past them a line or a price is an error, not data.
MAX_LINE_BYTES = 64 * 1024
MAX_PRICE_XPF = 10_000_000
csv.field_size_limit(MAX_LINE_BYTES)


class RowError(Exception):
    pass


class HeaderError(Exception):
    pass


@dataclass(frozen=True)
class Row:
    line: int
    client_code: str
    name: str
    email: str
    phone: str
    language: str
    plan: str
    monthly_price_xpf: int
    subscription_ref: str
    started_on: date
    access_line: str
    line_holder: str
    mailboxes: tuple[str, ...]


def _required(raw: dict[str, str], name: str, max_length: int) -> str:
    value = (raw.get(name) or "").strip()
    if not value:
        raise RowError(f"{name} is empty")
    if len(value) > max_length:
        raise RowError(f"{name} is longer than {max_length} characters")
    return value


def _email(value: str, column: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise RowError(f"{column} {value!r} is not a valid e-mail address") from None
    return value


def parse_row(line: int, raw: dict[str, str]) -> Row:
    """Validate one CSV row; raise RowError with the reason when it is bad."""
    if None in raw:
        raise RowError("too many columns")
    if any("\n" in value or "\r" in value for value in raw.values() if isinstance(value, str)):
        raise RowError("a field runs over several lines: is a quote left open?")
    if any(raw.get(column) is None for column in HEADER):
        raise RowError("too few columns")
    bad = next((column for column in HEADER if "\x00" in raw[column]), None)
    if bad is not None:
        raise RowError(f"{bad} contains a NUL byte")
    client_code = "".join(_required(raw, "client_code", 20).split()).upper()
    name = _required(raw, "name", 200)
    email = _email(_required(raw, "email", 254), "email")
    phone = raw["phone"].strip()
    if len(phone) > 30:
        raise RowError("phone is longer than 30 characters")
    language = raw["language"].strip().lower() or Language.FRENCH
    if language not in Language.values:
        raise RowError(f"language {language!r} is not one of fr, en")
    plan = _required(raw, "plan", 100)
    try:
        price = int(raw["monthly_price_xpf"].strip())
    except ValueError:
        raise RowError(
            f"monthly_price_xpf {raw['monthly_price_xpf']!r} is not a whole number of francs"
        ) from None
    if price < 0:
        raise RowError("monthly_price_xpf is negative")
    if price > MAX_PRICE_XPF:
        raise RowError(f"monthly_price_xpf {price} is more than {MAX_PRICE_XPF:,} francs")
    reference = _required(raw, "subscription_ref", 40)
    try:
        started_on = date.fromisoformat(raw["started_on"].strip())
    except ValueError:
        raise RowError(f"started_on {raw['started_on']!r} is not a date (YYYY-MM-DD)") from None
    access_line = "".join(ch for ch in raw["access_line"] if ch not in " .-")
    if access_line and not (access_line.isdigit() and 6 <= len(access_line) <= 12):
        raise RowError(f"access_line {raw['access_line']!r} is not a phone number")
    line_holder = raw["line_holder"].strip()
    if line_holder and not access_line:
        raise RowError("line_holder is given without an access_line")
    if len(line_holder) > 200:
        raise RowError("line_holder is longer than 200 characters")
    mailboxes = tuple(dict.fromkeys(raw["mailboxes"].lower().split()))
    for address in mailboxes:
        _email(address, "mailbox")
    return Row(
        line=line,
        client_code=client_code,
        name=name,
        email=email,
        phone=phone,
        language=language,
        plan=plan,
        monthly_price_xpf=price,
        subscription_ref=reference,
        started_on=started_on,
        access_line=access_line,
        line_holder=line_holder or (name if access_line else ""),
        mailboxes=mailboxes,
    )


def decoded_lines(stream: BinaryIO, errors: list[tuple[int, str]]) -> Iterator[str]:
    """The file's lines as text, one by one, so that one bad line costs one row.

    A line that is not UTF-8 or is longer than MAX_LINE_BYTES is reported in `errors` and
    replaced by an empty line (the CSV reader skips it, and line numbers stay true).
    """
    number = 0
    while chunk := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(chunk) > MAX_LINE_BYTES and not chunk.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            errors.append((number, f"the line is longer than {MAX_LINE_BYTES:,} bytes"))
            yield "\n"
            continue
        try:
            text = chunk.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            errors.append((number, f"not UTF-8 text (byte {exc.start + 1} of the line)"))
            yield "\n"
            continue
        yield text


def read_rows(
    lines: Iterable[str], errors: list[tuple[int, str]]
) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(lines)
    missing = [column for column in HEADER if column not in (reader.fieldnames or [])]
    if missing:
        raise HeaderError(f"the header must be {','.join(HEADER)} (missing: {', '.join(missing)})")
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append((reader.line_num, f"not readable as CSV: {exc}"))
            continue
        yield reader.line_num, raw
