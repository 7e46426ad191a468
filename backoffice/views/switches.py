"""Switches placed by gaining providers: by status and provider, with their dates and
their OPTimo forms."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.access import agent_required
from switching.filters import provider_names, switches
from switching.models import SwitchStatus

PAGE_SIZE = 50


@agent_required
def switch_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    provider = request.GET.get("provider", "")
    page = Paginator(switches(status, provider), PAGE_SIZE).get_page(request.GET.get("page"))
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
