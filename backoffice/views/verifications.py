"""Cancellations sent from the public page that an agent must verify by phone (SPEC §3.8)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from backoffice.access import agent_required
from cancellations.calendar import current_calendar
from cancellations.errors import RequestError
from cancellations.filters import matching_customers
from cancellations.models import PublicSubmission
from cancellations.public import PublicError
from cancellations.public_checks import designated_subscription
from cancellations.public_verification import (
    submission_refuse,
    submission_verify,
    submissions_to_verify,
)
from cancellations.selectors import cancellable_subscriptions
from customers.models import Customer, Subscription
from rules import identity_verification_day
from toolbox.client_address import client_ip
from toolbox.filters import search_terms


class VerifyForm(forms.Form):
    subscription = forms.ModelChoiceField(
        label=gettext_lazy("Subscription"),
        queryset=Subscription.objects.none(),
        error_messages={"required": gettext_lazy("Choose the subscription.")},
    )
    note = forms.CharField(
        label=gettext_lazy("How the identity was verified"),
        max_length=500,
        error_messages={"required": gettext_lazy("Say how the identity was verified.")},
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the identity could not be verified"),
        max_length=500,
        error_messages={"required": gettext_lazy("Give the reason.")},
    )


@agent_required
def verification_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    waiting = list(submissions_to_verify(now).order_by("received_at", "id")[:200])
    calendar = current_calendar()
    for submission in waiting:
        submission.verify_by = identity_verification_day(  # type: ignore[attr-defined]
            submission.received_at, calendar
        )
    return render(request, "backoffice/verification_list.html", {"waiting": waiting})


def _candidates(submission: PublicSubmission) -> list[Customer]:
    found: dict[int, Customer] = {}
    for text in (submission.client_code, submission.contact, submission.last_name):
        # A term with nothing to search on ("." as a name) would match everyone.
        if len(search_terms(text)[1]) >= 3:
            for customer in matching_customers(text).order_by("client_code")[:10]:
                found.setdefault(customer.pk, customer)
    return list(found.values())[:20]


def _page(
    request: HttpRequest,
    submission: PublicSubmission,
    verify: VerifyForm | None = None,
    refuse: RefuseForm | None = None,
    customer: Customer | None = None,
) -> HttpResponse:
    candidates = _candidates(submission)
    # Pre-selected only on the exact client code typed; the agent chooses otherwise.
    exact = [c for c in candidates if c.client_code == submission.client_code]
    chosen = customer or (exact[0] if exact else None)
    wanted = request.GET.get("client")
    if wanted:
        chosen = Customer.objects.filter(client_code=wanted).first() or chosen
    if verify is None:
        # The subscription the visitor named (its line, plan or reference), if one only.
        named = designated_subscription(chosen, submission.subscription_hint) if chosen else None
        verify = VerifyForm(initial={"subscription": named.pk if named else None})
    verify.fields["subscription"].queryset = Subscription.objects.filter(  # type: ignore[attr-defined]
        pk__in=[s.pk for s in cancellable_subscriptions(chosen)] if chosen else []
    ).select_related("plan")
    return render(
        request,
        "backoffice/verification_detail.html",
        {
            "submission": submission,
            "candidates": candidates,
            "chosen": chosen,
            "verify": verify,
            "refuse": refuse or RefuseForm(),
        },
    )


def _submission(pk: int) -> PublicSubmission:
    return get_object_or_404(
        PublicSubmission.objects.select_related("request", "handled_by", "customer"), pk=pk
    )


@agent_required
def verification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _submission(pk))


@agent_required
@require_POST
def verification_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    submission = _submission(pk)
    ip = client_ip(request)
    if action == "verifier":
        chosen = Customer.objects.filter(client_code=request.POST.get("client", "")).first()
        form = VerifyForm(request.POST)
        form.fields["subscription"].queryset = Subscription.objects.filter(  # type: ignore[attr-defined]
            pk__in=[s.pk for s in cancellable_subscriptions(chosen)] if chosen else []
        )
        if not form.is_valid():
            return _page(request, submission, verify=form, customer=chosen)
        try:
            cancellation = submission_verify(
                submission=submission,
                subscription=form.cleaned_data["subscription"],
                actor=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
                ip=ip,
            )
        except (PublicError, RequestError) as exc:
            messages.error(request, exc.message)
            return redirect("backoffice:verification_detail", pk=pk)
        messages.success(
            request,
            _("Identity verified: request %(reference)s is recorded with the original time.")
            % {"reference": cancellation.reference},
        )
        return redirect("backoffice:request_detail", reference=cancellation.reference)
    if action == "refuser":
        refuse = RefuseForm(request.POST)
        if not refuse.is_valid():
            return _page(request, submission, refuse=refuse)
        try:
            submission_refuse(
                submission=submission,
                actor=request.user,  # type: ignore[arg-type]
                reason=refuse.cleaned_data["reason"],
                ip=ip,
            )
        except PublicError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Marked as not verified: nothing was cancelled."))
        return redirect("backoffice:verification_list")
    messages.error(request, _("Unknown action."))
    return redirect("backoffice:verification_detail", pk=pk)
