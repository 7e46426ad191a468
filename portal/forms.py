from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.login_guard import GuessesCountedFirst
from accounts.models import User
from accounts.services import normalize_client_code


class ClientCodeLoginForm(GuessesCountedFirst):
    """Log in with the client code printed on the contract and the invoices."""

    username = forms.CharField(
        label=_("Client code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "characters"}
        ),
        help_text=_("Printed on your contract and on your invoices."),
    )
    error_messages = {
        "invalid_login": _(
            "This client code and password do not match. Check them and try again "
            "(the password is case-sensitive)."
        ),
        "inactive": _("This account is disabled. Please contact support."),
    }

    def clean_username(self) -> str:
        return normalize_client_code(self.cleaned_data["username"])

    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        # Staff accounts use the back office; the client area is for customers only.
        if not user.is_customer:
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class AccessLinkForm(forms.Form):
    client_code = forms.CharField(
        label=_("Client code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
        help_text=_("Printed on your contract and on your invoices."),
    )
    email = forms.EmailField(
        label=_("E-mail address on file"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_client_code(self) -> str:
        return normalize_client_code(self.cleaned_data["client_code"])


class ChoosePasswordForm(SetPasswordForm):
    pass
