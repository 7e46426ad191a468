"""R11's scheduled steps for kept mailboxes: the reminder 15 days before the deletion,
then the deletion. Like the completions (cancellations.completion), each step takes a
batch, claims it with a conditional update (two runs never do a mailbox twice), and
writes its e-mails with the batch, rendered by the sender at delivery."""

from collections.abc import Callable
from datetime import date

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.services import audit_log_many
from cancellations import emails
from customers.models import Mailbox, MailboxStatus
from rules import kept_until_range_to_remind, latest_kept_until_to_delete
from states import AuditAction
from webhooks.services import webhook_emit_many

BATCH = 2000


def _in_batches(
    due: QuerySet[Mailbox],
    still_due: Q,
    change: dict[str, object],
    action: AuditAction,
    send: Callable[[list[Mailbox]], None],
    event: str = "",
) -> int | None:
    """Claim the next batch of `due` mailboxes (those still matching `still_due` under a
    row lock), apply `change`, audit `action` and queue the e-mails. None when none is
    due; else how many this run did."""
    with transaction.atomic():
        mailboxes = list(
            due.select_related("subscription__customer")
            .select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
            )
            .order_by("retained_until", "id")[:BATCH]
        )
        if not mailboxes:
            return None  # none due, or all held by another run (which does them)
        claimed = set(
            Mailbox.objects.filter(still_due, pk__in=[m.pk for m in mailboxes])
            .select_for_update(skip_locked=connection.vendor == "postgresql")
            .values_list("pk", flat=True)
        )
        Mailbox.objects.filter(still_due, pk__in=claimed).update(**change)
        done = [m for m in mailboxes if m.pk in claimed]
        audit_log_many(actor=None, action=action, targets=done)
        if event:
            webhook_emit_many(
                event,
                [{"address": m.address, "subscription": m.subscription.reference} for m in done],
            )
        send(done)
    return len(done)


def handle_mailbox_reminders(today: date) -> int | None:
    """R11: remind the customer 15 days before a kept mailbox is deleted."""
    not_reminded = Q(status=MailboxStatus.RETAINED, deletion_reminder_sent_at__isnull=True)
    return _in_batches(
        Mailbox.objects.filter(
            not_reminded, retained_until__range=kept_until_range_to_remind(today)
        ),
        not_reminded,
        {"deletion_reminder_sent_at": timezone.now()},
        AuditAction.MAILBOX_REMIND,
        emails.send_mailbox_reminders,
    )


def handle_mailbox_deletions(today: date) -> int | None:
    retained = Q(status=MailboxStatus.RETAINED)
    return _in_batches(
        Mailbox.objects.filter(retained, retained_until__lte=latest_kept_until_to_delete(today)),
        retained,
        {"status": MailboxStatus.DELETED},
        AuditAction.MAILBOX_DELETE,
        emails.send_mailboxes_deleted,
        event="mailbox.deleted",
    )
