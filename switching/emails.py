"""The e-mails of a switch's own events: the match, sent at once (which provider asked,
what ends and when, what is still billed, what becomes of the mailboxes), and a move
(the new dates, at most once a day). Each carries the link to object or to keep the
mailboxes (its token made when the e-mail leaves: notifications.secret_links). The
order's acknowledgement and the stop are the request's (cancellations.emails)."""

from datetime import datetime

from django.conf import settings

from notifications.models import OutboundEmail
from notifications.secret_links import MASK
from notifications.services import (
    email_queue,
    email_queue_rendered_at_delivery,
    render_subject,
)
from switching.implications import Implications
from switching.models import Switch, SwitchMatch
from toolbox.links import site_url

MOVED = "switch_moved"


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
        secret_link=objection_link(match),
    )


def objection_link(match: SwitchMatch) -> dict[str, object]:
    """The secret link of every switch e-mail: the match's page, without login."""
    return {"kind": "switch_objection", "match_id": match.pk, "nonce": match.link_nonce}


def send_switch_moved(switch: Switch, *, send_at: datetime | None) -> OutboundEmail:
    """The new dates, rendered when the message leaves (`send_at`, or at once): a message
    held for the next morning tells the day's last move."""
    request = switch.request
    customer = request.customer
    return email_queue_rendered_at_delivery(
        OutboundEmail(
            template=MOVED,
            subject=render_subject(MOVED, customer.language, {"request": request}),
            language=customer.language,
            to=customer.email,
            customer=customer,
            related_reference=request.reference,
            reply_to=settings.RESILIA_BRAND["support_email"],
            render_ref={
                "request": request.pk,
                "objection_url": site_url("switching:objection", MASK),
            },
            secret_link=objection_link(switch.match),
            urgent=True,
            next_attempt_at=send_at,
        )
    )
