"""A change of provider placed by the gaining provider (SPEC §7, switching).

A match (the customer's switching code and last name, checked) comes first: it tells the
customer at once, by e-mail, who asked and what it means, with a link to object. The
switch is the order that follows: a cancellation request of kind `isp_change`, channel
`switch`, with its OPTimo "Résiliation FAI" form. Its status follows the request's."""

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cancellations.references import Series
from rules import switch_status
from states import SwitchState


class SwitchStatus(models.TextChoices):
    ORDERED = SwitchState.ORDERED.value, _("Ordered")
    OBJECTED = SwitchState.OBJECTED.value, _("Stopped by the customer")
    CANCELLED = SwitchState.CANCELLED.value, _("Cancelled")
    COMPLETED = SwitchState.COMPLETED.value, pgettext_lazy("a switch", "Completed")


class Provider(models.Model):
    """A gaining provider: one account whatever its keys. Its switching keys (api.ApiKey)
    come and go; its matches, switches, webhook endpoints, failure budgets and the
    customer's "Je n'ai rien demandé" hang off it, and its name is the one every
    customer and agent reads. Names are unique, case aside."""

    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="one_provider_per_name")]
        verbose_name = _("new provider")
        verbose_name_plural = _("new providers")

    def __str__(self) -> str:
        return self.name


class SwitchMatch(models.Model):
    public_id = models.CharField(max_length=40, unique=True)
    subscription = models.ForeignKey(
        "customers.Subscription", on_delete=models.PROTECT, related_name="+"
    )
    # The code that matched: a code renewed since ends the match.
    code = models.CharField(max_length=12)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="+", verbose_name=_("new provider")
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # The objection link's secret part (the link itself is made when the e-mail leaves).
    link_nonce = models.CharField(max_length=32)
    # "Je n'ai rien demandé" before any order: no order can follow.
    objected_at = models.DateTimeField(null=True, blank=True)
    # What the customer chose from the e-mail's link, used unless the order says otherwise.
    mailbox_retention_months = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subscription", "created_at"], name="match_subscription")]
        verbose_name = _("switch match")
        verbose_name_plural = _("switch matches")

    def __str__(self) -> str:
        return self.public_id


class SwitchCounter(models.Model):
    """The last number given in a year: SW-2026-000001 (cancellations.references)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


# Switches' references: the same numbering as requests', their own series.
SWITCHES = Series("SW", SwitchCounter, "resilia_reference_sw")


class Switch(models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    match = models.OneToOneField(SwitchMatch, on_delete=models.PROTECT, related_name="switch")
    request = models.OneToOneField(
        "cancellations.CancellationRequest", on_delete=models.PROTECT, related_name="switch"
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="+", verbose_name=_("new provider")
    )
    planned_date = models.DateField(_("planned date"))
    created_at = models.DateTimeField()
    # The provider's moves: how many on the Nouméa day `moved_on` (rules.SWITCH_MOVES_PER_DAY),
    # and the day the customer hears of the latest (switching.ordering.switch_reschedule).
    moved_on = models.DateField(null=True, blank=True)
    moves_that_day = models.PositiveSmallIntegerField(default=0)
    move_told_on = models.DateField(null=True, blank=True)
    # Who stopped it, when: the customer ("Je n'ai rien demandé") or the new provider.
    objected_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("switch")
        verbose_name_plural = _("switches")

    def __str__(self) -> str:
        return self.reference

    @property
    def status(self) -> str:
        """Follows the request: completed with it; stopped by the customer (an objection,
        or the request withdrawn from the client area); cancelled by the new provider or
        rejected by the ISP's staff."""
        return switch_status(self.request.status, cancelled=self.cancelled_at is not None)

    def get_status_display(self) -> str:
        return str(SwitchStatus(self.status).label)
