"""The integration API's keys and the answers it keeps for idempotent retries (SPEC §7)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE = "write", _("Read and write")
    # A gaining provider's key (one of its keys): the switching endpoints, nothing else.
    SWITCHING = "switching", _("Switching (a gaining provider)")


class ApiKey(models.Model):
    """A key for the billing system or a support tool. Only its SHA-256 is stored (the key
    is 32 random bytes: a fast hash is enough, nothing to brute-force) and its first
    characters in clear, to tell keys apart; the whole key is shown once, at creation."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    # The account the key acts as, named "api:<prefix>": the services, the request history
    # and the audit log attribute every call made with the key to it. It cannot log in.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key"
    )
    # A switching key's provider: what the key does belongs to the provider, so that a
    # new key reads and moves the switches of the key it replaces.
    provider = models.ForeignKey(
        "switching.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_keys",
        verbose_name=_("new provider"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A switching key, and only such a key, belongs to a gaining provider.
            models.CheckConstraint(
                condition=models.Q(scope=Scope.SWITCHING, provider__isnull=False)
                | (~models.Q(scope=Scope.SWITCHING) & models.Q(provider__isnull=True)),
                name="switching_keys_belong_to_a_provider",
            )
        ]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotentAnswer(models.Model):
    """The first answer to a POST with an Idempotency-Key, replayed byte for byte for 24
    hours. Its row is written before the work starts (the unique constraint lets one call
    through), and the answer is filled in when the work is done."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method_path = models.CharField(max_length=300)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    # The answer's bytes (UTF-8 JSON) and the headers a replay repeats, as first sent.
    content = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="one_answer_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id} {self.key}"
