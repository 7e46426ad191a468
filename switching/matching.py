"""A gaining provider matches a customer (switching code and last name), which tells the
customer at once; the switching code a customer renews. Failed matches are limited per
provider and per code (SPEC §7)."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log
from cancellations.models import CancellationRequest
from customers.models import Subscription, SubscriptionStatus
from customers.switching_codes import is_well_formed, new_code, normalized
from rules import REQUEST_OPEN_STATUSES
from states import AuditAction
from switching import emails
from switching.implications import Implications, implications
from switching.models import Provider, Switch, SwitchMatch
from switching.names import last_name_matches
from switching.refusals import SwitchError, no_match, objected, objected_lately
from toolbox.throttle import count_attempt, uncount

DAY = 24 * 3600


# Failed matches: per gaining provider in an hour (all its keys together), and per code
# and provider in a day. Past the second, the code matches nothing that day for that
# provider, even with the right name.
FAILED_MATCHES_PER_PROVIDER_PER_HOUR = 30


FAILED_MATCHES_PER_CODE_PER_DAY = 5


def switching_code_renew(
    *, subscription: Subscription, actor: User | None, ip: str | None = None
) -> str:
    """A new code for the subscription: the old one, and every match made with it, stop
    working at once."""
    with transaction.atomic():
        code = new_code()
        Subscription.objects.filter(pk=subscription.pk).update(switching_code=code)
        subscription.switching_code = code
        audit_log(
            actor=actor,
            action=AuditAction.SUBSCRIPTION_NEW_SWITCHING_CODE,
            target=subscription,
            ip=ip,
            reference=subscription.reference,
        )
    return code


def pending_matches(subscription: Subscription, at: datetime) -> list[SwitchMatch]:
    """The matches a new code would end: made with the current code, not yet ordered,
    objected or lapsed."""
    return list(
        SwitchMatch.objects.select_related("provider").filter(
            subscription=subscription,
            code=subscription.switching_code,
            switch__isnull=True,
            objected_at__isnull=True,
            expires_at__gt=at,
        )
    )


def switch_under_way(subscription: Subscription) -> Switch | None:
    """The switch ordered for the subscription and still under way: a new code does not
    stop it (only "Je n'ai rien demandé" does)."""
    return (
        Switch.objects.select_related("provider", "request", "match")
        .filter(
            match__subscription=subscription,
            cancelled_at__isnull=True,
            request__status__in=REQUEST_OPEN_STATUSES,
        )
        .first()
    )


REMATCH_WINDOW = timedelta(days=1)


def recent_match(
    subscription: Subscription, provider: Provider, code: str, at: datetime
) -> SwitchMatch | None:
    return (
        SwitchMatch.objects.select_related("subscription__plan", "provider")
        .filter(
            subscription=subscription,
            provider=provider,
            code=code,
            created_at__gte=at - REMATCH_WINDOW,
            expires_at__gt=at,
            objected_at__isnull=True,
            switch__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )


def _subscription_named(
    provider: Provider, code: str, last_name: str, access_line: str
) -> Subscription:
    """The live subscription whose code, holder's last name (and access line, when given)
    the provider typed. Each attempt is counted first, per provider and per code with
    this provider (one provider's guesses never block the code for another), and the
    count just written decides: past the provider's budget, 429; past the code's, the
    same `no_match` as any mismatch, after the same work. A match gives its count back.

    The counters' rows stay locked until the attempt is judged: a provider's attempts
    take their turn, so each one sees every earlier failure (a burst of guesses cannot
    slip past the budget) and a burst of right answers all match."""
    provider_failures = f"switch:failed:provider:{provider.pk}"
    code_failures = f"switch:failed:code:{code}:{provider.pk}"
    with transaction.atomic():
        over_budget = (
            count_attempt(provider_failures, window_seconds=3600)
            > FAILED_MATCHES_PER_PROVIDER_PER_HOUR
        )
        blocked = count_attempt(code_failures, window_seconds=DAY) > FAILED_MATCHES_PER_CODE_PER_DAY
        subscription = (
            Subscription.objects.select_related("customer", "plan")
            .filter(switching_code=code)
            .first()
        )
        # The same comparisons whether or not the code exists (no timing tells them apart).
        holder = subscription.customer.name if subscription is not None else "—"
        name_ok = last_name_matches(last_name, holder)
        line = "".join(c for c in access_line if c.isdigit())
        line_ok = not line or (
            subscription is not None
            and "".join(c for c in subscription.access_line if c.isdigit()) == line
        )
        found = (
            subscription
            if subscription is not None
            and name_ok
            and line_ok
            and not blocked
            and not over_budget
            and subscription.status != SubscriptionStatus.TERMINATED
            else None
        )
        if found is not None:
            uncount(provider_failures)
            uncount(code_failures)
    # Refused after the counts are written (a raise inside would roll them back).
    if over_budget:
        raise SwitchError(
            "too_many_failures",
            _("Too many failed matches: try again later."),
            retry_after=3600,
        )
    if found is None:
        raise no_match()
    return found


def switch_match(
    *,
    provider: Provider,
    actor: User,
    code_text: str,
    last_name: str,
    access_line: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> tuple[SwitchMatch, Implications]:
    """Check a switching code against the account holder's last name (and the access
    line, when given) and tell the customer at once. A mistyped code is refused before
    any lookup; a wrong code, a wrong name, a renewed or ended code all answer the same
    `no_match`, after the same work. `actor`: the account of the key that asked."""
    at = now or timezone.now()
    code = normalized(code_text)
    if not is_well_formed(code):
        raise SwitchError(
            "invalid_code",
            _("This switching code is mistyped: it has 12 characters and its last two check it."),
        )
    subscription = _subscription_named(provider, code, last_name, access_line)
    if CancellationRequest.objects.filter(
        subscription=subscription, status__in=REQUEST_OPEN_STATUSES
    ).exists():
        raise SwitchError(
            "request_open",
            _("This subscription already has a cancellation under way: no switch can be placed."),
        )
    consequences = implications(subscription, at)
    with transaction.atomic():
        # One match at a time per subscription (its row locked on PostgreSQL), so that of
        # simultaneous matches the first makes it and the others find it; and a "Je n'ai
        # rien demandé" said meanwhile (switching.objection locks the row too) is seen.
        Subscription.objects.select_for_update(of=("self",)).filter(pk=subscription.pk).exists()
        if objected_lately(subscription, provider, at):
            raise objected()
        earlier = recent_match(subscription, provider, code, at)
        if earlier is not None:
            # Matched again within a day: the same match, and no second e-mail.
            return earlier, consequences
        match = SwitchMatch.objects.create(
            public_id="mt_" + secrets.token_urlsafe(18),
            subscription=subscription,
            code=code,
            provider=provider,
            created_at=at,
            expires_at=at + timedelta(days=settings.RESILIA_SWITCH_MATCH_DAYS),
            link_nonce=secrets.token_hex(16),
        )
        audit_log(
            actor=actor,
            action=AuditAction.SWITCH_MATCH,
            target=match,
            ip=ip,
            subscription=subscription.reference,
            provider=provider.name,
        )
        emails.send_switch_matched(match, consequences)
    return match, consequences
