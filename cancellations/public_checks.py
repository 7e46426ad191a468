"""The worker's side of cancelling without logging in: each new submission is compared
with the file once, and a code asked for again is sent, never while the visitor waits.

The submissions are their own queue: `checked_at` empty means not checked yet,
`code_requested_at` set means a new code was asked for.
"""

import logging

from django.db import transaction
from django.utils import timezone

from cancellations import emails
from cancellations.models import PublicSubmission, SubmissionStatus
from cancellations.selectors import cancellable_subscriptions
from customers.models import Customer, Subscription
from notifications.models import OutboundEmail
from rules import (
    ACKNOWLEDGEMENTS_PER_ADDRESS,
    ACKNOWLEDGEMENTS_WINDOW,
    CODES_PER_CLIENT_CODE_PER_DAY,
)
from toolbox.throttle import count_attempt, refused

logger = logging.getLogger(__name__)
DAY = 24 * 3600


def handle_one_submission_check() -> bool:
    """The worker's step: check the oldest submission nobody checked yet. False when none
    is waiting. A check that fails leaves the submission to an agent (logged), so one bad
    row never blocks the rest."""
    with transaction.atomic():
        submission = (
            PublicSubmission.objects.select_for_update(skip_locked=True)
            .filter(checked_at__isnull=True)
            .order_by("received_at", "pk")
            .first()
        )
        if submission is None:
            return False
        try:
            with transaction.atomic():
                submission_check(submission)
        except Exception:
            logger.exception("Public submission %s could not be checked", submission.pk)
            submission.customer = submission.subscription = None
        submission.checked_at = timezone.now()
        submission.save(update_fields=["checked_at", "customer", "subscription"])
    return True


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def designated_subscription(customer: Customer, hint: str) -> Subscription | None:
    """The one cancellable subscription of the customer the visitor's words name (its
    access line, plan name or reference), or None when they name none or several."""
    words = hint.strip().casefold()
    digits = _digits(hint)
    found = [
        subscription
        for subscription in cancellable_subscriptions(customer)
        if (digits and subscription.access_line and _digits(subscription.access_line) == digits)
        or (
            words
            and words in {subscription.plan.name.casefold(), subscription.reference.casefold()}
        )
    ]
    return found[0] if len(found) == 1 else None


def _matching_customer(submission: PublicSubmission) -> Customer | None:
    contact = submission.contact
    if "@" not in contact:
        return None
    return (
        Customer.objects.filter(client_code=submission.client_code, email__iexact=contact)
        .exclude(email="")
        .first()
    )


def submission_check(submission: PublicSubmission) -> None:
    """Compare a new submission (locked by the caller) with the file.

    A submission whose e-mail matches the file gets its code, however many strangers
    sent junk for the same client code (up to CODES_PER_CLIENT_CODE_PER_DAY codes, so
    nobody floods the customer's inbox; past it, an agent calls). One that does not
    match waits for an agent, and the customer is told at once, once a day, that
    someone tried."""
    customer = _matching_customer(submission)
    if customer is not None:
        submission.customer = customer
        submission.subscription = designated_subscription(customer, submission.subscription_hint)
        codes = count_attempt(f"public:codes:{submission.client_code}", window_seconds=DAY)
        if codes <= CODES_PER_CLIENT_CODE_PER_DAY:
            emails.send_public_code(submission, customer)
        else:
            refused("public-codes-per-client-code")
    else:
        _warn_the_holder(submission)
        if "@" in submission.contact and _acknowledgements_allowed(submission.contact):
            emails.send_public_received(submission)


def _warn_the_holder(submission: PublicSubmission) -> None:
    """A submission for an existing client code that did not match its file: its holder
    hears of it, at the first one of the day."""
    holder = Customer.objects.filter(client_code=submission.client_code).exclude(email="").first()
    if holder is None:
        return
    if count_attempt(f"public:mismatch:{submission.client_code}", window_seconds=DAY) == 1:
        emails.send_public_mismatch(submission, holder)


def _acknowledgements_allowed(address: str) -> bool:
    # Counted from the e-mails themselves: the page cannot flood someone's inbox.
    sent = OutboundEmail.objects.filter(
        template="public_received",
        to__iexact=address,
        created_at__gte=timezone.now() - ACKNOWLEDGEMENTS_WINDOW,
    ).count()
    return sent < ACKNOWLEDGEMENTS_PER_ADDRESS


def handle_one_code_request() -> bool:
    """The worker's step for "send me a new code": only a matched submission still open
    gets one. False when no code is asked for."""
    with transaction.atomic():
        submission = (
            PublicSubmission.objects.select_for_update(skip_locked=True)
            .filter(code_requested_at__isnull=False)
            .order_by("code_requested_at", "pk")
            .first()
        )
        if submission is None:
            return False
        submission.code_requested_at = None
        submission.save(update_fields=["code_requested_at"])
        customer = submission.customer
        if (
            customer is not None
            and submission.status == SubmissionStatus.PENDING
            and submission.request_id is None
        ):
            emails.send_public_code(submission, customer)
    return True
