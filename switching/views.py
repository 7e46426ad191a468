"""The page the match's e-mail links to: who asked to take the line over and what it
means, "Je n'ai rien demandé" while it can still be stopped, and the mailboxes' retention
before the order. The link is the key (no login: the customer may have no account)."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.access import customer_required
from accounts.models import User
from customers.models import Customer
from switching.implications import active_mailboxes, implications
from switching.models import Switch
from switching.objection import (
    ALREADY_STOPPED,
    link_open,
    match_for_token,
    objection_possible,
    switch_choose_retention,
    switch_object,
)
from switching.refusals import SwitchError
from toolbox.client_address import client_ip
from toolbox.noumea import NOUMEA
from toolbox.numbers import small_int


@never_cache
def objection(request: HttpRequest, token: str) -> HttpResponse:
    match = match_for_token(token)
    if match is None:
        return render(request, "switching/invalid_link.html", status=404)
    now = timezone.now()
    switch = Switch.objects.select_related("request").filter(match=match).first()
    if not link_open(match, switch, now):
        # Nothing can be done any more: the page shows nothing of the customer's.
        return render(request, "switching/invalid_link.html", {"expired": True}, status=410)
    # A customer logged in on this browser is named in the history; anyone else who holds
    # the link acts as the link's holder.
    actor = (
        request.user
        if isinstance(request.user, User) and hasattr(request.user, "customer")
        else None
    )
    today = now.astimezone(NOUMEA).date()
    can_object = objection_possible(match, today)
    if request.method == "POST":
        if request.POST.get("action") == "object" and request.POST.get("confirmed") != "yes":
            # Said before it is done: the provider is told and blocked for a while.
            return render(
                request,
                "switching/objection_confirm.html",
                {
                    "match": match,
                    "switch": switch,
                    "block_days": settings.RESILIA_SWITCH_MATCH_DAYS,
                },
            )
        try:
            if request.POST.get("action") == "retention":
                months = small_int(request.POST.get("months", "")) or 0
                switch_choose_retention(
                    match=match, months=months, actor=actor, ip=client_ip(request)
                )
                messages.success(request, _("Your choice for your mailboxes is recorded."))
            else:
                switch_object(match=match, actor=actor, ip=client_ip(request))
                messages.success(
                    request,
                    _("Stopped: %(isp)s cannot take over your line, and your subscription goes on.")
                    % {"isp": match.provider.name},
                )
        except SwitchError as exc:
            (messages.info if exc.code == ALREADY_STOPPED else messages.error)(request, exc.message)
        return redirect("switching:objection", token=token)
    return render(
        request,
        "switching/objection.html",
        {
            "match": match,
            "switch": switch,
            "subscription": match.subscription,
            "implications": None if switch is not None else implications(match.subscription, now),
            "can_object": can_object,
            # The mailboxes may be kept for as long as the switch may be stopped.
            "mailboxes": [m.address for m in active_mailboxes(match.subscription)]
            if can_object
            else [],
            "kept_months": switch.request.mailbox_retention_months
            if switch is not None
            else match.mailbox_retention_months or 0,
            "retention_choices": settings.RESILIA_MAILBOX_RETENTION_MONTHS,
        },
    )


@customer_required
@require_http_methods(["GET", "POST"])
def client_stop(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    """ "Je n'ai rien demandé" from the client area's request page: the same objection as
    the e-mail's link (the provider told and kept away), said before it is done."""
    switch = (
        Switch.objects.select_related("match__provider", "provider", "request")
        .filter(request__customer=customer, request__reference=reference.strip().upper()[:20])
        .first()
    )
    if switch is None:
        raise Http404
    detail = reverse("cancellations:request_detail", args=[switch.request.reference])
    if not objection_possible(switch.match, timezone.now().astimezone(NOUMEA).date()):
        messages.info(
            request,
            _("This switch can no longer be stopped here: it is “%(status)s”.")
            % {"status": switch.get_status_display()},
        )
        return redirect(detail)
    if request.method == "POST":
        try:
            switch_object(match=switch.match, actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]
        except SwitchError as exc:
            (messages.info if exc.code == ALREADY_STOPPED else messages.error)(request, exc.message)
        else:
            messages.success(
                request,
                _("Stopped: %(isp)s cannot take over your line, and your subscription goes on.")
                % {"isp": switch.provider.name},
            )
        return redirect(detail)
    return render(
        request,
        "switching/objection_confirm.html",
        {
            "match": switch.match,
            "switch": switch,
            "block_days": settings.RESILIA_SWITCH_MATCH_DAYS,
            "back_url": detail,
        },
    )
