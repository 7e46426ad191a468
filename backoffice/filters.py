"""The back office's other lists: the OPTimo forms, the customers and the audit log
(the requests' filter is cancellations.filters, shared with the API)."""

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from access_forms.models import AccessLineForm, FormStatus
from access_forms.reminders import forms_unsigned_for_long
from audit.models import AuditEntry
from cancellations.filters import matching_customers
from cancellations.models import CancellationRequest
from customers.models import Customer, Subscription
from rules import end_of_day, noumea_today, start_of_day
from toolbox.filters import DATE_INPUT, BoundedDateFilter, StableOrderingFilter, search_terms


class FormFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Reference, client code, name, holder or line number"),
    )
    # A form "not needed" is no form: it is neither listed nor offered as a filter.
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(v, label) for v, label in FormStatus.choices if v != FormStatus.NOT_NEEDED],
    )
    to_check = django_filters.BooleanFilter(
        label=_("Signed, to check"), method="only_to_check", widget=forms.CheckboxInput
    )
    unsigned_for_long = django_filters.BooleanFilter(
        label=_("Unsigned for long"), method="only_unsigned_for_long", widget=forms.CheckboxInput
    )
    recall = django_filters.BooleanFilter(
        label=_("Recall pending"), method="only_recalls", widget=forms.CheckboxInput
    )
    order = StableOrderingFilter(
        label=_("Sort by"),
        empty_label=_("Most recently received first"),
        fields=(("request__received_at", "received"), ("forwarded_at", "forwarded")),
        field_labels={
            "request__received_at": _("Received"),
            "forwarded_at": _("Forwarded"),
        },
    )

    class Meta:
        model = AccessLineForm
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text, compact = search_terms(value)
        if not text:
            return qs
        return qs.filter(
            Q(request__reference__iexact=text)
            | Q(request__customer__client_code__iexact=compact)
            | Q(request__customer__name__icontains=text)
            | Q(holder_name__icontains=text)
            | Q(line_number=compact)
        )

    def only_to_check(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        return qs.filter(status=FormStatus.SIGNED, checked_at__isnull=True) if value else qs

    def only_unsigned_for_long(
        self, qs: QuerySet[Any], name: str, value: bool | None
    ) -> QuerySet[Any]:
        return qs & forms_unsigned_for_long(noumea_today()) if value else qs

    def only_recalls(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(recall_requested_at__isnull=False, recall_answered_at__isnull=True)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Client code, name, e-mail, phone or line number"),
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text, compact = search_terms(value)
        if not text:
            return qs
        by_line = Subscription.objects.filter(access_line=compact).values("customer_id")
        return qs.filter(Q(pk__in=matching_customers(text).values("pk")) | Q(pk__in=by_line))


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Reference or client code"), method="about", help_text=_("RES-…, C…")
    )
    actor = django_filters.CharFilter(
        label=_("Actor"), field_name="actor_label", lookup_expr="iexact"
    )
    action = django_filters.CharFilter(label=_("Action"), lookup_expr="istartswith")
    day_from = BoundedDateFilter(label=_("From"), method="from_day", widget=DATE_INPUT)
    day_to = BoundedDateFilter(label=_("Until"), method="to_day", widget=DATE_INPUT)

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def about(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Entries about the request with this reference, or about this customer and
        everything of theirs (requests, forms) — found through the stored ids."""
        text = value.strip()[:40]
        if not text:
            return qs
        requests = CancellationRequest.objects.filter(
            Q(reference__iexact=text) | Q(customer__client_code__iexact=text)
        )
        request_ids = [str(pk) for pk in requests.values_list("pk", flat=True)[:500]]
        form_ids = [
            str(pk)
            for pk in AccessLineForm.objects.filter(request__in=requests).values_list(
                "pk", flat=True
            )[:500]
        ]
        customer_ids = [
            str(pk)
            for pk in Customer.objects.filter(client_code__iexact=text).values_list("pk", flat=True)
        ]
        return qs.filter(
            Q(object_type="cancellations.cancellationrequest", object_id__in=request_ids)
            | Q(object_type="access_forms.accesslineform", object_id__in=form_ids)
            | Q(object_type="customers.customer", object_id__in=customer_ids)
            | Q(actor_label__iexact=text)
            | Q(data__reference=text)
        )

    def from_day(self, qs: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return qs.filter(at__gte=start_of_day(value))

    def to_day(self, qs: QuerySet[Any], name: str, value: date) -> QuerySet[Any]:
        return qs.filter(at__lte=end_of_day(value))
