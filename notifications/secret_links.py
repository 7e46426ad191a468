"""Links that open an account or sign a legal form are never stored readable.

Such an e-mail is written with MASK where the link's token goes, plus what is needed to
make the token (`OutboundEmail.secret_link`: a kind and ids, nothing usable on its own).
The token is made when the message is delivered, so no staff page, admin view, export
or database dump shows a link that logs in as a customer or signs their form.
"""

from typing import Any

from notifications import registry

# ASCII so that reverse() keeps it as it is inside a URL.
MASK = "MASKED-TOKEN"


def reveal(text: str, secret_link: dict[str, Any]) -> str:
    """The text with the live token in place of the mask (at delivery time only)."""
    return reveal_all([text], secret_link)[0]


def reveal_all(texts: list[str], secret_link: dict[str, Any]) -> list[str]:
    """The texts of one message (plain and HTML) with the same live token: a token is
    made once per delivery (a one-time code changes each time one is made)."""
    if not secret_link or not any(MASK in text for text in texts):
        return texts
    params = {k: v for k, v in secret_link.items() if k != "kind"}
    token = registry.token_for(secret_link["kind"], params)
    return [text.replace(MASK, token) for text in texts]
