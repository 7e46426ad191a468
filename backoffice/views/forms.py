"""The OPTimo forms: the queue in every status, the check, the batches to the operator and
its answers."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from access_forms.forwarding import (
    answers_import,
    batch_forward,
    form_record_answer,
    recalls_to_send,
)
from access_forms.models import AccessLineForm, FormStatus, ForwardingBatch
from access_forms.services import FormError, form_check
from access_forms.views import document_response
from backoffice.access import agent_required, is_supervisor, supervisor_required
from backoffice.exports import forms_csv, wants_export
from backoffice.filters import FormFilter
from backoffice.paging import IdPaginator
from toolbox.client_address import client_ip
from toolbox.filters import ignored_filters
from toolbox.noumea import NOUMEA


class CheckForm(forms.Form):
    # Nothing chosen in advance: saving without looking decides nothing.
    valid = forms.TypedChoiceField(
        label=gettext_lazy("Result"),
        choices=[("1", gettext_lazy("Valid")), ("0", gettext_lazy("Not valid"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say whether the form is valid.")},
    )
    reason = forms.CharField(
        max_length=500, required=False, label=gettext_lazy("Reason (if not valid)")
    )


class AnswerForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=gettext_lazy("Answer"),
        choices=[("1", gettext_lazy("Accepted")), ("0", gettext_lazy("Refused"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Say whether the operator accepted the form.")},
    )
    operator_reference = forms.CharField(
        max_length=100, required=False, label=gettext_lazy("Operator's reference")
    )
    reason = forms.CharField(
        max_length=500, required=False, label=gettext_lazy("Reason for the refusal")
    )


class AnswerFileForm(forms.Form):
    answers = forms.FileField(label=gettext_lazy("The operator's answer file (CSV)"))


FORMS_PAGE_SIZE = 50


@agent_required
def forms_queue(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every form in every status, filtered and searched; the forwarding and the answer
    import sit on top. Forms of withdrawn or rejected requests show as cancelled; a
    request that needs none (no OPTimo line) has no row here, nor in the export."""
    base = AccessLineForm.objects.exclude(status=FormStatus.NOT_NEEDED).order_by(
        "-request__received_at", "-id"
    )
    filterset = FormFilter(request.GET or None, queryset=base)
    for label in ignored_filters(filterset):
        messages.warning(
            request,
            _("The filter “%(filter)s” was ignored: its value is not valid.") % {"filter": label},
        )
    export, machine = wants_export(request.GET)
    if export:
        if is_supervisor(request):
            return forms_csv(filterset.qs, machine=machine)
        messages.error(request, _("Only supervisors can export lists."))
    # By status alone (indexed): a withdrawn or rejected request's form is cancelled.
    counts = AccessLineForm.objects.filter(
        status__in=[
            FormStatus.SIGNED,
            FormStatus.AWAITING_SIGNATURE,
            FormStatus.INVALID,
            FormStatus.FORWARDED,
        ]
    ).aggregate(
        to_check=Count("id", filter=Q(status=FormStatus.SIGNED, checked_at__isnull=True)),
        ready=Count("id", filter=Q(status=FormStatus.SIGNED, checked_at__isnull=False)),
        awaiting=Count("id", filter=Q(status=FormStatus.AWAITING_SIGNATURE)),
        invalid=Count("id", filter=Q(status=FormStatus.INVALID)),
        forwarded=Count("id", filter=Q(status=FormStatus.FORWARDED)),
    )
    page = IdPaginator(
        filterset.qs,
        FORMS_PAGE_SIZE,
        rows=AccessLineForm.objects.select_related("request__customer", "batch"),
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/forms_queue.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.now().astimezone(NOUMEA).date(),
            "recalls_to_send": recalls_to_send().count(),
            "counts": counts,
            "answer_file_form": AnswerFileForm(),
        },
    )


@agent_required
def batch_list(request: HttpRequest) -> HttpResponse:
    # Newest first, said here: a query with aggregates does not take the model's ordering.
    batches = (
        ForwardingBatch.objects.select_related("email", "created_by")
        .annotate(
            size=Count("forms", distinct=True),
            recall_count=Count("recalls", distinct=True),
            unanswered=Count(
                "forms",
                filter=Q(
                    forms__status=FormStatus.FORWARDED, forms__operator_answered_at__isnull=True
                ),
                distinct=True,
            ),
        )
        .order_by("-created_at", "-id")
    )
    page = Paginator(batches, 50).get_page(request.GET.get("page"))
    return render(request, "backoffice/batch_list.html", {"page": page})


@agent_required
def batch_detail(request: HttpRequest, reference: str) -> HttpResponse:
    batch = get_object_or_404(
        ForwardingBatch.objects.select_related("email", "created_by"), reference=reference
    )
    manifest = next(
        (
            a.get("content", "")
            for a in (batch.email.attachments if batch.email else [])
            if a.get("filename", "").endswith(".csv")
        ),
        "",
    )
    return render(
        request,
        "backoffice/batch_detail.html",
        {
            "batch": batch,
            "forms": batch.forms.select_related("request__customer").order_by("id"),
            "recalls": batch.recalls.select_related("request__customer").order_by("id"),
            "manifest": manifest,
        },
    )


@agent_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access_form = get_object_or_404(
        AccessLineForm.objects.select_related("request__customer", "request__subscription"),
        pk=pk,
    )
    action = request.POST.get("action")  # which form was sent: only it is read
    check_form = CheckForm(request.POST if action == "check" else None, prefix="check")
    answer_form = AnswerForm(request.POST if action == "answer" else None, prefix="answer")
    status = 200
    if request.method == "POST":
        status = 400  # unless a valid form is saved (then a redirect)
        try:
            if action == "check" and check_form.is_valid():
                form_check(
                    form=access_form,
                    valid=check_form.cleaned_data["valid"],
                    reason=check_form.cleaned_data["reason"],
                    actor=request.user,  # type: ignore[arg-type]
                    ip=client_ip(request),
                )
                messages.success(request, _("Check saved."))
                return redirect("backoffice:form_detail", pk=pk)
            if action == "answer" and answer_form.is_valid():
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
        status=status,
    )


@agent_required
def form_document(request: HttpRequest, pk: int) -> HttpResponse:
    access_form = get_object_or_404(AccessLineForm.objects.select_related("request"), pk=pk)
    return document_response(access_form)


@supervisor_required
def form_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF as the sender uploaded it: evidence, for supervisors only (agents and the
    operator get the copy rebuilt from its pixels)."""
    access_form = get_object_or_404(AccessLineForm.objects.select_related("request"), pk=pk)
    return document_response(access_form, original=True)


@agent_required
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


@agent_required
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
