from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from rules import (
    REQUEST_OPEN_STATUSES,
    REQUEST_STATUSES_WITHOUT_EFFECT,
    ended_with_form_unsigned,
    last_withdrawal_day,
    mailbox_kept_until,
)
from states import RequestState, SubmissionState


class OverrideKind(models.TextChoices):
    CLOSED = "closed", _("Closed (extra day off, e.g. a bridge day)")
    OPEN = "open", _("Open (the ISP works on this public holiday)")


class CalendarOverride(models.Model):
    """A supervisor's change to the legal business calendar (R1)."""

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=6, choices=OverrideKind.choices)
    name = models.CharField(_("name"), max_length=100, help_text=_("Shown to customers."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}: {self.name}"

    def clean(self) -> None:
        from rules import DEFAULT_CALENDAR

        if self.day is None:
            return
        if self.kind == OverrideKind.OPEN and self.day not in DEFAULT_CALENDAR.holidays(
            self.day.year
        ):
            raise ValidationError(
                {"day": ValidationError(_("Only a public holiday can be opened."), "not_a_holiday")}
            )
        if self.kind == OverrideKind.CLOSED and not DEFAULT_CALENDAR.is_business_day(self.day):
            message = _("This day is already closed (weekend or public holiday).")
            raise ValidationError({"day": ValidationError(message, "already_closed")})


class Kind(models.TextChoices):
    DEFINITIVE = "definitive", _("Definitive")
    ISP_CHANGE = "isp_change", _("Change of internet provider")
    MOVING = "moving", _("Moving house")
    DECEASED = "deceased", _("Death of the subscriber")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    WEB = "web", _("Client area")
    WEB_PUBLIC = "web_public", _("Public cancellation page")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    COUNTER = "counter", _("Counter")
    # Placed by the gaining provider through the switching API (the switching app).
    SWITCH = "switch", _("Switch by the new provider")


class Status(models.TextChoices):
    SUBMITTED = RequestState.SUBMITTED.value, _("Received")
    CONFIRMED = RequestState.CONFIRMED.value, _("Taken into account")
    COMPLETED = RequestState.COMPLETED.value, _("Completed")
    WITHDRAWN = RequestState.WITHDRAWN.value, _("Withdrawn")
    REJECTED = RequestState.REJECTED.value, _("Rejected")


class ReferenceSequence(models.Model):
    """The last number given in a year: RES-2026-000123."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CancellationRequest(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="cancellation_requests"
    )
    subscription = models.ForeignKey(
        "customers.Subscription", on_delete=models.PROTECT, related_name="cancellation_requests"
    )
    received_at = models.DateTimeField(_("received at"))
    desired_date = models.DateField(_("desired date"))
    kind = models.CharField(_("kind of cancellation"), max_length=12, choices=Kind.choices)
    new_isp = models.CharField(_("new internet provider"), max_length=100, blank=True)
    kind_detail = models.CharField(_("details"), max_length=500, blank=True)
    mailbox_retention_months = models.PositiveSmallIntegerField(
        _("mailbox retention (months)"), default=0
    )
    phone_line_cancelled = models.BooleanField(
        _("phone line already being cancelled with the operator"), default=False
    )
    wants_phone_line_ended = models.BooleanField(
        _("also wants to end the phone line"), default=False
    )
    # The quote, frozen at submission (SPEC §2): later calendar changes do not move it.
    processing_date = models.DateField(_("processing date"))
    effective_date = models.DateField(_("effective date"))
    billing_end = models.DateField(_("billing end"))
    last_month_amount_xpf = models.PositiveIntegerField(_("amount of the last billed month"))
    month_end_deadline = models.DateTimeField(_("end-of-month deadline"))
    on_time_for_month_end = models.BooleanField()
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    # When it was taken into account, for the back office's delays (SPEC §4).
    confirmed_at = models.DateTimeField(_("taken into account at"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The durable receipt (SPEC §3.9): written once at submission, never regenerated.
    receipt = models.FileField(_("receipt"), upload_to="receipts/%Y/%m/", blank=True)
    receipt_sha256 = models.CharField(_("receipt SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("cancellation request")
        verbose_name_plural = _("cancellation requests")
        constraints = [
            # R8, enforced by the database: two simultaneous submissions cannot both win.
            models.UniqueConstraint(
                fields=["subscription"],
                condition=models.Q(status__in=["submitted", "confirmed"]),
                name="one_open_request_per_subscription",
            ),
            models.UniqueConstraint(
                fields=["customer", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_request_per_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "processing_date"]),
            models.Index(fields=["status", "effective_date"]),
            # The back office's queue: newest first, and by effective date, at any depth.
            models.Index(fields=["received_at", "id"], name="request_received"),
            models.Index(fields=["effective_date", "id"], name="request_effective"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in REQUEST_OPEN_STATUSES

    @property
    def mailboxes_kept_until(self) -> date | None:
        """R11: the last day kept mailboxes work, as the summary showed it."""
        if not self.mailbox_retention_months:
            return None
        return mailbox_kept_until(self.effective_date, self.mailbox_retention_months)

    @property
    def last_withdrawal_day(self) -> date:
        """R9: the last day the customer may withdraw it (while it is open)."""
        return last_withdrawal_day(self.effective_date)

    @property
    def form_never_signed(self) -> bool:
        """Completed while its OPTimo form was never signed (rules.ended_with_form_unsigned)."""
        form = getattr(
            self, "access_form", None
        )  # the form's app adds it; not every request has one
        return form is not None and ended_with_form_unsigned(self.status, form.status)

    @property
    def keeps_subscription(self) -> bool:
        """Withdrawn or rejected: none of the request's dates, bills or mailbox changes
        apply any more (rules.REQUEST_STATUSES_WITHOUT_EFFECT)."""
        return self.status in REQUEST_STATUSES_WITHOUT_EFFECT


class RequestEvent(models.Model):
    """The status history of a request, shown to the customer and to staff."""

    request = models.ForeignKey(
        CancellationRequest, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class SubmissionStatus(models.TextChoices):
    PENDING = SubmissionState.PENDING.value, _("Identity to confirm")
    ACCEPTED = SubmissionState.ACCEPTED.value, _("Request created")
    REFUSED = SubmissionState.REFUSED.value, _("Identity not verified")


class PublicSubmission(models.Model):
    """A cancellation sent from the public page, without logging in (SPEC §3.8).

    Kept as typed, with its time of receipt, whatever happens next: the customer confirms
    it with the code e-mailed to the address on file, or an agent verifies the identity by
    phone; either way the request it becomes is judged at `received_at`.
    """

    token = models.CharField(max_length=43, unique=True)
    # One submission per form shown: a double click or a resent POST finds the first.
    form_nonce = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(_("received at"))
    client_code = models.CharField(_("client code"), max_length=20)
    last_name = models.CharField(_("last name"), max_length=100)
    contact = models.CharField(_("e-mail or phone"), max_length=254)
    subscription_hint = models.CharField(_("subscription (as typed)"), max_length=100)
    desired_date = models.DateField(_("desired date"))
    kind = models.CharField(_("kind of cancellation"), max_length=12, choices=Kind.choices)
    new_isp = models.CharField(_("new internet provider"), max_length=100, blank=True)
    kind_detail = models.CharField(_("details"), max_length=500, blank=True)
    # The optional questions, as answered (0: the mailboxes go with the service).
    mailbox_retention_months = models.PositiveSmallIntegerField(default=0)
    phone_line_cancelled = models.BooleanField(default=False)
    wants_phone_line_ended = models.BooleanField(default=False)
    language = models.CharField(max_length=2)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Written by the worker: the customer whose client code and e-mail on file both match
    # (none otherwise), and the subscription the text designates among theirs. Empty
    # `checked_at`: the worker has not checked it yet.
    checked_at = models.DateTimeField(null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subscription = models.ForeignKey(
        "customers.Subscription",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The code: only its keyed hash, made when its e-mail is delivered.
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    code_requests = models.PositiveSmallIntegerField(default=0)
    code_verified_at = models.DateTimeField(null=True, blank=True)
    # Set by "send me a new code", emptied by the worker when it has sent it.
    code_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PENDING,
    )
    request = models.OneToOneField(
        CancellationRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_submission",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["status", "received_at"], name="submission_queue"),
            # The worker's two queues: small partial indexes, whatever the history.
            models.Index(
                fields=["received_at"],
                condition=models.Q(checked_at__isnull=True),
                name="submission_unchecked",
            ),
            models.Index(
                fields=["code_requested_at"],
                condition=models.Q(code_requested_at__isnull=False),
                name="submission_code_requested",
            ),
        ]
        verbose_name = _("public cancellation")
        verbose_name_plural = _("public cancellations")

    def __str__(self) -> str:
        return f"{self.client_code} {self.received_at:%Y-%m-%d %H:%M}"
