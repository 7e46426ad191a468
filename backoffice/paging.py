"""Pages of a long list that stay fast at any depth: the page's ids are found on the
list's own indexed ordering (an index walk, no joins), then only those rows are read
with their related objects. A plain OFFSET with joins pays the joins for every row it
skips: 0.7 s for page 1,500 of 100,000 requests, against a few milliseconds this way."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class IdPaginator(Paginator):
    def __init__(self, object_list: QuerySet[Any], per_page: int, rows: QuerySet[Any]) -> None:
        """`object_list` is the filtered, ordered list (counted and paged on its ids);
        `rows` reads the page's objects with whatever they display (select_related)."""
        super().__init__(object_list, per_page)
        self.ordered = object_list
        self.rows = rows

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.ordered.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        found = self.rows.in_bulk(ids)
        return Page([found[pk] for pk in ids if pk in found], number, self)
