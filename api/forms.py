"""OPTimo forms in the integration API: list, read, the signed document, and the
operator's answer."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router

from access_forms.errors import FormError
from access_forms.forwarding import form_record_answer
from access_forms.models import AccessLineForm
from access_forms.views import document_response
from api.auth import read_key, write_key
from api.errors import ApiError
from api.idempotency import idempotent
from api.schemas import ERRORS, IDEMPOTENCY, AnswerIn, FormFilters, FormOut
from toolbox.client_address import client_ip

router = Router(tags=["integration"])


def _form_out(form: AccessLineForm) -> FormOut:
    return FormOut(
        reference=form.request.reference,
        kind=form.kind,
        status=form.status,
        line_number=form.line_number,
        holder_name=form.holder_name,
        signed_at=form.signed_at,
        has_document=bool(form.document),
        batch=form.batch.reference if form.batch else None,
        forwarded_at=form.forwarded_at,
        operator_answered_at=form.operator_answered_at,
        operator_reference=form.operator_reference,
        operator_refusal_reason=form.operator_refusal_reason,
    )


def _get_form(reference: str) -> AccessLineForm:
    form = (
        AccessLineForm.objects.select_related("request", "batch")
        .filter(request__reference=reference.strip().upper())
        .first()
    )
    if form is None:
        raise ApiError(404, "not_found", _("This request has no line-access form."))
    return form


@router.get(
    "/forms", auth=read_key, response={200: list[FormOut], **ERRORS}, summary="OPTimo forms"
)
def list_forms(request: HttpRequest, filters: Query[FormFilters]) -> list[FormOut]:
    forms = AccessLineForm.objects.select_related("request", "batch").order_by("-id")
    if filters.status:
        forms = forms.filter(status=filters.status)
    return [_form_out(f) for f in forms[filters.offset : filters.offset + filters.limit]]


@router.get(
    "/forms/{reference}",
    auth=read_key,
    response={200: FormOut, **ERRORS},
    summary="The OPTimo form of a request",
)
def get_form(request: HttpRequest, reference: str) -> FormOut:
    return _form_out(_get_form(reference))


@router.get(
    "/forms/{reference}/document",
    auth=read_key,
    response={200: None, **ERRORS},
    summary="The signed form (PDF or scan), as stored",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document, as a download",
                "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
            }
        }
    },
)
def get_form_document(request: HttpRequest, reference: str) -> HttpResponse:
    form = _get_form(reference)
    if not form.document:
        raise ApiError(404, "no_document", _("This form is not signed yet."))
    return document_response(form)


@router.post(
    "/forms/{reference}/answer",
    auth=write_key,
    response={200: FormOut, **ERRORS},
    summary="Record the operator's answer to a forwarded form",
    openapi_extra=IDEMPOTENCY,
)
@idempotent
def record_answer(request: HttpRequest, reference: str, payload: AnswerIn) -> FormOut:
    try:
        form_record_answer(
            form=_get_form(reference),
            accepted=payload.accepted,
            operator_reference=payload.operator_reference,
            reason=payload.reason,
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
        )
    except FormError as exc:
        raise ApiError(409 if exc.code.startswith("not_") else 422, exc.code, exc.message) from None
    return _form_out(_get_form(reference))
