"""A gaining provider orders a switch (a cancellation request of kind `isp_change`, channel
`switch`, through cancellations.services with every rule of the client area), moves it or
calls it off; each change in one transaction with its audit entry, e-mail and webhooks."""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access_forms.models import AccessLineForm, FormStatus
from access_forms.signing import form_accept_order
from accounts.models import User
from audit.services import audit_log
from cancellations.drafts import Draft
from cancellations.errors import RequestError
from cancellations.models import Channel, Kind
from cancellations.references import next_reference
from cancellations.services import request_reschedule, request_withdraw
from cancellations.submission import request_submit
from customers.models import Subscription
from rules import (
    SWITCH_MOVES_PER_DAY,
    switch_move_told_on,
    switch_moves_told_at,
)
from states import AuditAction
from switching import emails
from switching.models import SWITCHES, Provider, Switch, SwitchMatch
from switching.refusals import (
    SwitchError,
    check_moved_date,
    check_planned_date,
    from_request_error,
    objected,
    objected_lately,
    still_ordered,
    too_many_moves,
)
from toolbox.noumea import NOUMEA
from webhooks.services import switch_data, webhook_emit


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


def switch_order(
    *,
    provider: Provider,
    actor: User,
    match_id: str,
    planned_date: date,
    mailbox_retention_months: int | None = None,
    ip: str | None = None,
    now: datetime | None = None,
) -> Switch:
    """The switch of one of the provider's matches, for `planned_date`; `actor` is the
    account of the key that asked (the audit log and the request's history name it)."""
    at = now or timezone.now()
    check_planned_date(planned_date, at)
    with transaction.atomic():
        match = (
            SwitchMatch.objects.select_for_update()
            .filter(public_id=match_id[:40], provider=provider)
            .first()
        )
        if match is None:
            raise SwitchError("not_found", _("No match of yours has this id."))
        if Switch.objects.filter(match=match).exists():
            raise SwitchError("already_ordered", _("This match has already been ordered."))
        if match.objected_at is not None or objected_lately(match.subscription, provider, at):
            raise objected()
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
                    new_isp=provider.name,
                    mailbox_retention_months=months,
                ),
                channel=Channel.SWITCH,
                actor=actor,
                ip=ip,
                now=at,
                objection_link={
                    "kind": "switch_objection",
                    "match_id": match.pk,
                    "nonce": match.link_nonce,
                },
            )
        except RequestError as exc:
            raise from_request_error(exc) from None
        switch = Switch.objects.create(
            reference=next_reference(SWITCHES, at.astimezone(NOUMEA).year),
            match=match,
            request=request,
            provider=provider,
            planned_date=planned_date,
            created_at=at,
        )
        _form_follows_the_order(switch, actor=actor, ip=ip)
        audit_log(
            actor=actor,
            action=AuditAction.SWITCH_ORDER,
            target=switch,
            ip=ip,
            reference=switch.reference,
            request=request.reference,
        )
        webhook_emit("switch.ordered", switch_data(switch), audience=provider.pk)
    return switch


def switch_of(provider: Provider, reference: str) -> Switch:
    """The provider's own switch with this reference, whichever of its keys ordered it;
    another provider's is not found."""
    switch = (
        Switch.objects.select_related("request__access_form", "request__customer", "provider")
        .filter(reference=reference.strip().upper()[:20], provider=provider)
        .first()
    )
    if switch is None:
        raise SwitchError("not_found", _("None of your switches has this reference."))
    return switch


def switch_reschedule(
    *,
    switch: Switch,
    planned_date: date,
    actor: User,
    ip: str | None = None,
    now: datetime | None = None,
) -> Switch:
    """The provider moves its switch: a few times a day (rules.SWITCH_MOVES_PER_DAY,
    counted under the switch's lock before anything else); the customer hears of it at
    most once a day, with the link to stop it, and keeps the notice the rules give from
    that e-mail (a date brought closer: SWITCH_NOTICE_DAYS_FOR_AN_EARLIER_DATE)."""
    at = now or timezone.now()
    today = at.astimezone(NOUMEA).date()
    check_planned_date(planned_date, at)
    with transaction.atomic():
        # Only the switch's row: the request is locked by request_reschedule, after it
        # (the order every switch change takes: match, switch, request).
        switch = (
            Switch.objects.select_for_update(of=("self",))
            .select_related("request__customer", "match", "provider")
            .get(pk=switch.pk)
        )
        still_ordered(switch)
        if planned_date == switch.planned_date:
            return switch  # nothing moves: no e-mail, no event
        moves = (switch.moves_that_day if switch.moved_on == today else 0) + 1
        if moves > SWITCH_MOVES_PER_DAY:
            raise too_many_moves(at)
        told_on = switch_move_told_on(today, switch.move_told_on)
        check_moved_date(planned_date, switch.planned_date, told_on)
        try:
            request_reschedule(
                request=switch.request, desired_date=planned_date, actor=actor, ip=ip, now=at
            )
        except RequestError as exc:
            raise from_request_error(exc) from None
        if told_on != switch.move_told_on:  # else the morning's message tells this move too
            emails.send_switch_moved(
                switch,
                send_at=None if told_on == today else switch_moves_told_at(told_on),
            )
        switch.planned_date = planned_date
        switch.moved_on, switch.moves_that_day, switch.move_told_on = today, moves, told_on
        switch.save(update_fields=["planned_date", "moved_on", "moves_that_day", "move_told_on"])
        switch.request.refresh_from_db()
        audit_log(
            actor=actor,
            action=AuditAction.SWITCH_RESCHEDULE,
            target=switch,
            ip=ip,
            reference=switch.reference,
            planned_date=str(planned_date),
        )
        webhook_emit("switch.rescheduled", switch_data(switch), audience=switch.provider_id)
    return switch


def switch_cancel(*, switch: Switch, reason: str, actor: User, ip: str | None = None) -> Switch:
    """The new provider calls it off: the request is withdrawn on the customer's behalf
    (its form cancelled, or recalled from the operator) and the customer told."""
    reason = reason.strip()[:500]
    if not reason:
        raise SwitchError("reason_required", _("Give the reason for the cancellation."))
    with transaction.atomic():
        switch = (
            Switch.objects.select_for_update(of=("self",))
            .select_related("request", "provider")
            .get(pk=switch.pk)
        )
        still_ordered(switch)
        switch.cancelled_at = timezone.now()
        switch.cancel_reason = reason
        switch.save(update_fields=["cancelled_at", "cancel_reason"])
        try:
            # request_withdraw tells the new provider too (switch.cancelled).
            request_withdraw(
                request=switch.request,
                actor=actor,
                ip=ip,
                on_behalf_reason=_("Cancelled by %(isp)s: %(reason)s")
                % {"isp": switch.provider.name, "reason": reason},
            )
        except RequestError as exc:
            raise from_request_error(exc) from None
        audit_log(
            actor=actor, action=AuditAction.SWITCH_CANCEL, target=switch, ip=ip, reason=reason
        )
        switch.request.refresh_from_db()
    return switch
