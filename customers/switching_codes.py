"""A subscription's switching code ("code de transfert"), like France's RIO: what the
customer gives a new provider so that it can take the line over.

Twelve characters from an alphabet without look-alikes (no 0/O, 1/I/L): ten random ones
and two check characters. The check catches every single mistyped character and every
swap of two neighbours before any lookup, so a typo is told apart from a wrong code
without reading the database. A code is random: it tells nothing about its subscription
or its customer, and it is useless without the holder's last name.
"""

import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 characters, a prime number of them
RANDOM_LENGTH = 10
LENGTH = RANDOM_LENGTH + 2


def _check(body: str) -> str:
    """Two check characters over the body: its weighted sum and its Luhn sum, modulo 31.
    With a prime modulus the weighted sum catches every single substitution and every
    transposition of two different characters."""
    n = len(ALPHABET)
    values = [ALPHABET.index(c) for c in body]
    weighted = sum((i + 1) * v for i, v in enumerate(values)) % n
    luhn = 0
    for i, v in enumerate(reversed(values)):
        doubled = v * 2 if i % 2 == 0 else v
        luhn += doubled // n + doubled % n
    return ALPHABET[weighted] + ALPHABET[(n - luhn % n) % n]


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _check(body)


def normalized(text: str) -> str:
    """What was typed, without spaces or dashes, in capitals, full-width characters as
    their plain forms (may still be invalid)."""
    plain = unicodedata.normalize("NFKC", text[:80])
    return "".join(plain.split()).replace("-", "").upper()[:40]


def is_well_formed(code: str) -> bool:
    """Twelve characters of the alphabet whose check characters agree (a normalized code)."""
    return (
        len(code) == LENGTH
        and all(c in ALPHABET for c in code)
        and _check(code[:RANDOM_LENGTH]) == code[RANDOM_LENGTH:]
    )


def grouped(code: str) -> str:
    """As people read and type it: 4-4-4."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
