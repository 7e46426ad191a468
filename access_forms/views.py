"""Step 2 in the client area: read, sign, send for signature or upload the OPTimo form."""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access_forms.forms import LinkForm, SignForm, UploadForm
from access_forms.holder_links import form_from_link, form_send_link
from access_forms.models import AccessLineForm, PdfToRead
from access_forms.services import FormError, preview_pdf
from access_forms.signing import Signature, form_sign, form_upload
from accounts.access import customer_required
from customers.models import Customer
from toolbox.client_address import client_ip
from toolbox.throttle import refused


def _agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def get_form_for_customer(customer: Customer, reference: str) -> AccessLineForm:
    """The one way a client-area view reaches a form: the form of one of the customer's
    own requests; a stranger gets 404, never data."""
    form = (
        AccessLineForm.objects.select_related("request__customer")
        .filter(request__customer=customer, request__reference=reference)
        .first()
    )
    if form is None:
        raise Http404
    return form


def _signature(form: SignForm) -> Signature:
    data = form.cleaned_data
    return Signature(
        signer_name=data["signer_name"],
        consent=data["consent"],
        drawn=data.get("signature_data", ""),
        typed=data.get("typed_signature", ""),
        holder_address=data["holder_address"],
        holder_phone=data.get("holder_phone", ""),
        holder_email=data.get("holder_email", ""),
    )


def _initial(access_form: AccessLineForm) -> dict[str, str]:
    return {
        "signer_name": access_form.holder_name,
        "holder_address": access_form.holder_address,
        "holder_phone": access_form.holder_phone,
        "holder_email": access_form.holder_email,
    }


def _page(
    request: HttpRequest,
    access_form: AccessLineForm,
    sign_form: SignForm | None = None,
    link_form: LinkForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "access_forms/form_page.html",
        {
            "access_form": access_form,
            "cancellation": access_form.request,
            "sign_form": sign_form or SignForm(initial=_initial(access_form)),
            "link_form": link_form or LinkForm(),
            "upload_form": upload_form or UploadForm(),
            "pdf_to_read": PdfToRead.objects.filter(form=access_form).first()
            if access_form.can_be_signed
            else None,
        },
        status=status,
    )


@customer_required
def form_page(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    return _page(request, get_form_for_customer(customer, reference))


@customer_required
@require_POST
def sign(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    access_form = get_form_for_customer(customer, reference)
    sign_form = SignForm(request.POST)
    if not sign_form.is_valid():
        return _page(request, access_form, sign_form=sign_form, status=400)
    try:
        form_sign(
            form=access_form,
            signature=_signature(sign_form),
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
            user_agent=_agent(request),
        )
    except FormError as exc:
        sign_form.add_error(None, exc.message)
        return _page(request, access_form, sign_form=sign_form, status=400)
    messages.success(request, _("Thank you: the signed form has been received."))
    return redirect("access_forms:form_page", reference=reference)


@customer_required
@require_POST
def send_link(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    access_form = get_form_for_customer(customer, reference)
    link_form = LinkForm(request.POST)
    if not link_form.is_valid():
        return _page(request, access_form, link_form=link_form, status=400)
    try:
        form_send_link(
            form=access_form,
            email=link_form.cleaned_data["email"],
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
        )
    except FormError as exc:
        if exc.code == "too_many_links":
            refused("signing-links")
        link_form.add_error(None, exc.message)
        return _page(request, access_form, link_form=link_form, status=400)
    messages.success(
        request,
        _("A signing link has been sent to %(email)s.")
        % {"email": link_form.cleaned_data["email"]},
    )
    return redirect("access_forms:form_page", reference=reference)


@customer_required
@require_POST
def upload(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    access_form = get_form_for_customer(customer, reference)
    upload_form = UploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        return _page(request, access_form, upload_form=upload_form, status=400)
    document = upload_form.cleaned_data["document"]
    try:
        received = form_upload(
            form=access_form,
            chunks=document.chunks(),
            size=document.size,
            actor=request.user,  # type: ignore[arg-type]
            ip=client_ip(request),
            user_agent=_agent(request),
        )
    except FormError as exc:
        upload_form.add_error("document", exc.message)
        status = 429 if exc.code == "too_many_uploads" else 400
        return _page(request, access_form, upload_form=upload_form, status=status)
    if isinstance(received, PdfToRead):
        messages.success(
            request,
            _(
                "Thank you: your PDF has arrived. We are reading it, and e-mail you as soon "
                "as it is read, usually within a minute."
            ),
        )
        return redirect("access_forms:form_page", reference=reference)
    messages.success(request, _("Thank you: the signed form has been received."))
    return redirect("access_forms:form_page", reference=reference)


def document_response(access_form: AccessLineForm, *, original: bool = False) -> HttpResponse:
    """The signed form as a download; with `original`, the PDF as its sender sent it."""
    name = (access_form.original_document if original else access_form.document).name
    if not name:
        raise Http404
    extension = name.rsplit(".", 1)[-1]
    # What a sender uploaded is never rendered by the browser as part of our site: it is
    # downloaded, its type is not guessed, and it may run nothing if opened in place.
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=f"{access_form.request.reference}{'-original' if original else ''}.{extension}",
        content_type=access_form.document_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response  # type: ignore[return-value]


@customer_required
def document(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    """The signed form, to the customer whose request it is (and to no one else)."""
    return document_response(get_form_for_customer(customer, reference))


@customer_required
def preview(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    access_form = get_form_for_customer(customer, reference)
    response = HttpResponse(preview_pdf(access_form), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{reference}-preview.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def holder_sign(request: HttpRequest, token: str) -> HttpResponse:
    """The line holder's page, reached from the e-mailed link: no login needed."""
    try:
        access_form = form_from_link(token)
    except FormError as exc:
        return render(
            request,
            "access_forms/link_error.html",
            {"message": exc.message, "code": exc.code},
            status=410,
        )
    sign_form = SignForm(request.POST or None, initial=_initial(access_form))
    if request.method == "POST" and sign_form.is_valid():
        try:
            form_sign(
                form=access_form,
                signature=_signature(sign_form),
                actor=None,
                ip=client_ip(request),
                user_agent=_agent(request),
                via_link=True,
            )
        except FormError as exc:
            sign_form.add_error(None, exc.message)
        else:
            return render(request, "access_forms/holder_done.html", {"access_form": access_form})
    return render(
        request,
        "access_forms/holder_sign.html",
        {"access_form": access_form, "sign_form": sign_form, "token": token},
        status=400 if request.method == "POST" else 200,
    )
