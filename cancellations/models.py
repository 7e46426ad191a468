from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


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
        from cancellations.rules import DEFAULT_CALENDAR

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
