"""R11's scheduled steps for kept mailboxes: the reminder 15 days before the deletion,
then the deletion, each claimed with a conditional update (see cancellations.jobs)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from audit.services import audit_log
from cancellations.rules import kept_until_range_to_remind, latest_kept_until_to_delete
from customers.models import Mailbox, MailboxStatus
from notifications import emails


def handle_one_mailbox_reminder(today: date) -> bool | None:
    """R11: remind the customer 15 days before a kept mailbox is deleted."""
    mailbox = (
        Mailbox.objects.filter(
            status=MailboxStatus.RETAINED,
            retained_until__range=kept_until_range_to_remind(today),
            deletion_reminder_sent_at__isnull=True,
        )
        .select_related("subscription__customer")
        .order_by("retained_until", "id")  # the mailbox_due index's order
        .first()
    )
    if mailbox is None:
        return None
    with transaction.atomic():
        # Claim it with a conditional update: two workers never send it twice.
        claimed = Mailbox.objects.filter(
            pk=mailbox.pk, deletion_reminder_sent_at__isnull=True
        ).update(deletion_reminder_sent_at=timezone.now())
        if claimed:
            emails.send_mailbox_reminder(mailbox)
            audit_log(actor=None, action="mailbox.remind", target=mailbox)
    return bool(claimed)


def handle_one_mailbox_deletion(today: date) -> bool | None:
    mailbox = (
        Mailbox.objects.filter(
            status=MailboxStatus.RETAINED, retained_until__lte=latest_kept_until_to_delete(today)
        )
        .select_related("subscription__customer")
        .order_by("retained_until", "id")  # the mailbox_due index's order
        .first()
    )
    if mailbox is None:
        return None
    with transaction.atomic():
        claimed = Mailbox.objects.filter(pk=mailbox.pk, status=MailboxStatus.RETAINED).update(
            status=MailboxStatus.DELETED
        )
        if claimed:
            emails.send_mailbox_deleted(mailbox)
            audit_log(actor=None, action="mailbox.delete", target=mailbox)
    return bool(claimed)
