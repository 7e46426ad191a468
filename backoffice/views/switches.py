"""Switches placed by gaining providers: by status and provider, with their dates and
their OPTimo forms."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from backoffice.access import agent_required, is_supervisor
from backoffice.exports import switches_csv, wants_export
from switching.filters import provider_names, switches
from switching.models import SwitchStatus

PAGE_SIZE = 50


@agent_required
def switch_list(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    status = request.GET.get("status", "")
    provider = request.GET.get("provider", "")
    found = switches(status, provider)
    export, machine = wants_export(request.GET)
    if export:
        if is_supervisor(request):
            return switches_csv(found, machine=machine)
        messages.error(request, _("Only supervisors can export lists."))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/switch_list.html",
        {
            "page": page,
            "statuses": SwitchStatus.choices,
            "status": status,
            "providers": provider_names(),
            "provider": provider,
            "query": query.urlencode(),
        },
    )
