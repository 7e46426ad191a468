"""What the outbox renders from, registered by the apps that own it, so that the outbox
knows no app above it: how a message queued with a `render_ref` gets its context (the
cancellations app: "request"; the customers app: "mailbox"), and how an attachment
stored as a reference is made when the message is sent (the cancellations app: the
"receipt")."""

from collections.abc import Callable
from typing import Any

type ContextMaker = Callable[[dict[str, Any]], dict[str, Any]]
type AttachmentMaker = Callable[[str], bytes]

_contexts: dict[str, ContextMaker] = {}
_attachments: dict[str, AttachmentMaker] = {}


def register_context(key: str, make: ContextMaker) -> None:
    """A message whose `render_ref` holds `key` is rendered from `make(render_ref)`."""
    _contexts[key] = make


def register_attachment(key: str, make: AttachmentMaker) -> None:
    """An attachment stored as `{key: reference, ...}` is `make(reference)`."""
    _attachments[key] = make


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
