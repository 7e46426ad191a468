from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import customer_required
from accounts.login_guard import guesses_forget
from accounts.services import access_link_request
from customers.models import Customer, SubscriptionStatus
from customers.selectors import subscriptions_for_customer
from notifications.models import OutboundEmail
from notifications.secret_links import reveal
from notifications.services import email_rendered
from portal.forms import AccessLinkForm, ChoosePasswordForm, ClientCodeLoginForm
from switching.matching import pending_matches, switch_under_way, switching_code_renew
from toolbox.client_address import client_ip


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = ClientCodeLoginForm
    redirect_authenticated_user = True


@customer_required
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {"customer": customer, "subscriptions": subscriptions_for_customer(customer)},
    )


@customer_required
@require_http_methods(["GET", "POST"])
def renew_switching_code(request: HttpRequest, customer: Customer, reference: str) -> HttpResponse:
    """A new switching code: the old one, and whatever a provider matched with it, stop
    working (the customer who thinks someone has it without reason). What it breaks is
    said first."""
    subscription = (
        customer.subscriptions.exclude(status=SubscriptionStatus.TERMINATED)
        .filter(reference=reference)
        .first()
    )
    if subscription is None:
        raise Http404
    if request.method == "GET":
        now = timezone.now()
        return render(
            request,
            "portal/renew_switching_code.html",
            {
                "subscription": subscription,
                "pending": pending_matches(subscription, now),
                "ordered": switch_under_way(subscription),
            },
        )
    switching_code_renew(subscription=subscription, actor=request.user, ip=client_ip(request))  # type: ignore[arg-type]
    messages.success(
        request,
        _("Your new switching code for %(reference)s works at once; the old one no longer does.")
        % {"reference": subscription.reference},
    )
    return redirect("portal:home")


@customer_required
def plans(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "portal/plans.html",
        {"customer": customer, "subscriptions": subscriptions_for_customer(customer)},
    )


def _access_link_view(request: HttpRequest, *, purpose: str) -> HttpResponse:
    form = AccessLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        access_link_request(
            client_code=form.cleaned_data["client_code"],
            email=form.cleaned_data["email"],
        )
        # The same answer whether or not the pair matched: the form reveals nothing.
        return redirect("portal:link_sent")
    template = "portal/password_forgotten.html" if purpose == "reset" else "portal/activate.html"
    return render(request, template, {"form": form})


@require_http_methods(["GET", "POST"])
def password_forgotten(request: HttpRequest) -> HttpResponse:
    return _access_link_view(request, purpose="reset")


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    return _access_link_view(request, purpose="activation")


def link_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/link_sent.html")


class SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "portal/set_password.html"
    form_class = ChoosePasswordForm
    post_reset_login = True
    post_reset_login_backend = "accounts.backends.UserBackend"
    success_url = reverse_lazy("portal:home")
    reset_url_token = "choisir"

    def form_valid(self, form: ChoosePasswordForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        # A customer locked out by failed attempts is unlocked by choosing a password.
        axes_reset(username=form.user.get_username())
        guesses_forget(form.user.get_username())
        messages.success(self.request, _("Your password has been saved. You are logged in."))
        return response


DEMO_MAILBOX_SHOWN = 30


def demo_mailbox(request: HttpRequest) -> HttpResponse:
    """The demo's inbox: without SMTP, this is where a person reads the e-mails.

    It shows live links (a visitor of the demo must be able to choose a password), so
    settings refuse to turn it on when DEBUG is off.
    """
    if not settings.RESILIA_DEMO_MAILBOX:
        raise Http404
    recipients = list(
        OutboundEmail.objects.order_by("to").values_list("to", flat=True).distinct()[:200]
    )
    to = request.GET.get("to", "")
    found = OutboundEmail.objects.order_by("-created_at", "-id")
    if to:
        found = found.filter(to=to)
    emails = list(found[:DEMO_MAILBOX_SHOWN])
    for email in emails:
        # A message its sender renders shows here as it will be sent, before it is.
        email_rendered(email, keep=False)
        email.body_text = reveal(email.body_text, email.secret_link)
    return render(
        request,
        "portal/demo_mailbox.html",
        {"emails": emails, "recipients": recipients, "to": to, "shown": DEMO_MAILBOX_SHOWN},
    )
