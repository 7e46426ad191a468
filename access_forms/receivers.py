"""The OPTimo form follows its request (cancellations.signals): made with it, closed
with it, dated again with it, and for a request made without an account, sent to be
signed by link."""

from collections.abc import Callable
from typing import Any

from django.dispatch import receiver

from access_forms.holder_links import form_send_link
from access_forms.services import form_close_with_request, form_for_new_request
from access_forms.signing import form_reschedule_with_request
from accounts.models import User
from cancellations.models import CancellationRequest
from cancellations.signals import (
    request_closed,
    request_made_without_account,
    request_rescheduled,
    request_submitted,
)


@receiver(request_submitted, dispatch_uid="access-form-for-new-request")
def _form_for_new_request(request: CancellationRequest, **kwargs: Any) -> None:
    form_for_new_request(request)


@receiver(request_closed, dispatch_uid="access-form-closes-with-request")
def _form_closes_with_request(
    request: CancellationRequest, actor: User | None, ip: str | None, **kwargs: Any
) -> None:
    form_close_with_request(request=request, actor=actor, ip=ip)


@receiver(request_rescheduled, dispatch_uid="access-form-takes-the-new-date")
def _form_takes_the_new_date(
    request: CancellationRequest, actor: User | None, ip: str | None, **kwargs: Any
) -> None:
    form_reschedule_with_request(request=request, actor=actor, ip=ip)


@receiver(request_made_without_account, dispatch_uid="access-form-link-without-account")
def _form_link_without_account(
    request: CancellationRequest,
    actor: User | None,
    ip: str | None,
    build_url: Callable[[str], str],
    **kwargs: Any,
) -> None:
    form = getattr(request, "access_form", None)
    if form is not None and form.can_be_signed and request.customer.email:
        form_send_link(
            form=form, email=request.customer.email, actor=actor, ip=ip, build_url=build_url
        )
