"""The requests' list as staff and integrations filter it (the back office's queue and
`GET /api/v1/requests`), and what needs action."""

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from access_forms.models import FormStatus
from cancellations.models import CancellationRequest, Channel, Kind, Status
from customers.models import Customer, Subscription
from rules import (
    FORM_STATUSES_UNSIGNED,
    REQUEST_OPEN_STATUSES,
    end_of_day,
    noumea_today,
    start_of_day,
)
from states import FormState
from toolbox.filters import (
    DATE_INPUT,
    YES_NO,
    BoundedDateFilter,
    StableOrderingFilter,
    search_terms,
)


def awaiting_confirmation(today: date) -> Q:
    """Received and due to be taken into account (by hand when confirmation is manual)."""
    return Q(status=Status.SUBMITTED, processing_date__lte=today)


def needs_action(today: date) -> Q:
    return awaiting_confirmation(today) | Q(
        status__in=REQUEST_OPEN_STATUSES,
        access_form__status=FormState.SIGNED,
        access_form__checked_at__isnull=True,
    )


def completed_with_form_unsigned() -> Q:
    """Completed requests whose OPTimo form was never signed (rules.ended_with_form_unsigned)."""
    return Q(status=Status.COMPLETED, access_form__status__in=FORM_STATUSES_UNSIGNED)


# A search matching more customers than this is too broad to be useful: the first ones.
SEARCH_LIMIT = 500


def matching_customers(text: str) -> QuerySet[Customer]:
    """Customers whose client code, name, e-mail or phone matches a staff search."""
    text, compact = search_terms(text)
    return Customer.objects.filter(
        Q(client_code=compact.upper())
        | Q(name__icontains=text)
        | Q(email__iexact=text)
        | Q(phone__icontains=compact)
    )


class RequestFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Reference, client code, name, e-mail, phone or line number"),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    form_status = django_filters.ChoiceFilter(
        label=_("Form"), field_name="access_form__status", choices=FormStatus.choices
    )
    received_from = BoundedDateFilter(
        label=_("Received from"), method="received_on_or_after", widget=DATE_INPUT
    )
    received_to = BoundedDateFilter(
        label=_("Received until"), method="received_on_or_before", widget=DATE_INPUT
    )
    effective_from = BoundedDateFilter(
        label=_("Effective from"), field_name="effective_date", lookup_expr="gte", widget=DATE_INPUT
    )
    effective_to = BoundedDateFilter(
        label=_("Effective until"),
        field_name="effective_date",
        lookup_expr="lte",
        widget=DATE_INPUT,
    )
    on_time = django_filters.ChoiceFilter(
        label=_("On time for the month end"), choices=YES_NO, method="yes_no_on_time"
    )
    late = django_filters.BooleanFilter(
        label=_("Late (processing day passed, not yet taken into account)"),
        method="only_late",
        widget=forms.CheckboxInput,
    )
    needs_action = django_filters.BooleanFilter(
        label=_("Needs action"), method="only_needing_action", widget=forms.CheckboxInput
    )
    form_never_signed = django_filters.BooleanFilter(
        label=_("Completed, form never signed"),
        method="only_form_never_signed",
        widget=forms.CheckboxInput,
    )
    order = StableOrderingFilter(
        label=_("Sort by"),
        empty_label=_("Most recently received first"),
        fields=(
            ("received_at", "received"),
            ("effective_date", "effective"),
            ("reference", "reference"),
            ("customer__client_code", "client"),
        ),
        field_labels={
            "received_at": _("Received"),
            "effective_date": _("Effective date"),
            "reference": _("Reference"),
            "customer__client_code": _("Client code"),
        },
    )

    class Meta:
        model = CancellationRequest
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Each kind of identifier is looked up once where it is indexed (or in the
        customers table alone), and the requests are then picked by those ids: one OR
        across four joined tables, or subqueries run again for the count and the page,
        would read every request."""
        text, compact = search_terms(value)
        if not text:
            return qs
        customers = matching_customers(text).values_list("pk", flat=True)[:SEARCH_LIMIT]
        subscriptions = Subscription.objects.filter(access_line=compact).values_list(
            "pk", flat=True
        )
        forms = CancellationRequest.objects.filter(access_form__line_number=compact).values_list(
            "pk", flat=True
        )
        return qs.filter(
            Q(reference=text.upper())
            | Q(customer_id__in=list(customers))
            | Q(subscription_id__in=list(subscriptions[:SEARCH_LIMIT]))
            | Q(pk__in=list(forms[:SEARCH_LIMIT]))
        )

    def received_on_or_after(self, qs: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return qs.filter(received_at__gte=start_of_day(value))

    def received_on_or_before(self, qs: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return qs.filter(received_at__lte=end_of_day(value))

    def yes_no_on_time(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(on_time_for_month_end=value == "yes")

    def only_late(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(status=Status.SUBMITTED, processing_date__lt=noumea_today())

    def only_form_never_signed(
        self, qs: QuerySet[Any], name: str, value: bool | None
    ) -> QuerySet[Any]:
        return qs.filter(completed_with_form_unsigned()) if value else qs

    def only_needing_action(
        self, qs: QuerySet[Any], name: str, value: bool | None
    ) -> QuerySet[Any]:
        return qs.filter(needs_action(noumea_today())) if value else qs
