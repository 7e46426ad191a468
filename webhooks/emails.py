"""The e-mail to staff about a webhook endpoint."""

from django.conf import settings

from notifications.models import OutboundEmail
from notifications.services import email_queue
from webhooks.models import WebhookEndpoint


def send_webhook_disabled(endpoint: WebhookEndpoint, *, to: str) -> OutboundEmail:
    """A supervisor is told that an endpoint failing for three days was disabled."""
    return email_queue(
        template="webhook_disabled",
        to=to,
        language=settings.LANGUAGE_CODE,
        context={"endpoint": endpoint},
    )
