"""Reminders to sign: an agent's, and the daily run's automatic one for a form left
unsigned for too long."""

from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from access_forms import emails
from access_forms.models import (
    AccessLineForm,
    FormStatus,
)
from access_forms.services import locked_form
from access_forms.signing import unsignable_reason
from accounts.models import User
from audit.services import audit_log
from rules import (
    REQUEST_OPEN_STATUSES,
    end_of_day,
    unsigned_form_reminder_day,
)
from states import AuditAction
from toolbox.links import site_url


def form_page_url(form: AccessLineForm) -> str:
    """The client-area page of the form, for e-mails sent outside a web request."""
    return site_url("access_forms:form_page", form.request.reference)


def form_remind(*, form: AccessLineForm, actor: User | None, ip: str | None = None) -> None:
    """E-mail the customer a reminder to sign (an agent's click, or the daily run)."""
    with transaction.atomic():
        form = locked_form(form)
        if not form.can_be_signed:
            raise unsignable_reason(form)
        form.reminder_sent_at = timezone.now()
        form.save(update_fields=["reminder_sent_at", "updated_at"])
        emails.send_form_reminder(form, url=form_page_url(form))
        audit_log(actor=actor, action=AuditAction.FORM_REMIND, target=form, ip=ip)


def forms_unsigned_for_long(today: date) -> QuerySet[AccessLineForm]:
    """Awaiting signature since RESILIA_FORM_REMINDER_DAYS days or more (Nouméa days), for
    a request still open."""
    since = unsigned_form_reminder_day(today, settings.RESILIA_FORM_REMINDER_DAYS)
    return AccessLineForm.objects.filter(
        status=FormStatus.AWAITING_SIGNATURE,
        request__status__in=REQUEST_OPEN_STATUSES,
        request__received_at__lte=end_of_day(since),
    )


def handle_one_form_reminder(today: date) -> bool | None:
    """The daily run's step: one automatic reminder, claimed so it goes once."""
    now = timezone.now()
    with transaction.atomic():
        form = (
            forms_unsigned_for_long(today)
            .filter(reminder_sent_at__isnull=True)
            .select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
            )
            .order_by("id")
            .first()
        )
        if form is None:
            return None  # none due, or all held by another run (which does them)
        claimed = AccessLineForm.objects.filter(pk=form.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        if claimed:
            form = AccessLineForm.objects.select_related("request__customer").get(pk=form.pk)
            emails.send_form_reminder(form, url=form_page_url(form))
            audit_log(actor=None, action=AuditAction.FORM_REMIND, target=form, automatic=True)
    return bool(claimed)
