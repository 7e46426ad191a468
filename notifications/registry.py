"""What the outbox makes at send time from the apps above it, registered once, by the
project (resilia/apps.py), so that the outbox imports no app above it:

- a message's context: a message queued with a `render_ref` such as {"request": id} is
  rendered from the maker registered under "request";
- an attachment stored as a reference, such as {"receipt": id}, is made by the maker
  registered under "receipt";
- a secret link's token (notifications.secret_links): a message whose `secret_link` is
  {"kind": "signing", ...} gets the token made by the maker registered under "signing".
"""

from collections.abc import Callable
from typing import Any

type ContextMaker = Callable[[dict[str, Any]], dict[str, Any]]
type AttachmentMaker = Callable[[str], bytes]
type TokenMaker = Callable[..., str]

_contexts: dict[str, ContextMaker] = {}
_attachments: dict[str, AttachmentMaker] = {}
_tokens: dict[str, TokenMaker] = {}


def register_context(key: str, make: ContextMaker) -> None:
    """A message whose `render_ref` holds `key` is rendered from `make(render_ref)`."""
    _contexts[key] = make


def register_attachment(key: str, make: AttachmentMaker) -> None:
    """An attachment stored as `{key: reference, ...}` is `make(reference)`."""
    _attachments[key] = make


def register_token(kind: str, make: TokenMaker) -> None:
    """A secret link of `kind` gets the token `make(**params)` (params: the link's ids)."""
    _tokens[kind] = make


def context_for(render_ref: dict[str, Any]) -> dict[str, Any]:
    for key, make in _contexts.items():
        if key in render_ref:
            return make(render_ref)
    raise LookupError(f"nothing registered renders {sorted(render_ref)}")


def attachment_content(attachment: dict[str, str]) -> bytes | None:
    """The content of an attachment stored as a reference, or None if it is not one."""
    for key, make in _attachments.items():
        if key in attachment:
            return make(attachment[key])
    return None


def token_for(kind: str, params: dict[str, Any]) -> str:
    return _tokens[kind](**params)
