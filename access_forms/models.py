"""The operator's line-access form ("Bon de commande/résiliation OPTimo", SPEC R10)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rules import REQUEST_OPEN_STATUSES
from states import FormState


class FormKind(models.TextChoices):
    CANCELLATION = "cancellation", _("Cancellation")  # "Résiliation"
    ISP_RELEASE = "isp_release", _("Release to another provider")  # "Résiliation FAI"


class FormStatus(models.TextChoices):
    NOT_NEEDED = FormState.NOT_NEEDED.value, _("Not needed")
    AUTO_CLOSED = FormState.AUTO_CLOSED.value, _("Closes with the phone line")
    AWAITING_SIGNATURE = FormState.AWAITING_SIGNATURE.value, _("Awaiting signature")
    SIGNED = FormState.SIGNED.value, _("Signed")
    INVALID = FormState.INVALID.value, _("To sign again")
    FORWARDED = FormState.FORWARDED.value, _("Forwarded to the operator")
    ACKNOWLEDGED = FormState.ACKNOWLEDGED.value, _("Accepted by the operator")
    REFUSED_BY_OPERATOR = FormState.REFUSED_BY_OPERATOR.value, _("Refused by the operator")
    CANCELLED = FormState.CANCELLED.value, _("Cancelled (request withdrawn or rejected)")


class SignatureSource(models.TextChoices):
    DRAWN = "drawn", _("Signed online (drawn)")
    TYPED = "typed", _("Signed online (typed name)")
    UPLOAD = "upload", _("Scanned form uploaded")
    # Where the operator accepts a gaining provider's order instead of a signature.
    ORDER = "order", _("New provider's switch order (no signature)")


class ForwardingBatch(models.Model):
    """One e-mail to the operator carrying several forms and a CSV manifest."""

    reference = models.CharField(max_length=30, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.EmailField()
    email = models.ForeignKey(
        "notifications.OutboundEmail", null=True, blank=True, on_delete=models.SET_NULL
    )
    # The automatic batch of a business day (at most one); staff batches leave it empty.
    automatic_on = models.DateField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("forwarding batch")
        verbose_name_plural = _("forwarding batches")

    def __str__(self) -> str:
        return self.reference


class AccessLineForm(models.Model):
    request = models.OneToOneField(
        "cancellations.CancellationRequest", on_delete=models.PROTECT, related_name="access_form"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FormKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=FormStatus.choices)
    line_number = models.CharField(_("fixed line number"), max_length=20, blank=True)
    holder_name = models.CharField(_("line holder"), max_length=200, blank=True)
    holder_address = models.CharField(_("address"), max_length=300, blank=True)
    holder_phone = models.CharField(_("phone"), max_length=30, blank=True)
    holder_email = models.EmailField(_("e-mail"), blank=True)
    form_date = models.DateField(_("date in the observations"))
    # A switch placed by the new provider: its reference, printed in the observations.
    switch_reference = models.CharField(_("switch order"), max_length=20, blank=True)
    # Signature evidence (SPEC §3.5); the PDF is immutable once signed.
    source = models.CharField(max_length=8, choices=SignatureSource.choices, blank=True)
    signer_name = models.CharField(_("signer"), max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signer_ip = models.GenericIPAddressField(null=True, blank=True)
    signer_user_agent = models.CharField(max_length=500, blank=True)
    document = models.FileField(upload_to="access_forms/%Y/%m/", blank=True)
    document_type = models.CharField(max_length=40, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    # An uploaded PDF as the sender sent it: evidence for supervisors, never forwarded or
    # shown to agents (`document` is rebuilt from its pixels).
    original_document = models.FileField(upload_to="access_forms/originals/%Y/%m/", blank=True)
    original_sha256 = models.CharField(max_length=64, blank=True)
    # A signing link for a line holder who is not the customer: single use.
    link_email = models.EmailField(blank=True)
    link_nonce = models.CharField(max_length=32, blank=True)
    # The automatic reminder to sign (RESILIA_FORM_REMINDER_DAYS), sent once.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # A signed form is forwarded only once an agent has checked it.
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invalid_reason = models.CharField(max_length=500, blank=True)
    batch = models.ForeignKey(
        ForwardingBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="forms"
    )
    forwarded_at = models.DateTimeField(null=True, blank=True)
    operator_reference = models.CharField(max_length=100, blank=True)
    operator_refusal_reason = models.CharField(max_length=500, blank=True)
    operator_answered_at = models.DateTimeField(null=True, blank=True)
    # A cancelled form that had left for the operator is recalled: a cancellation notice
    # goes in the next batch, and the form stays in view until the operator answers.
    recall_requested_at = models.DateTimeField(null=True, blank=True)
    recall_batch = models.ForeignKey(
        ForwardingBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="recalls"
    )
    recall_answered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("line-access form")
        verbose_name_plural = _("line-access forms")
        indexes = [models.Index(fields=["status"]), models.Index(fields=["line_number"])]

    def __str__(self) -> str:
        return f"{self.request.reference} {self.get_kind_display()}"

    @property
    def can_be_signed(self) -> bool:
        """Awaiting a (new) signature, for a request that is still open."""
        return (
            self.status
            in (
                FormStatus.AWAITING_SIGNATURE,
                FormStatus.INVALID,
            )
            and self.request.status in REQUEST_OPEN_STATUSES
        )

    @property
    def awaits_recall_answer(self) -> bool:
        return self.recall_requested_at is not None and self.recall_answered_at is None

    @property
    def holder_contact(self) -> str:
        """The line holder's name and details, the missing ones left out."""
        parts = [self.holder_name, self.holder_address, self.holder_phone, self.holder_email]
        return ", ".join(part.strip() for part in parts if part and part.strip(", "))

    @property
    def has_document(self) -> bool:
        return bool(self.document)


class PdfToRead(models.Model):
    """A PDF sent as the signed form, waiting for the worker to read it.

    Reading a PDF (rendering its pages from their pixels) takes seconds, which a web
    request never spends: the customer is answered at once, and e-mailed when the worker
    has read it (the form is then signed) or could not (`refusal`, shown on the form page
    until the next file or signature). One per form: a new file replaces it, and so does
    signing online.
    """

    form = models.OneToOneField(
        AccessLineForm, on_delete=models.CASCADE, related_name="pdf_to_read"
    )
    content = models.FileField(upload_to="access_forms/to_read/%Y/%m/", blank=True)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_ip = models.GenericIPAddressField(null=True, blank=True)
    sender_user_agent = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    # A worker reading it holds it until then; one killed in the middle leaves it to the
    # next when the lease ends. After READ_TRIES leases, the file is refused.
    leased_until = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    refusal = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("PDF to read")
        verbose_name_plural = _("PDFs to read")
        indexes = [models.Index(fields=["refusal", "received_at"])]

    def __str__(self) -> str:
        return f"{self.form} PDF"

    @property
    def waiting(self) -> bool:
        return not self.refusal
