"""Whether the last name a new provider gives is the account holder's: accents, case,
hyphens and apostrophes aside ("N'Guyen", "nguyen", "Nguyễn" are one name)."""

import unicodedata


def _words(text: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() else " " for c in bare).split()


def last_name_matches(given: str, full_name: str) -> bool:
    """The given words are the last words of the full name (a first name alone matches
    nothing); one letter or nothing matches nothing."""
    wanted, words = _words(given), _words(full_name)
    if not wanted or sum(len(w) for w in wanted) < 2 or len(wanted) > len(words):
        return False
    return words[-len(wanted) :] == wanted
