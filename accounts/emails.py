"""The access e-mails: "Pas encore d'accès ?" and "Mot de passe oublié"."""

from customers.models import Customer
from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from notifications.services import email_queue


def send_access_link(
    customer: Customer, *, user_id: int, url_with_mask: str, first_access: bool
) -> OutboundEmail:
    """ "Pas encore d'accès ?" (activation) or "Mot de passe oublié" (password reset)."""
    assert MASK in url_with_mask  # the live token must never be written here
    return email_queue(
        template="activation" if first_access else "password_reset",
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={"customer": customer, "url": url_with_mask},
        secret_link={"kind": "access", "user_id": user_id},
    )
