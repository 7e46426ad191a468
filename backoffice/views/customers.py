"""Customer lookup, and what an agent does for a customer who phoned, wrote or came in."""

import uuid

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import access_link_request
from audit.services import audit_log
from backoffice.access import agent_required
from backoffice.filters import CustomerFilter
from cancellations import selectors
from cancellations.errors import RequestError
from cancellations.forms import CancellationForm
from cancellations.models import CancellationRequest, Channel
from cancellations.submission import request_submit
from cancellations.summary import Summary
from customers.models import Customer, Mailbox
from notifications.models import OutboundEmail
from states import AuditAction
from toolbox.client_address import client_ip

STAFF_CHANNELS = [
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.EMAIL, Channel.EMAIL.label),
    (Channel.COUNTER, Channel.COUNTER.label),
]


@agent_required
def customer_list(request: HttpRequest) -> HttpResponse:
    filterset = CustomerFilter(
        request.GET or None, queryset=Customer.objects.order_by("client_code")
    )
    searched = bool(request.GET.get("q", "").strip())
    page = Paginator(filterset.qs if searched else Customer.objects.none(), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "backoffice/customer_list.html",
        {"filter": filterset, "page": page, "searched": searched, "q": request.GET.get("q", "")},
    )


def _customer(client_code: str) -> Customer:
    return get_object_or_404(Customer, client_code=client_code)


@agent_required
def customer_detail(request: HttpRequest, client_code: str) -> HttpResponse:
    customer = _customer(client_code)
    return render(
        request,
        "backoffice/customer_detail.html",
        {
            "customer": customer,
            "subscriptions": customer.subscriptions.select_related("plan").order_by(
                "started_on", "id"
            ),
            "mailboxes": Mailbox.objects.filter(subscription__customer=customer).select_related(
                "subscription"
            ),
            "requests": CancellationRequest.objects.filter(customer=customer).select_related(
                "subscription", "access_form"
            ),
            "emails": OutboundEmail.objects.filter(customer=customer).order_by("-created_at")[:50],
        },
    )


class ChannelForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("How the customer asked"),
        choices=STAFF_CHANNELS,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say how the customer asked.")},
    )


# The client area's questions, asked of an agent about the customer.
ABOUT_THE_CUSTOMER = {
    "keep_mailboxes": gettext_lazy("Keep the customer's e-mails"),
    "new_isp": gettext_lazy("Name of the customer's new provider"),
    "phone_line_cancelled": gettext_lazy(
        "The customer's phone line is already being cancelled with the operator"
    ),
    "wants_phone_line_ended": gettext_lazy("The customer also wants to end the fixed phone line"),
}


def _cancellation_form(customer: Customer, data: QueryDict | None) -> CancellationForm:
    form = CancellationForm(
        data,
        subscriptions=selectors.cancellable_subscriptions(customer),
        received_at=timezone.now(),
    )
    for name, label in ABOUT_THE_CUSTOMER.items():
        if name in form.fields:
            form.fields[name].label = label
    return form


def _summary(form: CancellationForm) -> Summary | None:
    """The live summary; on the first display, of the answers already chosen (one
    subscription, the month's end, a definitive cancellation): the agent on the phone
    sees the dates and the cost before changing anything."""
    if not form.is_bound:
        chosen = {name: form[name].value() for name in form.fields}
        form = CancellationForm(
            {name: value for name, value in chosen.items() if value not in (None, "", False)},
            subscriptions=list(form.subscriptions.values()),
            received_at=form.received_at,
        )
    if form.is_valid() and form.quote is not None:
        return Summary.of_draft(form.draft(), form.quote)
    return None


@agent_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest, client_code: str) -> HttpResponse:
    """The client area's form, rules and e-mails, with the channel and the agent recorded.
    A resubmitted form (its idempotency key) leads to the request it made."""
    customer = _customer(client_code)
    data = request.POST if request.method == "POST" else None
    key = (request.POST.get("idempotency_key") or uuid.uuid4().hex)[:90]
    if data is not None:
        sent = CancellationRequest.objects.filter(
            customer=customer, idempotency_key=f"staff-{key}"
        ).first()
        if sent is not None:
            return redirect("backoffice:request_detail", reference=sent.reference)
    form = _cancellation_form(customer, data)
    channel_form = ChannelForm(data, initial={"channel": Channel.PHONE})  # most calls
    if request.method == "POST" and form.is_valid() & channel_form.is_valid():
        try:
            cancellation = request_submit(
                customer=customer,
                draft=form.draft(),
                channel=channel_form.cleaned_data["channel"],
                actor=request.user,  # type: ignore[arg-type]
                ip=client_ip(request),
                idempotency_key=f"staff-{key}",
            )
        except RequestError as exc:
            if exc.existing is not None:
                messages.info(request, exc.message)
                return redirect("backoffice:request_detail", reference=exc.existing.reference)
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Request %(reference)s recorded; the customer receives the acknowledgement.")
                % {"reference": cancellation.reference},
            )
            return redirect("backoffice:request_detail", reference=cancellation.reference)
    return render(
        request,
        "backoffice/new_request.html",
        {
            "customer": customer,
            "form": form,
            "channel_form": channel_form,
            "subscriptions": form.subscriptions,
            "summary": _summary(form),
            "idempotency_key": key,
            "for_agent": True,
        },
        status=400 if request.method == "POST" else 200,
    )


@agent_required
@require_GET
def new_request_summary(request: HttpRequest, client_code: str) -> HttpResponse:
    customer = _customer(client_code)
    form = _cancellation_form(customer, request.GET)
    return render(
        request,
        "cancellations/_summary.html",
        {"form": form, "summary": _summary(form), "for_agent": True},
    )


@agent_required
@require_POST
def send_access_link(request: HttpRequest, client_code: str) -> HttpResponse:
    """An activation or password link to the e-mail on file (never shown to staff): the
    same work and limits as the customer's own request."""
    customer = _customer(client_code)
    access_link_request(
        client_code=customer.client_code,
        email=customer.email,
    )
    audit_log(
        actor=request.user,  # type: ignore[arg-type]
        action=AuditAction.CUSTOMER_SEND_ACCESS_LINK,
        target=customer,
        ip=client_ip(request),
    )
    messages.success(
        request,
        _("A link to set a password goes to %(email)s.") % {"email": customer.email},
    )
    return redirect("backoffice:customer_detail", client_code=customer.client_code)
