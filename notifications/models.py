from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")


class OutboundEmail(models.Model):
    """One message, written in the same transaction as the change that causes it.

    The worker delivers it; while SMTP fails it stays here with its attempts and last
    error and is tried again later, so an outage delays e-mails and loses none.
    """

    template = models.CharField(max_length=60)
    language = models.CharField(max_length=2)
    to = models.EmailField()
    # Where an answer goes: the support address for customers, staff's for the operator.
    reply_to = models.EmailField(blank=True)
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField()
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    # [{"filename", "mimetype", "path"}] (a file in the default storage) or "content".
    attachments = models.JSONField(default=list, blank=True)
    # How to make the token of a masked access or signing link at delivery time
    # (see notifications.secret_links); the stored bodies only hold the mask.
    secret_link = models.JSONField(default=dict, blank=True, editable=False)
    # A message queued by a batch is rendered just before it is sent, from this (e.g.
    # {"request": 42}); its subject and bodies stay empty until then.
    render_ref = models.JSONField(default=dict, blank=True, editable=False)
    # The reference of what the e-mail is about (e.g. RES-2026-000123), for listing.
    related_reference = models.CharField(max_length=30, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    # A code or a link that expires (it carries `secret_link`): sent ahead of notices.
    urgent = models.BooleanField(default=False, editable=False)
    # One of a batch the daily run queues (reminders, completions): sent after the
    # messages someone is waiting for now.
    bulk = models.BooleanField(default=False, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A sender claims the message until this instant (a conditional UPDATE), so two
    # workers never send it together, and a worker that died mid-send is replaced by
    # another once the lease has run out.
    leased_until = models.DateTimeField(null=True, blank=True)
    # Its text and attachments were deleted this day, past the retention period
    # (settings.RESILIA_RETENTION_DAYS["email_bodies"]); the row stays.
    body_pruned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="email_due"),
            # The sender's order among the messages waiting: urgent first, the daily
            # run's batches last, then oldest.
            models.Index(
                F("urgent").desc(),
                "bulk",
                "next_attempt_at",
                "id",
                condition=Q(status__in=["queued", "retrying"]),
                name="email_waiting",
            ),
        ]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")

    def __str__(self) -> str:
        return f"{self.template} → {self.to}"

    @property
    def display_subject(self) -> str:
        """The subject, or for a batch message not yet sent what it is about."""
        return self.subject or str(_("Notice about %(reference)s (written when sent)")) % {
            "reference": self.related_reference
        }
