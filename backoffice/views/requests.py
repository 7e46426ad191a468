"""The request queue and the request page: every action goes through the services."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from access_forms.reminders import form_remind
from access_forms.services import form_check
from accounts.models import User
from audit.models import AuditEntry
from backoffice.access import agent_required, is_supervisor
from backoffice.exports import requests_csv, wants_export
from backoffice.paging import IdPaginator
from backoffice.views.forms import CheckForm
from cancellations.errors import RequestError
from cancellations.filters import RequestFilter
from cancellations.models import CancellationRequest, Channel, Status
from cancellations.services import (
    last_withdrawal_day,
    request_add_note,
    request_confirm,
    request_reject,
    request_withdraw,
    withdrawal_allowed,
)
from cancellations.summary import Summary
from cancellations.views import receipt_response
from notifications.models import OutboundEmail
from notifications.services import email_resend
from switching.objection import switch_object
from toolbox.client_address import client_ip
from toolbox.filters import ignored_filters
from toolbox.noumea import NOUMEA
from toolbox.numbers import small_int
from toolbox.refusals import Refusal

PAGE_SIZE = 50
BULK_MAX = 200


def queue_queryset() -> QuerySet[CancellationRequest]:
    """What a row of the queue shows."""
    return CancellationRequest.objects.select_related(
        "customer", "subscription__plan", "access_form"
    )


def _filtered(request: HttpRequest) -> RequestFilter:
    filterset = RequestFilter(
        request.GET or None, queryset=CancellationRequest.objects.order_by("-received_at", "-id")
    )
    for label in ignored_filters(filterset):
        messages.warning(
            request,
            _("The filter “%(filter)s” was ignored: its value is not valid.") % {"filter": label},
        )
    return filterset


@agent_required
def request_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    filterset = _filtered(request)
    export, machine = wants_export(request.GET)
    if export:
        if not is_supervisor(request):
            messages.error(request, _("Only supervisors can export lists."))
        else:
            return requests_csv(filterset.qs, machine=machine)
    page = IdPaginator(filterset.qs, PAGE_SIZE, rows=queue_queryset()).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/request_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "bulk_max": BULK_MAX,
        },
    )


@agent_required
@require_POST
def bulk_confirm(request: HttpRequest) -> HttpResponse:
    """Take a selection of received requests into account, each through the service:
    one that another agent changed meanwhile is reported, the others go through."""
    ids = [
        pk
        for raw in request.POST.getlist("selected")[: BULK_MAX + 1]
        if (pk := small_int(raw)) is not None
    ]
    back = reverse("backoffice:request_list") + "?" + request.POST.get("query", "")
    if not ids:
        messages.warning(request, _("Select at least one request."))
        return redirect(back)
    if len(ids) > BULK_MAX:
        messages.error(request, _("Select at most %(max)s requests at once.") % {"max": BULK_MAX})
        return redirect(back)
    done, refused = 0, []
    for cancellation in CancellationRequest.objects.filter(pk__in=ids).order_by("id"):
        try:
            request_confirm(
                request=cancellation,
                actor=request.user,  # type: ignore[arg-type]
                ip=client_ip(request),
                seen_status=Status.SUBMITTED,
            )
            done += 1
        except RequestError as exc:
            refused.append(exc.message)
    if done:
        messages.success(request, _("%(count)s request(s) taken into account.") % {"count": done})
    for message in refused[:10]:
        messages.warning(request, message)
    return redirect(back)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Give the reason.")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Internal note (never shown to the customer)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Write the note first.")},
    )


def _get(reference: str) -> CancellationRequest:
    return get_object_or_404(
        CancellationRequest.objects.select_related(
            "customer", "subscription__plan", "access_form__batch", "created_by"
        ),
        reference=reference,
    )


@agent_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    cancellation = _get(reference)
    return _detail_page(request, cancellation)


@agent_required
@require_GET
def request_receipt(request: HttpRequest, reference: str) -> FileResponse:
    return receipt_response(_get(reference))


def _detail_page(
    request: HttpRequest,
    cancellation: CancellationRequest,
    forms_with_errors: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.now().astimezone(NOUMEA).date()
    access_form = getattr(cancellation, "access_form", None)
    audit = AuditEntry.objects.filter(
        object_type="cancellations.cancellationrequest", object_id=str(cancellation.pk)
    )
    if access_form is not None:
        audit = audit | AuditEntry.objects.filter(
            object_type="access_forms.accesslineform", object_id=str(access_form.pk)
        )
    context = {
        "cancellation": cancellation,
        "customer": cancellation.customer,
        "access_form": access_form,
        "summary": Summary.of_request(cancellation),
        "events": cancellation.events.select_related("actor"),
        "audit": audit.order_by("at", "id"),
        "emails": OutboundEmail.objects.filter(related_reference=cancellation.reference).order_by(
            "created_at", "id"
        ),
        "can_withdraw": withdrawal_allowed(cancellation, today),
        "last_withdrawal_day": last_withdrawal_day(cancellation),
        "reject_form": ReasonForm(prefix="reject"),
        "withdraw_form": ReasonForm(prefix="withdraw"),
        "note_form": NoteForm(prefix="note"),
        "check_form": CheckForm(prefix="check"),
        **(forms_with_errors or {}),
    }
    return render(request, "backoffice/request_detail.html", context, status=status)


@dataclass(frozen=True)
class Act:
    """What every back-office action on a request reads: the request, who acts, from
    where, and the status the agent saw."""

    http: HttpRequest
    cancellation: CancellationRequest
    actor: User
    ip: str | None
    seen: str | None


def _confirm(act: Act) -> HttpResponse | None:
    request_confirm(request=act.cancellation, actor=act.actor, ip=act.ip, seen_status=act.seen)
    messages.success(act.http, _("Request taken into account; the customer is told."))
    return None


def _reject_or_withdraw(act: Act, action: str) -> HttpResponse | None:
    """Irreversible: a second step says what will happen and asks again (a request
    changed meanwhile is refused at once)."""
    cancellation = act.cancellation
    form = ReasonForm(act.http.POST, prefix=action)
    if not form.is_valid():
        messages.error(act.http, _("Give the reason."))
        return _detail_page(act.http, cancellation, {f"{action}_form": form}, status=400)
    reason = form.cleaned_data["reason"]
    if act.http.POST.get("confirmed") != "yes" and act.seen in (None, cancellation.status):
        return render(
            act.http,
            "backoffice/confirm_action.html",
            {
                "cancellation": cancellation,
                "action": action,
                "reason": reason,
                "seen_status": act.seen or cancellation.status,
                "prefix": action,
            },
        )
    if action == "reject":
        request_reject(
            request=cancellation, actor=act.actor, reason=reason, ip=act.ip, seen_status=act.seen
        )
        messages.success(act.http, _("Request rejected; the customer is told why."))
    elif cancellation.channel == Channel.SWITCH:
        # The customer stops the switch through us: the same "Je n'ai rien demandé".
        switch_object(
            match=cancellation.switch.match,
            actor=act.actor,
            ip=act.ip,
            on_behalf_reason=reason,
        )
        messages.success(
            act.http,
            _("Switch stopped; %(isp)s is told and kept away for a while.")
            % {"isp": cancellation.switch.provider.name},
        )
    else:
        request_withdraw(
            request=cancellation,
            actor=act.actor,
            ip=act.ip,
            on_behalf_reason=reason,
            seen_status=act.seen,
        )
        messages.success(act.http, _("Request withdrawn; the subscription goes on."))
    return None


def _reject(act: Act) -> HttpResponse | None:
    return _reject_or_withdraw(act, "reject")


def _withdraw(act: Act) -> HttpResponse | None:
    return _reject_or_withdraw(act, "withdraw")


def _note(act: Act) -> HttpResponse | None:
    note_form = NoteForm(act.http.POST, prefix="note")
    if not note_form.is_valid():
        return _detail_page(act.http, act.cancellation, {"note_form": note_form}, status=400)
    request_add_note(
        request=act.cancellation, actor=act.actor, note=note_form.cleaned_data["note"], ip=act.ip
    )
    messages.success(act.http, _("Note added."))
    return None


def _remind(act: Act) -> HttpResponse | None:
    form_remind(form=act.cancellation.access_form, actor=act.actor, ip=act.ip)
    messages.success(act.http, _("Reminder to sign sent to the customer."))
    return None


def _check(act: Act) -> HttpResponse | None:
    check_form = CheckForm(act.http.POST, prefix="check")
    if not check_form.is_valid():
        return _detail_page(act.http, act.cancellation, {"check_form": check_form}, status=400)
    form_check(
        form=act.cancellation.access_form,
        valid=check_form.cleaned_data["valid"],
        reason=check_form.cleaned_data["reason"],
        actor=act.actor,
        ip=act.ip,
    )
    messages.success(act.http, _("Check saved."))
    return None


def _resend(act: Act) -> HttpResponse | None:
    email = get_object_or_404(
        OutboundEmail,
        pk=small_int(act.http.POST.get("email")) or 0,
        related_reference=act.cancellation.reference,
    )
    email_resend(email=email, actor=act.actor, ip=act.ip)
    messages.success(act.http, _("The e-mail will be sent again."))
    return None


ACTIONS: dict[str, Callable[[Act], HttpResponse | None]] = {
    "confirm": _confirm,
    "reject": _reject,
    "withdraw": _withdraw,
    "note": _note,
    "remind": _remind,
    "check": _check,
    "resend": _resend,
}


@agent_required
@require_POST
def request_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    """One POST endpoint per action (ACTIONS); `seen_status` is the status the agent saw,
    so an action on a request another agent changed meanwhile is refused with what
    happened."""
    do = ACTIONS.get(action)
    if do is None:
        return HttpResponse(status=404)
    cancellation = _get(reference)
    act = Act(
        http=request,
        cancellation=cancellation,
        actor=request.user,  # type: ignore[arg-type]
        ip=client_ip(request),
        seen=request.POST.get("seen_status") or None,
    )
    try:
        answer = do(act)
    except Refusal as exc:
        messages.error(request, exc.message)
        answer = None
    except CancellationRequest.access_form.RelatedObjectDoesNotExist:
        messages.error(request, _("This request has no line-access form."))
        answer = None
    return answer or redirect("backoffice:request_detail", reference=cancellation.reference)
