"""The back office's side of cancelling without logging in: the identities an agent
verifies by phone, and what they decide."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log
from cancellations import emails
from cancellations.models import CancellationRequest, PublicSubmission, SubmissionStatus
from cancellations.public import PublicError, create_request, locked
from customers.models import Subscription
from rules import CODE_GRACE
from states import AuditAction


def submissions_to_verify(now: datetime) -> QuerySet[PublicSubmission]:
    """Waiting for an agent: matched no customer, or nobody entered the code in time."""
    return PublicSubmission.objects.filter(status=SubmissionStatus.PENDING).filter(
        Q(checked_at__isnull=False, customer__isnull=True) | Q(received_at__lt=now - CODE_GRACE)
    )


def submission_verify(
    *,
    submission: PublicSubmission,
    subscription: Subscription,
    actor: User,
    note: str,
    ip: str | None,
) -> CancellationRequest:
    """An agent verified the identity by phone: the request is created, judged at the
    submission's original time of receipt."""
    with transaction.atomic():
        submission = locked(submission)
        if submission.status != SubmissionStatus.PENDING:
            raise PublicError("closed", _("This submission has already been dealt with."))
        request = create_request(submission, subscription, actor=actor, ip=ip)
        submission.handled_by = actor
        submission.handled_at = timezone.now()
        submission.handled_note = note.strip()[:500]
        submission.save(update_fields=["handled_by", "handled_at", "handled_note"])
        audit_log(
            actor=actor,
            action=AuditAction.PUBLIC_VERIFY,
            target=submission,
            ip=ip,
            reference=request.reference,
            note=submission.handled_note,
        )
    return request


def submission_refuse(
    *, submission: PublicSubmission, actor: User, reason: str, ip: str | None
) -> PublicSubmission:
    """An agent could not verify the identity: nothing is cancelled, and the contact given
    is told so (by e-mail when it is an address)."""
    if not reason.strip():
        raise PublicError("reason_required", _("Give the reason."))
    with transaction.atomic():
        submission = locked(submission)
        if submission.status != SubmissionStatus.PENDING:
            raise PublicError("closed", _("This submission has already been dealt with."))
        submission.status = SubmissionStatus.REFUSED
        submission.handled_by = actor
        submission.handled_at = timezone.now()
        submission.handled_note = reason.strip()[:500]
        submission.save(update_fields=["status", "handled_by", "handled_at", "handled_note"])
        audit_log(
            actor=actor,
            action=AuditAction.PUBLIC_REFUSE,
            target=submission,
            ip=ip,
            reason=reason.strip(),
        )
        if "@" in submission.contact:
            emails.send_public_refused(submission)
    return submission
