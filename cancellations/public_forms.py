"""The public page's forms: what is asked, and only that (§312k BGB: identification fields,
the subscription, the date, the kind)."""

import re
import uuid
from datetime import datetime
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from cancellations.drafts import kind_problems, quote_date
from cancellations.errors import RequestError
from cancellations.forms import (
    MailboxAndPhoneLineQuestions,
    desired_date_field,
    kind_detail_field,
    kind_field,
    new_isp_field,
)
from cancellations.models import Kind
from cancellations.public import Submitted
from rules import month_end
from toolbox.noumea import NOUMEA

PHONE = re.compile(r"^\+?[0-9 .\-()]{6,20}$")


class PublicCancellationForm(MailboxAndPhoneLineQuestions):
    client_code = forms.CharField(
        label=_("Client code"),
        max_length=20,
        help_text=_("On your invoices, e.g. C123456."),
        error_messages={"required": _("Enter your client code.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "characters"}),
    )
    last_name = forms.CharField(
        label=_("Last name of the account holder"),
        max_length=100,
        error_messages={"required": _("Enter the account holder's last name.")},
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    contact = forms.CharField(
        label=_("E-mail or phone"),
        max_length=254,
        help_text=_(
            "The e-mail address of your account receives a code to confirm at once; "
            "otherwise we call you to verify."
        ),
        error_messages={"required": _("Enter an e-mail address or a phone number.")},
        widget=forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    subscription = forms.CharField(
        label=_("Subscription to cancel"),
        max_length=100,
        help_text=_("Its access line number (e.g. 271234) or its plan name (e.g. Fibre 100)."),
        error_messages={"required": _("Say which subscription to cancel.")},
    )
    desired_date = desired_date_field()
    kind = kind_field()
    new_isp = new_isp_field()
    kind_detail = kind_detail_field()
    # One per form shown: the same form sent twice is one submission.
    form_nonce = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, received_at: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.received_at = received_at
        self.fields["desired_date"].initial = month_end(received_at.astimezone(NOUMEA).date())

    def clean_form_nonce(self) -> str:
        nonce: str = self.cleaned_data.get("form_nonce", "")
        return nonce if re.fullmatch(r"[0-9a-f]{32}", nonce) else uuid.uuid4().hex

    def clean_client_code(self) -> str:
        code = "".join(self.cleaned_data["client_code"].split()).upper()
        if not re.fullmatch(r"[A-Z0-9-]{3,20}", code):
            raise forms.ValidationError(_("A client code has letters and digits only."), "invalid")
        return code

    def clean_contact(self) -> str:
        contact = self.cleaned_data["contact"].strip()
        if "@" in contact:
            try:
                validate_email(contact)
            except forms.ValidationError:
                raise forms.ValidationError(_("Enter a valid e-mail address."), "invalid") from None
            return contact
        if not PHONE.match(contact) or sum(c.isdigit() for c in contact) < 6:
            raise forms.ValidationError(
                _("Enter an e-mail address or a phone number (digits)."), "invalid"
            )
        return contact

    def clean_desired_date(self) -> Any:
        desired = self.cleaned_data["desired_date"]
        try:
            quote_date(desired, self.received_at)
        except RequestError as exc:
            raise forms.ValidationError(exc.message, exc.code) from None
        return desired

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        fields = {"new_isp_required": "new_isp", "detail_required": "kind_detail"}
        for problem in kind_problems(
            kind=data.get("kind", ""),
            new_isp=data.get("new_isp", ""),
            kind_detail=data.get("kind_detail", ""),
        ):
            self.add_error(
                fields.get(problem.code), forms.ValidationError(problem.message, problem.code)
            )
        return data

    def submitted(self) -> Submitted:
        data = self.cleaned_data
        return Submitted(
            client_code=data["client_code"],
            last_name=data["last_name"],
            contact=data["contact"],
            subscription_hint=data["subscription"],
            desired_date=data["desired_date"],
            kind=data["kind"],
            new_isp=data.get("new_isp", "") if data["kind"] == Kind.ISP_CHANGE else "",
            kind_detail=data.get("kind_detail", ""),
            mailbox_retention_months=self.mailbox_retention_months(),
            phone_line_cancelled=bool(data.get("phone_line_cancelled")),
            wants_phone_line_ended=bool(data.get("wants_phone_line_ended")),
        )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code received by e-mail"),
        regex=r"^\s*[0-9]{6}\s*$",
        error_messages={
            "required": _("Enter the 6-digit code."),
            "invalid": _("The code has 6 digits."),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
