"""Who reaches the back office: agents process, supervisors also export, read the audit
log and change settings (SPEC §4). A customer account never gets in, whatever groups it
is in; superusers count as supervisors."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _

from accounts.login_guard import GuessesCountedFirst
from accounts.models import User
from accounts.roles import AGENT, SUPERVISOR

View = Callable[..., HttpResponse | StreamingHttpResponse]

ROLE_RANK = {AGENT: 1, SUPERVISOR: 2}


def staff_role(user: Any) -> str | None:
    """AGENT, SUPERVISOR or None; read once per request and kept on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if hasattr(user, "_backoffice_role"):
        cached: str | None = user._backoffice_role
        return cached
    role: str | None
    if User.objects.filter(pk=user.pk, customer__isnull=False).exists():
        role = None
    elif user.is_superuser:
        role = SUPERVISOR
    else:
        names = set(user.groups.values_list("name", flat=True))
        role = SUPERVISOR if SUPERVISOR in names else AGENT if AGENT in names else None
    user._backoffice_role = role
    return role


def _role_required(
    minimum: str,
) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponse | StreamingHttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url="backoffice:login")
            role = staff_role(request.user)
            if role is None or ROLE_RANK[role] < ROLE_RANK[minimum]:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.backoffice_role = minimum  # type: ignore[attr-defined]
        return wrapper

    return decorator


agent_required = _role_required(AGENT)
supervisor_required = _role_required(SUPERVISOR)


def is_supervisor(request: HttpRequest) -> bool:
    return staff_role(request.user) == SUPERVISOR


class StaffLoginForm(GuessesCountedFirst):
    """The back office's login: a customer's correct password still does not open it."""

    username = forms.CharField(label=_("User name"), max_length=150)

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if staff_role(user) is None:
            raise forms.ValidationError(
                _("This account cannot use the back office."), code="not_staff"
            )
