"""Lists that people filter (django-filter): dates people can type, sortable columns
that never overlap between pages, search text tidied, and which filters were left out.

A malformed value (a date that is not one, an unknown status) leaves its filter out:
django-filter only applies the fields that validated, and the page says which were
ignored. Every ordering ends with the primary key, so pages never overlap.
"""

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


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


def search_terms(value: str) -> tuple[str, str]:
    """What a staff member typed, with its spaces tidied, and without any space or dot
    (a line number or phone written "25 43 18" or "25.43.18")."""
    text = " ".join(value.split())[:100]
    return text, text.replace(" ", "").replace(".", "")


def ignored_filters(filterset: django_filters.FilterSet) -> list[str]:
    """The labels of the filters left out because their value was malformed."""
    form = filterset.form
    form.is_valid()
    return [str(form.fields[name].label or name) for name in form.errors if name in form.fields]
