"""Switching in the integration API: a gaining provider (any of its `switching` keys)
matches a customer by switching code and last name, orders the switch, follows, moves or
cancels it. Only its own matches and switches exist for it, whichever of its keys made
them; a failed match says nothing about whether the customer exists."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from api.auth import switching_key
from api.errors import ApiError
from api.idempotency import idempotent
from api.models import ApiKey
from api.public import _parse_date
from api.schemas import (
    ERRORS,
    IDEMPOTENCY,
    BilledMonth,
    Implications,
    MailboxFate,
    MatchedSubscription,
    MatchIn,
    MatchOut,
    PlannedDateIn,
    ReasonIn,
    SwitchForm,
    SwitchIn,
    SwitchOut,
)
from rules import FORM_STATUSES_WITH_THE_OPERATOR
from states import FormState
from switching.matching import switch_match
from switching.models import Provider, Switch
from switching.ordering import switch_cancel, switch_of, switch_order, switch_reschedule
from switching.refusals import SwitchError
from toolbox.client_address import client_ip

router = Router(tags=["switching"])

# The HTTP status of each refusal of the switching services; any other is 422 (a value
# the rules refuse: a mistyped code, a date too soon, a missing reason).
REFUSAL_STATUS = {
    "no_match": 404,
    "not_found": 404,
    "too_many_failures": 429,
    "too_many_moves": 429,
    # The subscription's or the switch's state refuses it:
    "request_open": 409,
    "objected": 409,
    "already_ordered": 409,
    "match_expired": 409,
    "switch_objected": 409,
    "switch_cancelled": 409,
    "switch_completed": 409,
    # The request's own refusals (cancellations.services.RequestError):
    "already_open": 409,
    "not_open": 409,
    "too_late": 409,
    "form_with_operator": 409,
}


def _status(exc: SwitchError) -> int:
    return REFUSAL_STATUS.get(exc.code, 422)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except SwitchError as exc:
        raise ApiError(_status(exc), exc.code, exc.message, **exc.extra) from None


def _key(request: HttpRequest) -> ApiKey:
    return request.api_key  # type: ignore[attr-defined,no-any-return]


def _provider(request: HttpRequest) -> Provider:
    """The provider the key belongs to: its matches and switches, whichever key made them."""
    provider = _key(request).provider
    assert provider is not None  # a switching key always has one (a constraint says so)
    return provider


def _switch_out(switch: Switch) -> SwitchOut:
    r = switch.request
    form = getattr(r, "access_form", None)
    status = form.status if form is not None else None
    return SwitchOut(
        reference=switch.reference,
        status=switch.status,
        request=r.reference,
        planned_date=switch.planned_date,
        effective_date=r.effective_date,
        billing_end=r.billing_end,
        ordered_at=switch.created_at,
        objected_at=switch.objected_at,
        cancelled_at=switch.cancelled_at,
        form=SwitchForm(
            status=status,
            signed=form is not None and form.signed_at is not None,
            forwarded=status in FORM_STATUSES_WITH_THE_OPERATOR,
            acknowledged_by_operator=status == FormState.ACKNOWLEDGED,
        ),
    )


@router.post(
    "/switches/match",
    auth=switching_key,
    response={200: MatchOut, **ERRORS},
    summary="Match a customer by switching code and last name; tells the customer at once",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def match_customer(request: HttpRequest, payload: MatchIn) -> MatchOut | Status[dict[str, object]]:
    key = _key(request)
    try:
        found, consequences = switch_match(
            provider=_provider(request),
            actor=key.user,
            code_text=payload.switching_code,
            last_name=payload.holder_last_name,
            access_line=payload.access_line,
            ip=client_ip(request),
        )
    except SwitchError as exc:
        if _status(exc) == 429:
            raise ApiError(_status(exc), exc.code, exc.message, **exc.extra) from None
        # Answered, not raised: a failed match is counted (codes and keys that keep
        # failing stop matching), and a raised refusal would roll its count back with the
        # Idempotency-Key's savepoint, a fresh key a free guess.
        return Status(_status(exc), {"code": exc.code, "message": exc.message})
    subscription = found.subscription
    return MatchOut(
        match_id=found.public_id,
        expires_at=found.expires_at,
        subscription=MatchedSubscription(
            plan=subscription.plan.name, access_line=subscription.access_line
        ),
        implications=Implications(
            earliest_date=consequences.earliest_date,
            billing_end=consequences.billing_end,
            months_billed=[
                BilledMonth(month=m.month.strftime("%Y-%m"), amount_xpf=m.amount_xpf)
                for m in consequences.months_billed
            ],
            total_billed_xpf=consequences.total_billed_xpf,
            no_fee=True,
            mailboxes=[
                MailboxFate(
                    address=m.address, kept_until=m.kept_until, deleted_after=m.deleted_after
                )
                for m in consequences.mailboxes
            ],
        ),
    )


@router.post(
    "/switches",
    auth=switching_key,
    response={201: SwitchOut, **ERRORS},
    summary="Order the switch of a match for a planned date (a change-of-provider request)",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def order_switch(request: HttpRequest, payload: SwitchIn) -> Status[SwitchOut]:
    planned = _parse_date(payload.planned_date, "planned_date")
    with _refusals():
        switch = switch_order(
            provider=_provider(request),
            actor=_key(request).user,
            match_id=payload.match_id,
            planned_date=planned,
            mailbox_retention_months=payload.mailbox_retention_months,
            ip=client_ip(request),
            now=timezone.now(),
        )
    return Status(201, _switch_out(switch_of(_provider(request), switch.reference)))


@router.get(
    "/switches/{reference}",
    auth=switching_key,
    response={200: SwitchOut, **ERRORS},
    summary="One of your switches: its status, dates and the OPTimo form's progress",
)
def get_switch(request: HttpRequest, reference: str) -> SwitchOut:
    with _refusals():
        return _switch_out(switch_of(_provider(request), reference))


@router.post(
    "/switches/{reference}/reschedule",
    auth=switching_key,
    response={200: SwitchOut, **ERRORS},
    summary="Move one of your switches to another date (until the day before it)",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def reschedule_switch(request: HttpRequest, reference: str, payload: PlannedDateIn) -> SwitchOut:
    planned = _parse_date(payload.planned_date, "planned_date")
    provider = _provider(request)
    with _refusals():
        switch_reschedule(
            switch=switch_of(provider, reference),
            planned_date=planned,
            actor=_key(request).user,
            ip=client_ip(request),
        )
        return _switch_out(switch_of(provider, reference))


@router.post(
    "/switches/{reference}/cancel",
    auth=switching_key,
    response={200: SwitchOut, **ERRORS},
    summary="Call one of your switches off: the request is withdrawn, the customer told",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def cancel_switch(request: HttpRequest, reference: str, payload: ReasonIn) -> SwitchOut:
    provider = _provider(request)
    with _refusals():
        switch_cancel(
            switch=switch_of(provider, reference),
            reason=payload.reason,
            actor=_key(request).user,
            ip=client_ip(request),
        )
        return _switch_out(switch_of(provider, reference))
