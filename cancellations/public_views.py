"""The public cancellation page: "Résilier votre contrat", without logging in (SPEC §3.8).

Screens: the form; the code (the same page whatever the details matched); the summary with
one button; the result with the receipt. A submission is reached only from the browser
session that sent it (its token is also in the URL, and unguessable).
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import normalize_client_code
from cancellations.drafts import quote_draft
from cancellations.errors import RequestError
from cancellations.models import PublicSubmission, SubmissionStatus
from cancellations.public import (
    PublicError,
    Submitted,
    code_check,
    code_request_again,
    confirmable,
    draft_of,
    submission_accept,
    submission_record,
)
from cancellations.public_forms import CodeForm, PublicCancellationForm
from cancellations.selectors import cancellable_subscriptions
from cancellations.summary import Summary
from cancellations.views import receipt_response
from customers.models import Customer
from toolbox.client_address import client_ip, client_network
from toolbox.throttle import over_limit, refused

SESSION_KEY = "public_submissions"
HOUR = 3600
# Per client address (an IPv6 /64); generous for a family behind one router, far too few
# to try client codes one after the other.
SUBMISSIONS_PER_ADDRESS = 10
CODE_TRIES_PER_ADDRESS = 30


def _throttled(request: HttpRequest, limit: str) -> HttpResponse:
    refused(limit)
    return render(
        request,
        "cancellations/public/throttled.html",
        {"phone": settings.RESILIA_BRAND["office_phone"]},
        status=429,
    )


def _too_many_code_tries(request: HttpRequest) -> bool:
    """Codes typed and new codes asked for, counted together per client address."""
    return over_limit(
        f"public:code:ip:{client_network(client_ip(request))}",
        limit=CODE_TRIES_PER_ADDRESS,
        window_seconds=HOUR,
    )


def _remember(request: HttpRequest, submission: PublicSubmission) -> None:
    tokens = [t for t in request.session.get(SESSION_KEY, []) if t != submission.token]
    request.session[SESSION_KEY] = [*tokens, submission.token][-5:]


def _same(request: HttpRequest, submission: PublicSubmission, data: Submitted) -> bool:
    return submission.token in request.session.get(SESSION_KEY, []) and (
        submission.client_code,
        submission.last_name,
        submission.contact,
        submission.subscription_hint,
        submission.desired_date,
        submission.kind,
        submission.new_isp,
        submission.kind_detail,
        submission.mailbox_retention_months,
        submission.phone_line_cancelled,
        submission.wants_phone_line_ended,
    ) == (
        normalize_client_code(data.client_code),
        data.last_name.strip(),
        data.contact.strip(),
        data.subscription_hint.strip(),
        data.desired_date,
        data.kind,
        data.new_isp.strip(),
        data.kind_detail.strip(),
        data.mailbox_retention_months,
        data.phone_line_cancelled,
        data.wants_phone_line_ended,
    )


def _confirmed_by_code(submission: PublicSubmission) -> bool:
    """The visitor proved, with the code, to be the customer of the request: only then
    does this browser see it. A request an agent made after a phone call is shown in the
    customer's e-mails and client area, never to the browser that sent the form."""
    request = submission.request
    return bool(
        request is not None
        and submission.code_verified_at is not None
        and request.created_by_id is None
        and request.customer_id == submission.customer_id
    )


def _submission(request: HttpRequest, token: str) -> PublicSubmission:
    """The visitor's own submission, or 404 (another browser, a guessed token)."""
    if token not in request.session.get(SESSION_KEY, []):
        raise Http404
    submission = (
        PublicSubmission.objects.select_related("customer", "subscription", "request")
        .filter(token=token)
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def _answers_of(request: HttpRequest) -> dict[str, object]:
    """ "Change my answers": the answers of this browser's own submission (?depuis=<its
    token>), to correct and send again as a new one."""
    token = request.GET.get("depuis", "")
    if not token or token not in request.session.get(SESSION_KEY, []):
        return {}
    submission = PublicSubmission.objects.filter(token=token).first()
    if submission is None:
        return {}
    return {
        "client_code": submission.client_code,
        "last_name": submission.last_name,
        "contact": submission.contact,
        "subscription": submission.subscription_hint,
        "desired_date": submission.desired_date,
        "kind": submission.kind,
        "new_isp": submission.new_isp,
        "kind_detail": submission.kind_detail,
        "keep_mailboxes": bool(submission.mailbox_retention_months),
        "retention_months": submission.mailbox_retention_months or None,
        "phone_line_cancelled": submission.phone_line_cancelled,
        "wants_phone_line_ended": submission.wants_phone_line_ended,
    }


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """The one public page: who, which subscription, when, why — nothing more."""
    if request.user.is_authenticated and Customer.objects.filter(user_id=request.user.pk).exists():
        return redirect("cancellations:cancel")
    now = timezone.now()
    if request.method != "POST":
        initial = {"form_nonce": uuid.uuid4().hex, **_answers_of(request)}
        form = PublicCancellationForm(initial=initial, received_at=now)
        return render(request, "cancellations/public/start.html", {"form": form})
    form = PublicCancellationForm(request.POST, received_at=now)
    if not form.is_valid():
        return render(request, "cancellations/public/start.html", {"form": form})
    nonce = form.cleaned_data["form_nonce"]
    data = form.submitted()
    # The same form sent twice from this browser is one submission, found before anything
    # is counted. The same nonce with other answers (back, corrected, sent again), or
    # from another browser, is a new submission.
    submission = PublicSubmission.objects.filter(form_nonce=nonce).first()
    if submission is not None and not _same(request, submission, data):
        submission, nonce = None, uuid.uuid4().hex
    if submission is None:
        ip = client_ip(request)
        if over_limit(
            f"public:submit:ip:{client_network(ip)}",
            limit=SUBMISSIONS_PER_ADDRESS,
            window_seconds=HOUR,
        ):
            return _throttled(request, "public-submissions-per-address")
        # Not limited per client code: a stranger's junk would block the customer's own
        # cancellation. The check (in the worker) limits what reaches the customer.
        submission = submission_record(
            data=data,
            form_nonce=nonce,
            ip=ip,
            language=(get_language() or "fr")[:2],
            now=now,
        )
    _remember(request, submission)
    return redirect("cancellations:public_code", token=submission.token)


@require_http_methods(["GET", "POST"])
def code(request: HttpRequest, token: str) -> HttpResponse:
    """The same page whether or not the details matched: enter the code, or wait for us."""
    submission = _submission(request, token)
    if _confirmed_by_code(submission):
        return redirect("cancellations:public_done", token=token)
    if submission.status != SubmissionStatus.PENDING:
        return render(request, "cancellations/public/handled.html", {"submission": submission})
    now = timezone.now()
    if request.method != "POST" and confirmable(submission, now):
        return redirect("cancellations:public_confirm", token=token)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if _too_many_code_tries(request):
            return _throttled(request, "public-code-tries-per-address")
        try:
            code_check(submission=submission, code=form.cleaned_data["code"], now=now)
        except PublicError as exc:
            if exc.code == "too_many_attempts":
                refused("public-code-tries")
            form.add_error("code", exc.message)
        else:
            return redirect("cancellations:public_confirm", token=token)
    return render(
        request, "cancellations/public/code.html", {"submission": submission, "form": form}
    )


@require_POST
def new_code(request: HttpRequest, token: str) -> HttpResponse:
    submission = _submission(request, token)
    if _too_many_code_tries(request):
        return _throttled(request, "public-code-tries-per-address")
    try:
        code_request_again(submission=submission, ip=client_ip(request))
    except PublicError as exc:
        if exc.code == "too_many_codes":
            refused("public-codes-asked")
        messages.error(request, exc.message)
    else:
        messages.info(
            request,
            _("If your details match our records, a new code is on its way to your e-mail."),
        )
    return redirect("cancellations:public_code", token=token)


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The summary of what will happen, and one button."""
    submission = _submission(request, token)
    if _confirmed_by_code(submission):
        return redirect("cancellations:public_done", token=token)
    now = timezone.now()
    if not confirmable(submission, now):
        messages.error(request, _("Enter the code we sent first."))
        return redirect("cancellations:public_code", token=token)
    assert submission.customer is not None
    subscriptions = cancellable_subscriptions(submission.customer)
    wanted = request.POST.get("subscription") or request.GET.get("abonnement")
    if not wanted and submission.subscription_id is not None:
        wanted = submission.subscription.reference  # type: ignore[union-attr]
    if not wanted and len(subscriptions) == 1:
        wanted = subscriptions[0].reference
    chosen = next((s for s in subscriptions if s.reference == wanted), None)
    summary, problem = None, None
    if chosen is not None:
        try:
            draft = draft_of(submission, chosen)
            summary = Summary.of_draft(draft, quote_draft(draft, submission.received_at))
        except RequestError as exc:
            problem = exc.message
    if request.method == "POST" and summary is not None:
        try:
            submission_accept(
                submission=submission,
                subscription_reference=chosen.reference,  # type: ignore[union-attr]
                ip=client_ip(request),
                now=now,
            )
        except (PublicError, RequestError) as exc:
            problem = exc.message
        else:
            return redirect("cancellations:public_done", token=token)
    return render(
        request,
        "cancellations/public/confirm.html",
        {
            "submission": submission,
            "subscriptions": subscriptions,
            "chosen": chosen,
            "summary": summary,
            "problem": problem,
        },
    )


@require_GET
def done(request: HttpRequest, token: str) -> HttpResponse:
    submission = _submission(request, token)
    cancellation = submission.request
    if cancellation is None or not _confirmed_by_code(submission):
        return redirect("cancellations:public_code", token=token)
    return render(
        request,
        "cancellations/public/done.html",
        {
            "submission": submission,
            "cancellation": cancellation,
            "summary": Summary.of_request(cancellation),
        },
    )


@require_GET
def receipt(request: HttpRequest, token: str) -> FileResponse:
    submission = _submission(request, token)
    if submission.request is None or not _confirmed_by_code(submission):
        raise Http404
    return receipt_response(submission.request)
