"""Every change of a switch happens here, each in one transaction with its audit entry,
its e-mail and its webhook events (SPEC §7, switching).

A gaining provider matches a customer (switching code and last name), which tells the
customer at once; orders the switch (a cancellation request of kind `isp_change`,
channel `switch`, through cancellations.services with every rule of the client area);
may move or cancel it. The customer may object until the day before the effective date.
"""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access_forms.models import AccessLineForm, FormStatus
from access_forms.signing import form_accept_order
from accounts.models import User
from audit.services import audit_log
from cancellations.drafts import Draft
from cancellations.models import OPEN_STATUSES, CancellationRequest, Channel, Kind
from cancellations.services import (
    RequestError,
    quote_date,
    request_reschedule,
    request_submit,
    request_withdraw,
)
from customers.models import Subscription, SubscriptionStatus
from customers.switching_codes import is_well_formed, new_code, normalized
from switching import emails
from switching.implications import Implications, implications
from switching.models import Switch, SwitchCounter, SwitchMatch, SwitchStatus
from switching.names import last_name_matches
from toolbox.noumea import NOUMEA
from toolbox.throttle import attempts, count_attempt
from webhooks.services import switch_data, webhook_emit

DAY = 24 * 3600
# Failed matches: per gaining provider's key in an hour, and per code in a day. Past the
# second, the code matches nothing that day, even with the right name.
FAILED_MATCHES_PER_KEY_PER_HOUR = 30
FAILED_MATCHES_PER_CODE_PER_DAY = 5
LINK_SALT = "switching.objection"


class SwitchError(Exception):
    """A switch the rules or its state refuse: a stable code and a message (the API says
    which HTTP status each code is)."""

    def __init__(self, code: str, message: str, **extra: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra


def _from_request_error(exc: RequestError) -> SwitchError:
    return SwitchError(exc.code, exc.message)


# --- The switching code -----------------------------------------------------------------


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
            action="subscription.new_switching_code",
            target=subscription,
            ip=ip,
            reference=subscription.reference,
        )
    return code


# --- The objection link -------------------------------------------------------------------


def objection_link_token(match_id: int, nonce: str) -> str:
    """The token of the e-mail's "Je n'ai rien demandé" link (made when the e-mail leaves:
    notifications.secret_links)."""
    return signing.dumps({"m": match_id, "n": nonce}, salt=LINK_SALT, compress=True)


def match_for_token(token: str) -> SwitchMatch | None:
    try:
        data = signing.loads(token[:300], salt=LINK_SALT)
        match_id, nonce = int(data["m"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    match = (
        SwitchMatch.objects.select_related("subscription__customer", "subscription__plan")
        .filter(pk=match_id)
        .first()
    )
    if match is None or not secrets.compare_digest(match.link_nonce, nonce):
        return None
    return match


# --- Match --------------------------------------------------------------------------------


NO_MATCH = "no_match"


def _no_match() -> SwitchError:
    return SwitchError(NO_MATCH, _("No subscription matches this switching code and last name."))


def switch_match(
    *,
    gaining: User,
    gaining_name: str,
    code_text: str,
    last_name: str,
    access_line: str = "",
    ip: str | None = None,
    now: datetime | None = None,
) -> tuple[SwitchMatch, Implications]:
    """Check a switching code against the account holder's last name (and the access
    line, when given) and tell the customer at once. A mistyped code is refused before
    any lookup; a wrong code, a wrong name, a renewed or ended code all answer the same
    `no_match`, after the same work."""
    at = now or timezone.now()
    code = normalized(code_text)
    if not is_well_formed(code):
        raise SwitchError(
            "invalid_code",
            _("This switching code is mistyped: it has 12 characters and its last two check it."),
        )
    key_failures = f"switch:failed:key:{gaining.pk}"
    if attempts(key_failures) >= FAILED_MATCHES_PER_KEY_PER_HOUR:
        raise SwitchError(
            "too_many_failures",
            _("Too many failed matches: try again later."),
            retry_after=3600,
        )
    # Per code and per provider: one provider's guesses never block the code for another.
    code_failures = f"switch:failed:code:{code}:{gaining.pk}"
    subscription = (
        Subscription.objects.select_related("customer", "plan").filter(switching_code=code).first()
    )
    # The same comparisons whether or not the code exists (no timing tells them apart).
    holder = subscription.customer.name if subscription is not None else "—"
    name_ok = last_name_matches(last_name, holder)
    line = "".join(c for c in access_line if c.isdigit())
    line_ok = not line or (
        subscription is not None
        and "".join(c for c in subscription.access_line if c.isdigit()) == line
    )
    blocked = attempts(code_failures) >= FAILED_MATCHES_PER_CODE_PER_DAY
    if (
        subscription is None
        or not (name_ok and line_ok)
        or blocked
        or subscription.status == SubscriptionStatus.TERMINATED
    ):
        count_attempt(key_failures, window_seconds=3600)
        count_attempt(code_failures, window_seconds=DAY)
        raise _no_match()
    if CancellationRequest.objects.filter(
        subscription=subscription, status__in=OPEN_STATUSES
    ).exists():
        raise SwitchError(
            "request_open",
            _("This subscription already has a cancellation under way: no switch can be placed."),
        )
    if _objected_lately(subscription, gaining, at):
        raise _objected()
    consequences = implications(subscription, at)
    earlier = _recent_match(subscription, gaining, code, at)
    if earlier is not None:
        # Matched again within a day: the same match, and no second e-mail.
        return earlier, consequences
    with transaction.atomic():
        match = SwitchMatch.objects.create(
            public_id="mt_" + secrets.token_urlsafe(18),
            subscription=subscription,
            code=code,
            gaining=gaining,
            gaining_name=gaining_name,
            created_at=at,
            expires_at=at + timedelta(days=settings.RESILIA_SWITCH_MATCH_DAYS),
            link_nonce=secrets.token_hex(16),
        )
        audit_log(
            actor=gaining,
            action="switch.match",
            target=match,
            ip=ip,
            subscription=subscription.reference,
            gaining=gaining_name,
        )
        emails.send_switch_matched(match, consequences)
    return match, consequences


def _objected() -> SwitchError:
    return SwitchError(
        "objected",
        _(
            "The customer has said they did not ask for a switch to you: no switch can be "
            "placed for this subscription for now."
        ),
    )


def _objected_lately(subscription: Subscription, gaining: User, at: datetime) -> bool:
    """The customer said "Je n'ai rien demandé" to this provider about this subscription
    within RESILIA_SWITCH_MATCH_DAYS: its new matches and orders are refused meanwhile."""
    since = at - timedelta(days=settings.RESILIA_SWITCH_MATCH_DAYS)
    return (
        SwitchMatch.objects.filter(
            subscription=subscription, gaining=gaining, objected_at__gte=since
        ).exists()
        or Switch.objects.filter(
            match__subscription=subscription, gaining=gaining, objected_at__gte=since
        ).exists()
    )


REMATCH_WINDOW = timedelta(days=1)


def _recent_match(
    subscription: Subscription, gaining: User, code: str, at: datetime
) -> SwitchMatch | None:
    return (
        SwitchMatch.objects.select_related("subscription__plan")
        .filter(
            subscription=subscription,
            gaining=gaining,
            code=code,
            created_at__gte=at - REMATCH_WINDOW,
            expires_at__gt=at,
            objected_at__isnull=True,
            switch__isnull=True,
        )
        .order_by("-created_at")
        .first()
    )


# --- Order, reschedule, cancel ----------------------------------------------------------


def _next_reference(year: int) -> str:
    counter, _created = SwitchCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SW-{year}-{counter.last:06d}"


def _check_planned_date(planned: date, at: datetime) -> None:
    """A date in the past or beyond 365 days: refused before anything changes. Today is
    refused too: the customer keeps at least until tonight to say they asked for nothing
    (an objection runs until the day before the effective date)."""
    try:
        quote_date(planned, at)
    except RequestError as exc:
        raise SwitchError(exc.code, exc.message) from None
    if planned <= at.astimezone(NOUMEA).date():
        raise SwitchError(
            "date_too_soon",
            _("The planned date is tomorrow at the earliest: the customer may still say no."),
        )


def switch_order(
    *,
    gaining: User,
    match_id: str,
    planned_date: date,
    mailbox_retention_months: int | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Switch:
    at = now or timezone.now()
    _check_planned_date(planned_date, at)
    with transaction.atomic():
        match = (
            SwitchMatch.objects.select_for_update()
            .filter(public_id=match_id[:40], gaining=gaining)
            .first()
        )
        if match is None:
            raise SwitchError("not_found", _("No match of yours has this id."))
        if Switch.objects.filter(match=match).exists():
            raise SwitchError("already_ordered", _("This match has already been ordered."))
        if match.objected_at is not None or _objected_lately(match.subscription, gaining, at):
            raise _objected()
        subscription = (
            Subscription.objects.select_related("customer", "plan")
            .filter(pk=match.subscription_id)
            .get()
        )
        if match.expires_at <= at or subscription.switching_code != match.code:
            raise SwitchError(
                "match_expired", _("This match has expired: match the customer again.")
            )
        months = (
            mailbox_retention_months
            if mailbox_retention_months is not None
            else match.mailbox_retention_months or 0
        )
        try:
            request = request_submit(
                customer=subscription.customer,
                draft=Draft(
                    subscription=subscription,
                    desired_date=planned_date,
                    kind=Kind.ISP_CHANGE,
                    new_isp=match.gaining_name,
                    mailbox_retention_months=months,
                ),
                channel=Channel.SWITCH,
                actor=gaining,
                ip=ip,
                now=at,
            )
        except RequestError as exc:
            raise _from_request_error(exc) from None
        switch = Switch.objects.create(
            reference=_next_reference(at.astimezone(NOUMEA).year),
            match=match,
            request=request,
            gaining=gaining,
            gaining_name=match.gaining_name,
            planned_date=planned_date,
            created_at=at,
        )
        _form_follows_the_order(switch, actor=gaining, ip=ip)
        audit_log(
            actor=gaining,
            action="switch.order",
            target=switch,
            ip=ip,
            reference=switch.reference,
            request=request.reference,
        )
        webhook_emit("switch.ordered", switch_data(switch), audience=gaining.pk)
    return switch


def _form_follows_the_order(switch: Switch, *, actor: User, ip: str | None) -> None:
    """The OPTimo "Résiliation FAI" form carries the switch's reference; where the operator
    accepts the new provider's order (RESILIA_SWITCH_FORM = "order"), it stands for the
    signature. Otherwise the line holder signs online, as for any request."""
    form = AccessLineForm.objects.filter(request=switch.request).first()
    if form is None:
        return
    form.switch_reference = switch.reference
    form.save(update_fields=["switch_reference", "updated_at"])
    if settings.RESILIA_SWITCH_FORM == "order" and form.status == FormStatus.AWAITING_SIGNATURE:
        form_accept_order(form=form, actor=actor, ip=ip)


def switch_of(gaining: User, reference: str) -> Switch:
    """The provider's own switch with this reference; another's is not found."""
    switch = (
        Switch.objects.select_related("request__access_form", "request__customer")
        .filter(reference=reference.strip().upper()[:20], gaining=gaining)
        .first()
    )
    if switch is None:
        raise SwitchError("not_found", _("None of your switches has this reference."))
    return switch


def _still_ordered(switch: Switch) -> None:
    status = switch.status
    if status != SwitchStatus.ORDERED:
        raise SwitchError(
            f"switch_{status}",
            _("This switch is no longer under way: it is “%(status)s”.")
            % {"status": switch.get_status_display()},
        )


def switch_reschedule(
    *,
    switch: Switch,
    planned_date: date,
    gaining: User,
    ip: str | None = None,
    now: datetime | None = None,
) -> Switch:
    at = now or timezone.now()
    _check_planned_date(planned_date, at)
    with transaction.atomic():
        switch = Switch.objects.select_for_update().select_related("request").get(pk=switch.pk)
        _still_ordered(switch)
        if planned_date == switch.planned_date:
            return switch  # nothing moves: no e-mail, no event
        try:
            request_reschedule(
                request=switch.request, desired_date=planned_date, actor=gaining, ip=ip, now=at
            )
        except RequestError as exc:
            raise _from_request_error(exc) from None
        switch.planned_date = planned_date
        switch.save(update_fields=["planned_date"])
        switch.request.refresh_from_db()
        audit_log(
            actor=gaining,
            action="switch.reschedule",
            target=switch,
            ip=ip,
            reference=switch.reference,
            planned_date=str(planned_date),
        )
        webhook_emit("switch.rescheduled", switch_data(switch), audience=gaining.pk)
    return switch


def switch_cancel(*, switch: Switch, reason: str, gaining: User, ip: str | None = None) -> Switch:
    """The new provider calls it off: the request is withdrawn on the customer's behalf
    (its form cancelled, or recalled from the operator) and the customer told."""
    reason = reason.strip()[:500]
    if not reason:
        raise SwitchError("reason_required", _("Give the reason for the cancellation."))
    with transaction.atomic():
        switch = Switch.objects.select_for_update().select_related("request").get(pk=switch.pk)
        _still_ordered(switch)
        switch.cancelled_at = timezone.now()
        switch.cancel_reason = reason
        switch.save(update_fields=["cancelled_at", "cancel_reason"])
        try:
            # request_withdraw tells the new provider too (switch.cancelled).
            request_withdraw(
                request=switch.request,
                actor=gaining,
                ip=ip,
                on_behalf_reason=_("Cancelled by %(isp)s: %(reason)s")
                % {"isp": switch.gaining_name, "reason": reason},
            )
        except RequestError as exc:
            raise _from_request_error(exc) from None
        audit_log(actor=gaining, action="switch.cancel", target=switch, ip=ip, reason=reason)
        switch.request.refresh_from_db()
    return switch


# --- The customer -----------------------------------------------------------------------


def objection_possible(match: SwitchMatch, today: date) -> bool:
    """Until the day before the effective date, while nothing stopped it already."""
    switch = Switch.objects.select_related("request").filter(match=match).first()
    if switch is None:
        return match.objected_at is None
    return switch.status == SwitchStatus.ORDERED and today < switch.request.effective_date


def switch_object(
    *, match: SwitchMatch, actor: User | None, ip: str | None = None, now: datetime | None = None
) -> None:
    """ "Je n'ai rien demandé": before the order, no order can follow; after it, the request
    is withdrawn (until the day before the effective date), its form cancelled or
    recalled, and the new provider told (switch.objected)."""
    at = now or timezone.now()
    with transaction.atomic():
        match = SwitchMatch.objects.select_for_update().get(pk=match.pk)
        switch = Switch.objects.select_related("request").filter(match=match).first()
        # The customer's "no" is to this provider: its other pending matches of the
        # subscription stop too.
        SwitchMatch.objects.filter(
            subscription_id=match.subscription_id,
            gaining_id=match.gaining_id,
            objected_at__isnull=True,
            switch__isnull=True,
        ).exclude(pk=match.pk).update(objected_at=at)
        if switch is None:
            if match.objected_at is not None:
                return
            match.objected_at = at
            match.save(update_fields=["objected_at"])
            webhook_emit(
                "switch.objected",
                {"match_id": match.public_id, "status": SwitchStatus.OBJECTED, "request": None},
                audience=match.gaining_id,
            )
        else:
            _still_ordered(switch)
            switch.objected_at = at
            switch.save(update_fields=["objected_at"])
            try:
                # request_withdraw tells the new provider too (switch.objected).
                request_withdraw(request=switch.request, actor=actor, ip=ip, now=at)
            except RequestError as exc:
                raise _from_request_error(exc) from None
        audit_log(
            actor=actor,
            action="switch.object",
            target=switch if switch is not None else match,
            ip=ip,
            gaining=match.gaining_name,
        )


def switch_choose_retention(
    *, match: SwitchMatch, months: int, actor: User | None, ip: str | None = None
) -> None:
    """The customer's choice from the e-mail's link, before the order: the order keeps
    their mailboxes that long unless the new provider says otherwise."""
    if months and months not in settings.RESILIA_MAILBOX_RETENTION_MONTHS:
        raise SwitchError("invalid_retention", _("Choose a mailbox retention period."))
    with transaction.atomic():
        match = SwitchMatch.objects.select_for_update().get(pk=match.pk)
        if Switch.objects.filter(match=match).exists():
            raise SwitchError(
                "already_ordered", _("The switch is already ordered: call us to change it.")
            )
        match.mailbox_retention_months = months
        match.save(update_fields=["mailbox_retention_months"])
        audit_log(actor=actor, action="switch.retention", target=match, ip=ip, months=months)
