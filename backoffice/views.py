"""Staff pages for the OPTimo forms: check, forward to the operator, record answers."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from access_forms.forwarding import (
    FORWARDABLE_REQUEST_STATUSES,
    answers_import,
    batch_forward,
    form_record_answer,
    forwardable_forms,
    recalls_to_send,
)
from access_forms.models import AccessLineForm, FormStatus, ForwardingBatch
from access_forms.services import FormError, form_check
from access_forms.views import document_response
from resilia.client_address import client_ip


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url="admin:login")
        if not request.user.has_perm("access_forms.change_accesslineform"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class CheckForm(forms.Form):
    valid = forms.TypedChoiceField(
        label=gettext_lazy("Result"),
        choices=[("1", gettext_lazy("Valid")), ("0", gettext_lazy("Not valid"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(
        max_length=500, required=False, label=gettext_lazy("Reason (if not valid)")
    )


class AnswerForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=gettext_lazy("Answer"),
        choices=[("1", gettext_lazy("Accepted")), ("0", gettext_lazy("Refused"))],
        coerce=lambda v: v == "1",
    )
    operator_reference = forms.CharField(
        max_length=100, required=False, label=gettext_lazy("Operator's reference")
    )
    reason = forms.CharField(
        max_length=500, required=False, label=gettext_lazy("Reason for the refusal")
    )


class AnswerFileForm(forms.Form):
    answers = forms.FileField(label=gettext_lazy("The operator's answer file (CSV)"))


@staff_required
def forms_queue(request: HttpRequest) -> HttpResponse:
    # Forms of withdrawn or rejected requests never go to the operator: not listed.
    base = (
        AccessLineForm.objects.select_related("request__customer")
        .filter(request__status__in=FORWARDABLE_REQUEST_STATUSES)
        .order_by("id")
    )
    counts = base.aggregate(
        to_check=Count("id", filter=Q(status=FormStatus.SIGNED, checked_at__isnull=True)),
        awaiting=Count("id", filter=Q(status=FormStatus.AWAITING_SIGNATURE)),
        forwarded=Count("id", filter=Q(status=FormStatus.FORWARDED)),
    )
    return render(
        request,
        "backoffice/forms_queue.html",
        {
            "to_check": base.filter(status=FormStatus.SIGNED, checked_at__isnull=True)[:100],
            "ready": forwardable_forms(),
            "forwarded": base.filter(status=FormStatus.FORWARDED)[:100],
            "recalls_waiting": AccessLineForm.objects.filter(
                recall_requested_at__isnull=False, recall_answered_at__isnull=True
            )
            .select_related("request", "recall_batch")
            .order_by("id")[:100],
            "recalls_to_send": recalls_to_send().exists(),
            "counts": counts,
            "batches": ForwardingBatch.objects.annotate(size=Count("forms"))[:10],
            "answer_file_form": AnswerFileForm(),
        },
    )


@staff_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_form = get_object_or_404(
        AccessLineForm.objects.select_related("request__customer", "request__subscription"),
        pk=pk,
    )
    check_form = CheckForm(request.POST or None, prefix="check")
    answer_form = AnswerForm(request.POST or None, prefix="answer")
    if request.method == "POST":
        try:
            if "check-valid" in request.POST and check_form.is_valid():
                form_check(
                    form=access_form,
                    valid=check_form.cleaned_data["valid"],
                    reason=check_form.cleaned_data["reason"],
                    actor=request.user,  # type: ignore[arg-type]
                    ip=client_ip(request),
                    resign_url=request.build_absolute_uri(
                        reverse("access_forms:form_page", args=[access_form.request.reference])
                    ),
                )
                messages.success(request, _("Check saved."))
                return redirect("backoffice:form_detail", pk=pk)
            if "answer-accepted" in request.POST and answer_form.is_valid():
                form_record_answer(
                    form=access_form,
                    accepted=answer_form.cleaned_data["accepted"],
                    operator_reference=answer_form.cleaned_data["operator_reference"],
                    reason=answer_form.cleaned_data["reason"],
                    actor=request.user,  # type: ignore[arg-type]
                    ip=client_ip(request),
                )
                messages.success(request, _("Operator's answer saved."))
                return redirect("backoffice:form_detail", pk=pk)
        except FormError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "backoffice/form_detail.html",
        {"access_form": access_form, "check_form": check_form, "answer_form": answer_form},
    )


@staff_required
def form_document(request: HttpRequest, pk: int) -> HttpResponse:
    access_form = get_object_or_404(AccessLineForm.objects.select_related("request"), pk=pk)
    return document_response(access_form)


@staff_required
@require_POST
def forward(request: HttpRequest) -> HttpResponse:
    batch = batch_forward(actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]
    if batch is None:
        messages.info(request, _("No checked form is waiting to be forwarded."))
    else:
        messages.success(
            request,
            _("Batch %(batch)s sent to %(to)s (%(count)s forms).")
            % {"batch": batch.reference, "to": batch.recipient, "count": batch.forms.count()},
        )
    return redirect("backoffice:forms_queue")


@staff_required
@require_POST
def import_answers(request: HttpRequest) -> HttpResponse:
    form = AnswerFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the operator's CSV file."))
        return redirect("backoffice:forms_queue")
    raw = form.cleaned_data["answers"].read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    result = answers_import(text, actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]
    messages.success(request, _("%(count)s answer(s) saved.") % {"count": result.applied})
    for line, reason in result.errors:
        messages.warning(request, _("Line %(line)s: %(reason)s") % {"line": line, "reason": reason})
    return redirect("backoffice:forms_queue")
