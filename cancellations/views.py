"""The cancellation journey in the client area (SPEC §3 steps 3, 4 and 7)."""

import io
import uuid

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import customer_required
from cancellations import selectors
from cancellations.errors import RequestError
from cancellations.forms import CancellationForm
from cancellations.models import CancellationRequest, Channel, Kind
from cancellations.receipts import receipt_bytes, receipt_filename
from cancellations.services import (
    last_withdrawal_day,
    request_keep_mailboxes,
    request_withdraw,
    withdrawal_allowed,
)
from cancellations.submission import request_submit
from cancellations.summary import Summary
from customers.models import Customer
from rules import REQUEST_OPEN_STATUSES
from toolbox.client_address import client_ip
from toolbox.noumea import NOUMEA
from toolbox.numbers import small_int


def _request_or_404(customer: Customer, reference: str) -> CancellationRequest:
    """A stranger's reference, or one that does not exist: 404, never data."""
    request = selectors.request_of_customer(customer, reference)
    if request is None:
        raise Http404
    return request


def _form(
    request: HttpRequest,
    customer: Customer,
    data: QueryDict | None,
    *,
    with_mailboxes: bool = True,
) -> CancellationForm:
    subscriptions = selectors.cancellable_subscriptions(customer, with_mailboxes=with_mailboxes)
    if data is not None:
        reference = data.get("subscription")
        # A subscription that is not this customer's (a tampered form) is a 404.
        if (
            reference
            and reference not in {s.reference for s in subscriptions}
            and not customer.subscriptions.filter(reference=reference).exists()
        ):
            raise Http404
    form = CancellationForm(data, subscriptions=subscriptions, received_at=timezone.now())
    if data is None and request.GET.get("abonnement") in form.subscriptions:
        form.initial["subscription"] = request.GET["abonnement"]
    return form


def _summary_context(form: CancellationForm) -> dict[str, object]:
    context: dict[str, object] = {"form": form, "summary": None}
    if form.is_bound and form.is_valid() and form.quote is not None:
        context["summary"] = Summary.of_draft(form.draft(), form.quote)
    return context


def _page(request: HttpRequest, form: CancellationForm, **preview: object) -> HttpResponse:
    context = {**_summary_context(form), "subscriptions": form.subscriptions}
    if preview:
        context.update(preview)
    return render(request, "cancellations/cancel.html", context)


@customer_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The form; a valid POST shows the confirmation page (works without JavaScript)."""
    if request.method == "POST":
        already = _already_sent(request, customer)
        if already is not None:
            return already
        form = _form(request, customer, request.POST)
        if form.is_valid() and "edit" not in request.POST:
            return render(
                request,
                "cancellations/confirm.html",
                {
                    **_summary_context(form),
                    "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
                },
            )
        return _page(request, form)
    form = _form(request, customer, None)
    if not form.initial.get("subscription"):
        return _page(request, form)
    # The summary of the defaults, shown before the customer changes anything.
    defaults = QueryDict(mutable=True)
    defaults["subscription"] = form.initial["subscription"]
    defaults["desired_date"] = form.fields["desired_date"].initial.isoformat()
    defaults["kind"] = Kind.DEFINITIVE
    preview = _summary_context(_form(request, customer, defaults))
    return _page(request, form, summary=preview["summary"])


@customer_required
@require_GET
def summary(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The live summary (htmx): the same rules as the submission, on every change."""
    form = _form(request, customer, request.GET)
    return render(request, "cancellations/_summary.html", _summary_context(form))


def _already_sent(request: HttpRequest, customer: Customer) -> HttpResponse | None:
    """A resubmitted confirmation, or a form for a subscription that already has an
    open request, leads to that request instead of an error or a second request (both
    looked up in one query: the request sent with this key first, if any)."""
    key = request.POST.get("idempotency_key", "")[:100]
    reference = request.POST.get("subscription", "")
    wanted = Q(subscription__reference=reference, status__in=REQUEST_OPEN_STATUSES)
    if key:
        wanted |= Q(idempotency_key=key)
    found = list(
        CancellationRequest.objects.filter(wanted, customer=customer).values_list(
            "reference", "idempotency_key"
        )[:2]
    )
    sent = next((ref for ref, its_key in found if key and its_key == key), None)
    if sent is not None:
        return redirect("cancellations:request_sent", reference=sent)
    if found:
        open_reference = found[0][0]
        messages.info(
            request,
            _("A cancellation request is already open for this subscription: %(reference)s.")
            % {"reference": open_reference},
        )
        return redirect("cancellations:request_detail", reference=open_reference)
    return None


@customer_required
@require_POST
def submit(request: HttpRequest, customer: Customer) -> HttpResponse:
    already = _already_sent(request, customer)
    if already is not None:
        return already
    # Only the summary shows the mailboxes, and a submission shows none.
    form = _form(request, customer, request.POST, with_mailboxes=False)
    if not form.is_valid():
        return _page(request, form)
    try:
        cancellation = request_submit(
            customer=customer,
            draft=form.draft(),
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
            idempotency_key=request.POST.get("idempotency_key", "")[:100],
        )
    except RequestError as exc:
        if exc.existing is not None:
            messages.info(request, exc.message)
            return redirect("cancellations:request_detail", reference=exc.existing.reference)
        form.add_error(None, exc.message)
        return _page(request, form)
    return redirect("cancellations:request_sent", reference=cancellation.reference)


@customer_required
def request_sent(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    cancellation = _request_or_404(customer, reference)
    return render(
        request,
        "cancellations/sent.html",
        {"cancellation": cancellation, "summary": Summary.of_request(cancellation)},
    )


@customer_required
def request_list(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "cancellations/request_list.html",
        {"cancellations": selectors.requests_for_customer(customer)},
    )


@customer_required
def request_detail(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    cancellation = _request_or_404(customer, reference)
    today = timezone.now().astimezone(NOUMEA).date()
    return render(
        request,
        "cancellations/request_detail.html",
        {
            "cancellation": cancellation,
            "summary": Summary.of_request(cancellation),
            "emails": selectors.emails_for_request(cancellation),
            "can_withdraw": withdrawal_allowed(cancellation, today),
            "last_withdrawal_day": last_withdrawal_day(cancellation),
            "kinds": Kind,
            # The mailboxes' fate may change while the request may be withdrawn.
            "mailboxes": [
                m.address for m in cancellation.subscription.mailboxes.exclude(status="deleted")
            ]
            if withdrawal_allowed(cancellation, today) and not cancellation.keeps_subscription
            else [],
            "retention_choices": settings.RESILIA_MAILBOX_RETENTION_MONTHS,
        },
    )


@customer_required
@require_POST
def keep_mailboxes(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    cancellation = _request_or_404(customer, reference)
    try:
        request_keep_mailboxes(
            request=cancellation,
            months=small_int(request.POST.get("months", "")) or 0,
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
        )
    except RequestError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your choice for your mailboxes is recorded."))
    return redirect("cancellations:request_detail", reference=cancellation.reference)


@customer_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    cancellation = _request_or_404(customer, reference)
    if cancellation.channel == Channel.SWITCH:
        # Not the customer's own request: stopped as the switch it is (switching.views).
        return redirect("switching:client_stop", reference=cancellation.reference)
    if request.method == "POST":
        try:
            request_withdraw(
                request=cancellation,
                actor=request.user,  # type: ignore[arg-type]
                ip=client_ip(request),
            )
        except RequestError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Your request %(reference)s is withdrawn: your subscription goes on.")
                % {"reference": cancellation.reference},
            )
        return redirect("cancellations:request_detail", reference=cancellation.reference)
    return render(request, "cancellations/withdraw.html", {"cancellation": cancellation})


def receipt_response(cancellation: CancellationRequest) -> FileResponse:
    """The stored receipt as a download (the client area, the public page, the back
    office: the same file for everyone who may see the request)."""
    response = FileResponse(
        io.BytesIO(receipt_bytes(cancellation)),
        as_attachment=True,
        filename=receipt_filename(cancellation),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@customer_required
@require_GET
def receipt(request: HttpRequest, customer: Customer, reference: str) -> FileResponse:
    return receipt_response(_request_or_404(customer, reference))
