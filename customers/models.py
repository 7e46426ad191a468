from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.switching_codes import new_code


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    ENGLISH = "en", _("English")


class Customer(models.Model):
    client_code = models.CharField(_("client code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    # Created on activation ("Pas encore d'accès ?"): an imported customer has none.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client_code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("export_customers", "Can export customer lists")]

    def __str__(self) -> str:
        return f"{self.client_code} {self.name}"


class Plan(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    # XPF has no subunit: prices are whole francs.
    monthly_price_xpf = models.PositiveIntegerField(_("monthly price (XPF)"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    TERMINATION_SCHEDULED = "termination_scheduled", _("Termination scheduled")
    TERMINATED = "terminated", _("Terminated")


class Subscription(models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    started_on = models.DateField(_("start date"))
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.ACTIVE,
    )
    ends_on = models.DateField(_("end date"), null=True, blank=True)
    # Delivered over the operator's fixed line ("OPTimo"): the line number and holder.
    access_line = models.CharField(_("access line"), max_length=20, blank=True)
    line_holder = models.CharField(_("line holder"), max_length=200, blank=True)
    # What the customer gives a new provider to take the line over (switching_codes.py);
    # renewed on the customer's demand, the old one then matches nothing.
    switching_code = models.CharField(
        _("switching code"), max_length=12, unique=True, default=new_code, editable=False
    )

    class Meta:
        ordering = ["customer", "started_on", "reference"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        indexes = [models.Index(fields=["access_line"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.plan})"

    @property
    def holder_name(self) -> str:
        """Who holds the access line: the one named by the billing system, else the
        customer (the form is pre-filled and the summary speaks with this name)."""
        return self.line_holder or self.customer.name


class MailboxStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETAINED = "retained", _("Retained")
    DELETED = "deleted", _("Deleted")


class Mailbox(models.Model):
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="mailboxes"
    )
    address = models.EmailField(_("address"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MailboxStatus.choices, default=MailboxStatus.ACTIVE
    )
    retained_until = models.DateField(_("retained until"), null=True, blank=True)
    deletion_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["address"]
        # The daily run's reminder and deletion steps, and the back office's counts.
        indexes = [models.Index(fields=["status", "retained_until"], name="mailbox_due")]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address
