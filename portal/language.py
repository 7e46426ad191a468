"""A customer's language is theirs, not the browser's: pages and e-mails agree.

At log-in the customer's stored language (the one their e-mails use) becomes the page
language for the session; switching language in the client area stores the new choice on
the customer, so the next e-mail is in the language the pages speak.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from customers.models import Customer

SESSION_KEY = "customer_language"
LANGUAGES = {code for code, _name in settings.LANGUAGES}


@receiver(user_logged_in)
def _remember_customer_language(
    sender: object, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is None or not hasattr(request, "session"):
        return
    language = Customer.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    if language in LANGUAGES:
        request.session[SESSION_KEY] = language


class CustomerLanguageMiddleware:
    """After LocaleMiddleware: a logged-in customer's language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if language in LANGUAGES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, plus: a customer's choice is stored for their e-mails."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if language in LANGUAGES:
        if SESSION_KEY in request.session:
            request.session[SESSION_KEY] = language
        if request.user.is_authenticated:
            Customer.objects.filter(user_id=request.user.pk).update(language=language)
    return response
