"""The e-mail a match sends the customer at once: which provider asked, what ends and
when, what is still billed, what becomes of the mailboxes, and the link to object or to
keep the mailboxes (its token made when the e-mail leaves: notifications.secret_links)."""

from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from notifications.services import email_queue
from switching.implications import Implications
from switching.models import SwitchMatch
from toolbox.links import site_url


def send_switch_matched(match: SwitchMatch, consequences: Implications) -> OutboundEmail:
    customer = match.subscription.customer
    return email_queue(
        template="switch_matched",
        to=customer.email,
        language=customer.language,
        customer=customer,
        context={
            "customer": customer,
            "match": match,
            "subscription": match.subscription,
            "implications": consequences,
            "url": site_url("switching:objection", MASK),
        },
        secret_link={"kind": "switch_objection", "match_id": match.pk, "nonce": match.link_nonce},
    )
