"""Cancelling without logging in (SPEC §3.8, §312k BGB, L215-1-1): the visitor's side.

The public page records what the visitor sends, with its time of receipt: the same
answer, the same work, whether or not the client code exists. The worker checks it
(`public_checks`): when the client code and the e-mail match the file, a 6-digit code goes
to that address; the visitor enters it, sees the summary and confirms. Otherwise the
submission waits in the back office for an agent to verify the identity by phone
(`public_verification`). Either way the request it becomes is judged at the original
time of receipt.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from access_forms.holder_links import form_send_link
from accounts.models import User
from accounts.services import normalize_client_code
from audit.services import audit_log
from cancellations.drafts import Draft
from cancellations.models import (
    CancellationRequest,
    Channel,
    PublicSubmission,
    SubmissionStatus,
)
from cancellations.selectors import cancellable_subscriptions
from cancellations.submission import request_submit
from customers.models import Subscription
from notifications.secret_links import MASK
from rules import (
    CODE_ATTEMPTS,
    CODE_REQUESTS,
    CODE_TRIES_PER_CLIENT_CODE_PER_DAY,
    CODE_VALIDITY,
    CONFIRM_WINDOW,
)
from states import AuditAction
from toolbox.refusals import Refusal
from toolbox.throttle import count_attempt

DAY = 24 * 3600


class PublicError(Refusal):
    """A refusal the visitor reads; the same words whatever the reason behind it."""


@dataclass(frozen=True)
class Submitted:
    client_code: str
    last_name: str
    contact: str
    subscription_hint: str
    desired_date: date
    kind: str
    new_isp: str = ""
    kind_detail: str = ""
    # The optional questions (the leaflet's step 3), as answered.
    mailbox_retention_months: int = 0
    phone_line_cancelled: bool = False
    wants_phone_line_ended: bool = False


def submission_record(
    *,
    data: Submitted,
    form_nonce: str,
    ip: str | None,
    language: str,
    now: datetime,
) -> PublicSubmission:
    """Keep what the visitor sent, timestamped; the worker checks it
    (`public_checks.handle_one_submission_check`). The same form sent twice (a double
    click, a resent POST) is one submission."""

    first = PublicSubmission.objects.filter(form_nonce=form_nonce).first()
    if first is not None:
        return first
    try:
        with transaction.atomic():
            submission = PublicSubmission.objects.create(
                token=secrets.token_urlsafe(32),
                form_nonce=form_nonce,
                received_at=now,
                client_code=normalize_client_code(data.client_code)[:20],
                last_name=data.last_name.strip(),
                contact=data.contact.strip(),
                subscription_hint=data.subscription_hint.strip(),
                desired_date=data.desired_date,
                kind=data.kind,
                new_isp=data.new_isp.strip(),
                kind_detail=data.kind_detail.strip(),
                mailbox_retention_months=data.mailbox_retention_months,
                phone_line_cancelled=data.phone_line_cancelled,
                wants_phone_line_ended=data.wants_phone_line_ended,
                language=language,
                ip=ip,
            )
            audit_log(
                actor=None,
                action=AuditAction.PUBLIC_SUBMIT,
                target=submission,
                ip=ip,
                client_code=submission.client_code,
            )
    except IntegrityError:
        return PublicSubmission.objects.get(form_nonce=form_nonce)
    return submission


def _code_hash(submission_id: int, code: str) -> str:
    return salted_hmac(
        "resilia.public-code", f"{submission_id}:{code}", algorithm="sha256"
    ).hexdigest()


def public_code_token(*, submission_id: int) -> str:
    """The 6-digit code, made when its e-mail is delivered (notifications.secret_links):
    only its keyed hash is stored, so no page or dump shows a live code."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    updated = PublicSubmission.objects.filter(
        pk=submission_id, status=SubmissionStatus.PENDING, request__isnull=True
    ).update(
        code_hash=_code_hash(submission_id, code),
        code_expires_at=timezone.now() + CODE_VALIDITY,
    )
    return code if updated else MASK


def _wrong_code() -> PublicError:
    return PublicError(
        "wrong_code",
        _(
            "This code is not right, or no longer valid. Check the last e-mail we sent, or "
            "ask for a new code."
        ),
    )


def _too_many_attempts() -> PublicError:
    return PublicError(
        "too_many_attempts",
        _(
            "Too many wrong codes for this request. You have nothing more to do: an agent "
            "will contact you to verify your identity."
        ),
    )


def locked(submission: PublicSubmission) -> PublicSubmission:
    return PublicSubmission.objects.select_for_update().get(pk=submission.pk)


def code_check(*, submission: PublicSubmission, code: str, now: datetime) -> PublicSubmission:
    """Compare the code typed with the one e-mailed: single use, CODE_VALIDITY, at most
    CODE_ATTEMPTS tries per submission (all its codes together) and, among submissions
    whose contact matched the customer on file, CODE_TRIES_PER_CLIENT_CODE_PER_DAY per
    client code. A submission that matched no customer has no code: it answers exactly
    like a wrong one."""
    with transaction.atomic():
        submission = locked(submission)
        if submission.status != SubmissionStatus.PENDING:
            raise PublicError("closed", _("This request has already been dealt with."))
        if submission.code_attempts >= CODE_ATTEMPTS:
            raise _too_many_attempts()
        if submission.customer_id is not None:
            # Only submissions whose contact matched the file count for the client code
            # (printed on invoices): strangers' junk never uses up the holder's tries.
            tries = count_attempt(f"public:code-tries:{submission.client_code}", window_seconds=DAY)
            if tries > CODE_TRIES_PER_CLIENT_CODE_PER_DAY:
                raise _too_many_attempts()
        submission.code_attempts += 1
        # The hash is computed even without a code: the same work either way.
        typed = _code_hash(submission.pk, code.strip())
        right = bool(
            constant_time_compare(submission.code_hash, typed)
            and submission.code_hash
            and submission.code_expires_at is not None
            and now <= submission.code_expires_at
        )
        if right:
            submission.code_hash = ""
            submission.code_verified_at = now
        submission.save(update_fields=["code_attempts", "code_hash", "code_verified_at"])
    if not right:
        raise _wrong_code()
    return submission


def code_request_again(*, submission: PublicSubmission, ip: str | None) -> None:
    """ "Send me a new code": the worker sends a code if the submission matched a customer
    (`public_checks.handle_one_code_request`: the same work here either way). The tries
    do not start again."""

    with transaction.atomic():
        submission = locked(submission)
        if submission.status != SubmissionStatus.PENDING:
            raise PublicError("closed", _("This request has already been dealt with."))
        if submission.code_requests >= CODE_REQUESTS:
            raise PublicError(
                "too_many_codes",
                _(
                    "No more codes can be sent for this request. You have nothing more to "
                    "do: an agent will contact you to verify your identity."
                ),
            )
        submission.code_requests += 1
        submission.code_hash = ""  # the old code dies now, not when the new one arrives
        submission.code_requested_at = timezone.now()
        submission.save(update_fields=["code_requests", "code_hash", "code_requested_at"])
        audit_log(actor=None, action=AuditAction.PUBLIC_NEW_CODE, target=submission, ip=ip)


def confirmable(submission: PublicSubmission, now: datetime) -> bool:
    """The code was right, recently enough to confirm with it."""
    return bool(
        submission.status == SubmissionStatus.PENDING
        and submission.customer_id
        and submission.code_verified_at
        and now - submission.code_verified_at <= CONFIRM_WINDOW
    )


def draft_of(submission: PublicSubmission, subscription: Subscription) -> Draft:
    # The phone-line answers only apply to a subscription over the operator's line.
    over_a_line = bool(subscription.access_line)
    return Draft(
        subscription=subscription,
        desired_date=submission.desired_date,
        kind=submission.kind,
        new_isp=submission.new_isp,
        kind_detail=submission.kind_detail,
        mailbox_retention_months=submission.mailbox_retention_months,
        phone_line_cancelled=over_a_line and submission.phone_line_cancelled,
        wants_phone_line_ended=over_a_line and submission.wants_phone_line_ended,
    )


def create_request(
    submission: PublicSubmission,
    subscription: Subscription,
    *,
    actor: User | None,
    ip: str | None,
) -> CancellationRequest:
    """The request of a submission whose identity is established, judged at the time the
    submission was received. Called with the submission locked."""
    request = request_submit(
        customer=subscription.customer,
        draft=draft_of(submission, subscription),
        channel=Channel.WEB_PUBLIC,
        actor=actor,
        ip=ip,
        idempotency_key=f"public-{submission.pk}",
        now=submission.received_at,
    )
    submission.status = SubmissionStatus.ACCEPTED
    submission.request = request
    submission.customer = subscription.customer
    submission.subscription = subscription
    submission.save(update_fields=["status", "request", "customer", "subscription"])
    # Without an account, the OPTimo form is signed from a link e-mailed to the customer.
    form = request.access_form
    if form.can_be_signed and subscription.customer.email:
        form_send_link(form=form, email=subscription.customer.email, actor=actor, ip=ip)
    return request


def submission_accept(
    *,
    submission: PublicSubmission,
    subscription_reference: str,
    ip: str | None,
    now: datetime,
) -> CancellationRequest:
    """ "Résilier mon contrat maintenant" after the right code: the request is created once."""
    with transaction.atomic():
        submission = locked(submission)
        if submission.request_id is not None:
            return submission.request  # type: ignore[return-value]
        if not confirmable(submission, now):
            raise PublicError("code_needed", _("Enter the code we sent first."))
        customer = submission.customer
        assert customer is not None
        subscription = next(
            (
                s
                for s in cancellable_subscriptions(customer)
                if s.reference == subscription_reference
            ),
            None,
        )
        if subscription is None:
            raise PublicError("subscription", _("Choose the subscription to cancel."))
        request = create_request(submission, subscription, actor=None, ip=ip)
        audit_log(actor=None, action=AuditAction.PUBLIC_CONFIRM, target=submission, ip=ip)
    return request
