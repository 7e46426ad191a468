"""The customer's side of a switch: the e-mailed link, "Je n'ai rien demandé" until the
day before the effective date, and the mailbox they keep."""

import secrets
from datetime import date, datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_log
from cancellations.errors import RequestError
from cancellations.services import request_keep_mailboxes, request_withdraw
from customers.models import Subscription
from rules import REQUEST_STATUSES_WITHOUT_EFFECT, start_of_day, switch_link_open
from states import AuditAction, RequestState
from switching.models import Switch, SwitchMatch, SwitchStatus
from switching.refusals import SwitchError, from_request_error, still_ordered
from webhooks.services import webhook_emit

LINK_SALT = "switching.objection"
# The customer stops a switch that is stopped already (called off at the same moment).
ALREADY_STOPPED = "already_stopped"


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
        SwitchMatch.objects.select_related(
            "subscription__customer", "subscription__plan", "provider"
        )
        .filter(pk=match_id)
        .first()
    )
    if match is None or not secrets.compare_digest(match.link_nonce, nonce):
        return None
    return match


def link_open(match: SwitchMatch, switch: Switch | None, now: datetime) -> bool:
    """The e-mailed link opens the page while something may be done or read about the
    switch (`switch`: the match's, with its request; None before the order)."""
    return switch_link_open(_ended_at(match, switch), now)


def _ended_at(match: SwitchMatch, switch: Switch | None) -> datetime | None:
    """When nothing more could be done about the match or its switch (None: not yet)."""
    if switch is None:
        return match.objected_at or match.expires_at
    if switch.objected_at or switch.cancelled_at:
        return switch.objected_at or switch.cancelled_at
    request = switch.request
    if request.status == RequestState.COMPLETED:
        return start_of_day(request.effective_date)
    if request.status in REQUEST_STATUSES_WITHOUT_EFFECT:
        return request.updated_at
    return None


def objection_possible(match: SwitchMatch, today: date) -> bool:
    """Until the day before the effective date, while nothing stopped it already."""
    switch = Switch.objects.select_related("request").filter(match=match).first()
    if switch is None:
        return match.objected_at is None
    return switch.status == SwitchStatus.ORDERED and today < switch.request.effective_date


def switch_object(
    *,
    match: SwitchMatch,
    actor: User | None,
    ip: str | None = None,
    now: datetime | None = None,
    on_behalf_reason: str | None = None,
) -> None:
    """ "Je n'ai rien demandé", from the e-mailed link, the client area, or staff on the
    customer's behalf (`on_behalf_reason`: the back office, the API): before the order,
    no order can follow; after it, the request is withdrawn (until the day before the
    effective date), its form cancelled or recalled, and the new provider told
    (switch.objected) and kept away for RESILIA_SWITCH_MATCH_DAYS."""
    at = now or timezone.now()
    with transaction.atomic():
        # Locked in the order every switch change takes (match, switch, then the request
        # and its subscription): a call-off or a move at the same moment is seen here,
        # done; a match at the same moment waits on the subscription and sees the "no".
        match = (
            SwitchMatch.objects.select_for_update(of=("self",))
            .select_related("provider")
            .get(pk=match.pk)
        )
        switch = (
            Switch.objects.select_for_update(of=("self",))
            .select_related("request")
            .filter(match=match)
            .first()
        )
        Subscription.objects.select_for_update(of=("self",)).filter(
            pk=match.subscription_id
        ).exists()
        # The customer's "no" is to this provider: its other pending matches of the
        # subscription stop too.
        SwitchMatch.objects.filter(
            subscription_id=match.subscription_id,
            provider_id=match.provider_id,
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
                audience=match.provider_id,
            )
        else:
            if switch.status in (SwitchStatus.CANCELLED, SwitchStatus.OBJECTED):
                raise SwitchError(
                    ALREADY_STOPPED,
                    _(
                        "The switch to %(isp)s is already stopped: nothing changes, your "
                        "subscription goes on."
                    )
                    % {"isp": match.provider.name},
                )
            still_ordered(switch)
            switch.objected_at = at
            switch.save(update_fields=["objected_at"])
            try:
                # request_withdraw tells the new provider too (switch.objected).
                request_withdraw(
                    request=switch.request,
                    actor=actor,
                    ip=ip,
                    now=at,
                    on_behalf_reason=on_behalf_reason,
                )
            except RequestError as exc:
                raise from_request_error(exc) from None
        audit_log(
            actor=actor,
            action=AuditAction.SWITCH_OBJECT,
            target=switch if switch is not None else match,
            ip=ip,
            provider=match.provider.name,
        )


def switch_choose_retention(
    *,
    match: SwitchMatch,
    months: int,
    actor: User | None,
    ip: str | None = None,
    now: datetime | None = None,
) -> None:
    """The customer's choice from the e-mail's link: before the order, the order keeps
    their mailboxes that long unless the new provider says otherwise; once ordered, the
    request's choice changes, until the day before the effective date."""
    if months and months not in settings.RESILIA_MAILBOX_RETENTION_MONTHS:
        raise SwitchError("invalid_retention", _("Choose a mailbox retention period."))
    with transaction.atomic():
        match = SwitchMatch.objects.select_for_update(of=("self",)).get(pk=match.pk)
        switch = Switch.objects.select_related("request").filter(match=match).first()
        if switch is not None:
            still_ordered(switch)
            try:
                request_keep_mailboxes(
                    request=switch.request, months=months, actor=actor, ip=ip, now=now
                )
            except RequestError as exc:
                raise from_request_error(exc) from None
            return
        match.mailbox_retention_months = months
        match.save(update_fields=["mailbox_retention_months"])
        audit_log(
            actor=actor, action=AuditAction.SWITCH_RETENTION, target=match, ip=ip, months=months
        )
