"""Supervisors' integrations: API keys (shown once, revocable) and webhook endpoints
(secret shown once, event types, the delivery log, a test event, replays)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from api.keys import api_key_create, api_key_revoke
from api.models import ApiKey, Scope
from backoffice.access import supervisor_required
from rules import start_of_day
from switching.models import Provider
from toolbox.client_address import client_ip
from toolbox.filters import BoundedDateField
from toolbox.numbers import small_int
from webhooks.addresses import refusal
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_enable,
    webhook_replay,
    webhook_replay_since,
    webhook_test,
)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (who uses it)"), max_length=100)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=Scope.choices)
    provider = forms.CharField(
        label=gettext_lazy("New provider (a switching key)"),
        help_text=gettext_lazy(
            "The provider the key belongs to: a name already in use adds a key to that "
            "provider (to replace one, then revoke the old); empty, the key's name."
        ),
        max_length=100,
        required=False,
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Expires (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("provider", "").strip() and data.get("scope") != Scope.SWITCHING:
            self.add_error(
                "provider", _("Only a switching key belongs to a new provider: leave it empty.")
            )
        return data


class ReplaySinceForm(forms.Form):
    since = BoundedDateField()


class EndpointForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events (none ticked: all)"),
        choices=[(t, t) for t in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # A gaining provider's endpoint gets only the events of its own switches.
    provider = forms.ModelChoiceField(
        label=gettext_lazy("For a new provider (its own switches only)"),
        queryset=Provider.objects.all(),
        required=False,
        empty_label=gettext_lazy("No: the ISP's own systems (every event)"),
    )

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        refused = refusal(url)
        if refused is not None:
            raise forms.ValidationError(refused, code="refused")
        return url


@supervisor_required
@require_http_methods(["GET", "POST"])
def integrations(request: HttpRequest) -> HttpResponse:
    key_form = ApiKeyForm(request.POST if "key-name" in request.POST else None, prefix="key")
    endpoint_form = EndpointForm(
        request.POST if "hook-url" in request.POST else None, prefix="hook"
    )
    shown_once: dict[str, str] = {}
    if request.method == "POST":
        if key_form.is_bound and key_form.is_valid():
            api_key, secret = api_key_create(
                name=key_form.cleaned_data["name"],
                scope=key_form.cleaned_data["scope"],
                expires_at=key_form.cleaned_data["expires_at"],
                actor=request.user,  # type: ignore[arg-type]
                ip=client_ip(request),
                provider=key_form.cleaned_data["provider"].strip(),
            )
            shown_once = {
                "what": _("API key %(name)s") % {"name": api_key.name}
                if api_key.provider is None
                else _("API key %(name)s of %(provider)s")
                % {"name": api_key.name, "provider": api_key.provider.name},
                "value": secret,
            }
            key_form = ApiKeyForm(prefix="key")
        elif endpoint_form.is_bound and endpoint_form.is_valid():
            endpoint, secret = webhook_endpoint_create(
                url=endpoint_form.cleaned_data["url"],
                event_types=endpoint_form.cleaned_data["event_types"],
                description=endpoint_form.cleaned_data["description"],
                actor=request.user,  # type: ignore[arg-type]
                ip=client_ip(request),
                provider_id=p.pk if (p := endpoint_form.cleaned_data["provider"]) else None,
            )
            shown_once = {
                "what": _("signing secret of %(url)s") % {"url": endpoint.url},
                "value": secret,
            }
            endpoint_form = EndpointForm(prefix="hook")
    return render(
        request,
        "backoffice/integrations.html",
        {
            "keys": ApiKey.objects.select_related("created_by", "provider"),
            "endpoints": WebhookEndpoint.objects.select_related("provider"),
            "key_form": key_form,
            "endpoint_form": endpoint_form,
            "shown_once": shown_once,
        },
        status=400 if request.method == "POST" and not shown_once else 200,
    )


@supervisor_required
@require_POST
def api_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    api_key = get_object_or_404(ApiKey, pk=pk)
    api_key_revoke(api_key=api_key, actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]
    messages.success(request, _("Key %(name)s revoked.") % {"name": api_key.name})
    return redirect("backoffice:integrations")


@supervisor_required
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .prefetch_related("attempt_log")
        .order_by("-id")
    )
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/endpoint_detail.html",
        {"endpoint": endpoint, "page": page, "query": ""},
    )


@supervisor_required
@require_POST
def endpoint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    actor = request.user
    ip = client_ip(request)
    if action == "test":
        webhook_test(endpoint=endpoint, actor=actor, ip=ip)  # type: ignore[arg-type]
        messages.success(request, _("A test event is on its way."))
    elif action in ("enable", "disable"):
        webhook_endpoint_enable(endpoint=endpoint, active=action == "enable", actor=actor, ip=ip)  # type: ignore[arg-type]
        messages.success(request, _("Endpoint updated."))
    elif action == "replay":
        raw = request.POST.get("delivery", "")
        delivery = get_object_or_404(WebhookDelivery, pk=small_int(raw) or 0, endpoint=endpoint)
        webhook_replay(delivery=delivery, actor=actor, ip=ip)  # type: ignore[arg-type]
        messages.success(request, _("The event will be sent again."))
    elif action == "replay-since":
        form = ReplaySinceForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the day to replay from."))
        else:
            count = webhook_replay_since(
                endpoint=endpoint,
                since=start_of_day(form.cleaned_data["since"]),
                actor=actor,  # type: ignore[arg-type]
                ip=ip,
            )
            messages.success(
                request,
                ngettext(
                    "%(count)s event will be sent again.",
                    "%(count)s events will be sent again.",
                    count,
                )
                % {"count": count},
            )
    else:
        return HttpResponse(status=404)
    return redirect("backoffice:endpoint_detail", pk=endpoint.pk)
