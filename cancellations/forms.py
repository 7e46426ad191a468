from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cancellations.drafts import Draft, kind_problems, quote_date, quote_draft
from cancellations.errors import RequestError
from cancellations.models import Kind
from customers.models import Subscription
from rules import Quote, month_end
from toolbox.noumea import NOUMEA

# Which field shows which refusal.
ERROR_FIELDS = {
    "date_in_past": "desired_date",
    "date_too_far": "desired_date",
    "new_isp_required": "new_isp",
    "detail_required": "kind_detail",
    "invalid_retention": "retention_months",
    "terminated": "subscription",
    "invalid_kind": "kind",
}


def desired_date_field() -> forms.DateField:
    return forms.DateField(
        label=_("Desired cancellation date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("No notice: any date from today up to one year ahead."),
        error_messages={
            "required": _("Choose the desired date."),
            "invalid": _("Enter a valid date."),
        },
    )


def kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Kind of cancellation"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        initial=Kind.DEFINITIVE,
        error_messages={
            "required": _("Choose the kind of cancellation."),
            "invalid_choice": _("Choose the kind of cancellation."),
        },
    )


def new_isp_field() -> forms.CharField:
    return forms.CharField(label=_("Name of your new provider"), max_length=100, required=False)


def kind_detail_field() -> forms.CharField:
    return forms.CharField(label=_("Reason (in a few words)"), max_length=500, required=False)


class MailboxAndPhoneLineQuestions(forms.Form):
    """The optional questions of the leaflet's step 3, the same in the client area and on
    the page without login: keep the e-mails (for how long), and the phone line."""

    keep_mailboxes = forms.BooleanField(label=_("Keep my e-mails"), required=False)
    retention_months = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        required=False,
        empty_value=0,  # type: ignore[arg-type]
    )
    phone_line_cancelled = forms.BooleanField(
        label=_("My phone line is already being cancelled with the operator"), required=False
    )
    wants_phone_line_ended = forms.BooleanField(
        label=_("I also want to end my fixed phone line"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        price = settings.RESILIA_MAILBOX_RETENTION_PRICE_XPF
        choices = []
        for months in settings.RESILIA_MAILBOX_RETENTION_MONTHS:
            label = _("%(months)s months") % {"months": months} if months > 1 else _("1 month")
            if price:
                label = f"{label} ({price * months} F)"
            choices.append((months, label))
        self.fields["retention_months"].choices = choices  # type: ignore[attr-defined]
        self.fields["retention_months"].initial = settings.RESILIA_MAILBOX_RETENTION_MONTHS[0]

    def clean_retention_months(self) -> int:
        months: int = self.cleaned_data.get("retention_months") or 0
        if self.cleaned_data.get("keep_mailboxes") and not months:
            raise forms.ValidationError(_("Choose for how long to keep your e-mails."), "required")
        return months

    def mailbox_retention_months(self) -> int:
        data = self.cleaned_data
        return (data.get("retention_months") or 0) if data.get("keep_mailboxes") else 0


class CancellationForm(MailboxAndPhoneLineQuestions):
    """SPEC §3.3. The subscriptions offered are the customer's own, and only those."""

    subscription = forms.ChoiceField(
        label=_("Subscription to cancel"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the subscription to cancel."),
            "invalid_choice": _("Choose one of your active subscriptions."),
        },
    )
    desired_date = desired_date_field()
    kind = kind_field()
    new_isp = new_isp_field()
    kind_detail = kind_detail_field()

    def __init__(
        self,
        *args: Any,
        subscriptions: list[Subscription],
        received_at: datetime,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.received_at = received_at
        self.subscriptions = {s.reference: s for s in subscriptions}
        self.fields["subscription"].choices = [  # type: ignore[attr-defined]
            (s.reference, f"{s.plan.name} — {s.reference}") for s in subscriptions
        ]
        if len(subscriptions) == 1 and not self.is_bound:
            self.initial.setdefault("subscription", subscriptions[0].reference)
        self.fields["desired_date"].initial = month_end(received_at.astimezone(NOUMEA).date())
        self.quote: Quote | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Shown with the other fields' errors, not only once those are fixed.
        for problem in kind_problems(
            kind=data.get("kind", ""),
            new_isp=data.get("new_isp", ""),
            kind_detail=data.get("kind_detail", ""),
        ):
            self._add_problem(problem)
        if data.get("desired_date") and self.errors:
            try:
                quote_date(data["desired_date"], self.received_at)
            except RequestError as problem:
                self._add_problem(problem)
        if self.errors:
            return data
        draft = self.draft()
        try:
            self.quote = quote_draft(draft, self.received_at)
        except RequestError as exc:
            self._add_problem(exc)
        return data

    def _add_problem(self, problem: RequestError) -> None:
        field = ERROR_FIELDS.get(problem.code)
        if field is None or field not in self.errors:
            self.add_error(field, forms.ValidationError(problem.message, problem.code))

    def draft(self) -> Draft:
        data = self.cleaned_data
        subscription = self.subscriptions[data["subscription"]]
        # The phone-line questions only apply to a subscription over the operator's line.
        over_a_line = bool(subscription.access_line)
        return Draft(
            subscription=subscription,
            desired_date=data["desired_date"],
            kind=data["kind"],
            new_isp=data.get("new_isp", ""),
            kind_detail=data.get("kind_detail", ""),
            mailbox_retention_months=self.mailbox_retention_months(),
            phone_line_cancelled=over_a_line and bool(data.get("phone_line_cancelled")),
            wants_phone_line_ended=over_a_line and bool(data.get("wants_phone_line_ended")),
        )

    def references_with_a_line(self) -> list[str]:
        """For the page's script: which subscriptions get the phone-line questions."""
        return [ref for ref, sub in self.subscriptions.items() if sub.access_line]
