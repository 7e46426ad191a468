"""Webhooks following the Standard Webhooks specification: endpoints registered by
supervisors, an event written with every state change (in its transaction), and one
delivery per endpoint that wants it, sent in order by the worker and retried for three
days. Every event is kept, whether or not an endpoint is active: a disabled endpoint's
deliveries wait, and go out in order when it is enabled again."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

EVENT_TYPES = [
    "request.submitted",
    "request.confirmed",
    "request.rescheduled",
    "request.withdrawn",
    "request.rejected",
    "request.completed",
    "form.signed",
    "form.forwarded",
    "form.acknowledged",
    "form.refused",
    "mailbox.deleted",
    # A switch placed by a gaining provider (the switching app), and its form's steps:
    # sent to that provider's own endpoints, and to the ISP's.
    "switch.ordered",
    "switch.rescheduled",
    "switch.objected",
    "switch.cancelled",
    "switch.completed",
    "switch.form_signed",
    "switch.form_forwarded",
    "switch.form_acknowledged",
    "switch.form_refused",
]


class WebhookEndpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Needed to sign every message, so kept; shown to the supervisor once, at creation.
    secret = models.CharField(max_length=100, editable=False)
    # The event types sent to it; empty: all of them.
    event_types = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    # A gaining provider's endpoint: it receives only the events addressed to that
    # provider (its own switches), never the ISP's others.
    provider = models.ForeignKey(
        "switching.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("new provider"),
    )
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Since when every attempt has failed; three days of it disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["url", "id"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str, audience_id: int | None = None) -> bool:
        """The ISP's endpoints get every event of their types; a gaining provider's only
        those addressed to it."""
        if self.provider_id is not None and self.provider_id != audience_id:
            return False
        return not self.event_types or event_type in self.event_types


class WebhookEvent(models.Model):
    """One change, as it is sent: `msg_id` is the webhook-id header (the same for every
    attempt, so receivers can drop duplicates) and `body` the exact JSON signed."""

    msg_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40, db_index=True)
    body = models.TextField()
    # The gaining provider whose own endpoints also get it (for its switch).
    audience = models.ForeignKey(
        "switching.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.msg_id} {self.type}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed (gave up)")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Its three days of retries count from here: a delivery waiting for a disabled
    # endpoint is not attempted, and starts its three days when the endpoint is enabled.
    first_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "endpoint", "id"], name="delivery_queue")]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True)
    duration_ms = models.PositiveIntegerField()
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"
