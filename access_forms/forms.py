from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from access_forms.pdf import SIGNATURE_FONT, printing_refusal


def one_line(value: str) -> None:
    """What is printed on the legal form (address, phone) is one visible, printable line."""
    if refusal := printing_refusal(value):
        raise ValidationError(refusal[1], code=refusal[0])


def printed_name(value: str) -> None:
    """A name printed on the form: one line, printable, with letters."""
    if refusal := printing_refusal(value, needs_letter=True):
        raise ValidationError(refusal[1], code=refusal[0])


def typed_signature(value: str) -> None:
    """A name drawn as a signature, in the signature font."""
    if value.strip() and (
        refusal := printing_refusal(value, font=SIGNATURE_FONT, needs_letter=True)
    ):
        raise ValidationError(refusal[1], code=refusal[0])


class SignForm(forms.Form):
    signer_name = forms.CharField(
        label=_("Name of the person who signs"), max_length=200, validators=[printed_name],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter the name of the person who signs.")},
    )  # fmt: skip
    holder_address = forms.CharField(
        label=_("Line holder's address"),
        max_length=300,
        validators=[one_line],
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    holder_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        validators=[one_line],
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    holder_email = forms.EmailField(
        label=_("Contact e-mail"), required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )  # fmt: skip
    signature_data = forms.CharField(widget=forms.HiddenInput, required=False)
    typed_signature = forms.CharField(
        label=_("Or type your name as a signature"),
        max_length=80,
        required=False,
        validators=[typed_signature],
    )
    consent = forms.BooleanField(
        label=_("I certify that I am the holder of this phone line and that I sign this form."),
        error_messages={"required": _("Tick the box to certify that you are the line holder.")},
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("signature_data") and not (data.get("typed_signature") or "").strip():
            raise forms.ValidationError(
                _("Draw your signature or type your name."), code="signature_missing"
            )
        return data


class LinkForm(forms.Form):
    email = forms.EmailField(
        label=_("The line holder's e-mail address"),
        error_messages={"required": _("Enter the line holder's e-mail address.")},
    )


class UploadForm(forms.Form):
    document = forms.FileField(
        label=_("Signed form (PDF, PNG or JPEG, 10 MB at most)"),
        error_messages={"required": _("Choose the file of the signed form.")},
    )
