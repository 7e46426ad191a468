"""The back office's lists: filters, search and sortable columns (django-filter).

A malformed value (a date that is not one, an unknown status) leaves its filter out:
django-filter only applies the fields that validated, and the page says which were
ignored. Every ordering ends with the primary key, so pages never overlap.
"""

from datetime import date, datetime, time
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access_forms.models import AccessLineForm, FormStatus
from access_forms.signing import forms_unsigned_for_long
from audit.models import AuditEntry
from cancellations.models import CancellationRequest, Channel, Kind, Status
from cancellations.rules import NOUMEA, REQUEST_OPEN_STATUSES, end_of_day
from customers.models import Customer, Subscription

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def noumea_today() -> date:
    return timezone.now().astimezone(NOUMEA).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of a Nouméa day."""
    return datetime.combine(day, time.min, tzinfo=NOUMEA)


class BoundedDateField(forms.DateField):
    """A date the rules and the database handle: years 2000 to 2100 (year 1 would
    overflow when converted to UTC)."""

    def clean(self, value: Any) -> date | None:
        day: date | None = super().clean(value)
        if day is not None and not 2000 <= day.year <= 2100:
            raise forms.ValidationError(
                _("Enter a date between 2000 and 2100."), code="out_of_range"
            )
        return day


class BoundedDateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sortable columns; the primary key breaks ties in the same direction."""

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        if not value:
            return qs
        fields = [self.get_ordering_value(param) for param in value]
        tie = "-id" if fields[-1].startswith("-") else "id"
        return qs.order_by(*fields, tie)


def awaiting_confirmation(today: date) -> Q:
    """Received and due to be taken into account (by hand when confirmation is manual)."""
    return Q(status=Status.SUBMITTED, processing_date__lte=today)


def needs_action(today: date) -> Q:
    return awaiting_confirmation(today) | Q(
        status__in=REQUEST_OPEN_STATUSES,
        access_form__status=FormStatus.SIGNED,
        access_form__checked_at__isnull=True,
    )


# A search matching more customers than this is too broad to be useful: the first ones.
SEARCH_LIMIT = 500


def search_terms(value: str) -> tuple[str, str]:
    """What a staff member typed, with its spaces tidied, and without any space or dot
    (a line number or phone written "25 43 18" or "25.43.18")."""
    text = " ".join(value.split())[:100]
    return text, text.replace(" ", "").replace(".", "")


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
    order = StableOrderingFilter(
        label=_("Sort by"),
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
        forms = AccessLineForm.objects.filter(line_number=compact).values_list(
            "request_id", flat=True
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

    def only_needing_action(
        self, qs: QuerySet[Any], name: str, value: bool | None
    ) -> QuerySet[Any]:
        return qs.filter(needs_action(noumea_today())) if value else qs


class FormFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Reference, client code, name, holder or line number"),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=FormStatus.choices)
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


def ignored_filters(filterset: django_filters.FilterSet) -> list[str]:
    """The labels of the filters left out because their value was malformed."""
    form = filterset.form
    form.is_valid()
    return [str(form.fields[name].label or name) for name in form.errors if name in form.fields]
