"""CSV exports of the back office's filtered lists, streamed: rows are read from the
database in chunks and written as they come, so 100,000 rows never sit in memory.

Each list has two variants. The default is for the spreadsheet an agent opens: columns
split as the agent's language expects (`;` in French, where the comma is the decimal
separator), the labels people read ("Changement de FAI", "Prise en compte", "Oui") and
dates as they write them. The machine variant (`?export=csv-machine`) is for
integrations: comma-separated, codes (`isp_change`, `confirmed`, `true`), ISO dates and
snake_case headers, stable across languages.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Case, CharField, Choices, QuerySet, Value, When
from django.http import QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from access_forms.models import AccessLineForm, FormKind, FormStatus
from audit.models import AuditEntry
from cancellations.models import CancellationRequest, Channel, Kind, Status
from customers.models import Mailbox
from switching.filters import STATUS_Q
from switching.models import Switch, SwitchStatus
from toolbox.csv_export import csv_lines
from toolbox.noumea import NOUMEA

CHUNK = 2000
MACHINE = "csv-machine"

type Cell = Callable[[object, bool], object]


@dataclass(frozen=True)
class Column:
    field: str  # what is read (values_list), and the machine header
    label: str  # the spreadsheet header
    cell: Cell  # (value, for_machine) -> what is written


def _plain(value: object, machine: bool) -> object:
    return "" if value is None else value


def _instant(value: object, machine: bool) -> object:
    if not isinstance(value, datetime):
        return ""
    local = value.astimezone(NOUMEA)
    # Day first in every language, as the pages write dates (not English's US default).
    return local.isoformat(timespec="minutes") if machine else date_format(local, "d/m/Y H:i")


def _day(value: object, machine: bool) -> object:
    if not isinstance(value, date):
        return ""
    return value.isoformat() if machine else date_format(value, "d/m/Y")


def _yes_no(value: object, machine: bool) -> object:
    if machine:
        return "true" if value else "false"
    return _("Yes") if value else _("No")


def _label(choices: type[Choices]) -> Cell:
    labels = dict(choices.choices)

    def cell(value: object, machine: bool) -> object:
        if value in (None, ""):
            return ""
        return value if machine else str(labels.get(value, value))

    return cell


def _export(
    name: str, columns: Sequence[Column], rows: QuerySet[Any], machine: bool
) -> StreamingHttpResponse:
    header = [c.field if machine else c.label for c in columns]

    def lines() -> Iterator[list[object]]:  # read only once the response streams
        values = rows.values_list(*[c.field for c in columns])
        for row in values.iterator(chunk_size=CHUNK):
            yield [column.cell(value, machine) for column, value in zip(columns, row, strict=True)]

    delimiter = "," if machine or (get_language() or "fr")[:2] != "fr" else ";"
    stamp = timezone.now().astimezone(NOUMEA).strftime("%Y%m%d-%H%M")
    # The reader's language for people; the same name in every language for machines.
    filename = f"{name}-integration-{stamp}.csv" if machine else f"{_(name)}-{stamp}.csv"
    response = StreamingHttpResponse(
        csv_lines(header, lines(), delimiter=delimiter), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def requests_csv(
    requests: QuerySet[CancellationRequest], *, machine: bool = False
) -> StreamingHttpResponse:
    columns = [
        Column("reference", _("Reference"), _plain),
        Column("customer__client_code", _("Client code"), _plain),
        Column("customer__name", _("Name"), _plain),
        Column("customer__email", _("E-mail"), _plain),
        Column("subscription__reference", _("Subscription"), _plain),
        Column("subscription__access_line", _("Access line"), _plain),
        Column("kind", _("Kind"), _label(Kind)),
        Column("new_isp", _("New provider"), _plain),
        Column("kind_detail", _("Reason given (Other)"), _plain),
        Column("channel", _("Channel"), _label(Channel)),
        Column("status", _("Status"), _label(Status)),
        Column("received_at", _("Received at (Nouméa)"), _instant),
        Column("desired_date", _("Desired date"), _day),
        Column("effective_date", _("Effective date"), _day),
        Column("billing_end", _("Billing end"), _day),
        Column("on_time_for_month_end", _("On time for the month end"), _yes_no),
        Column("access_form__status", _("Form"), _label(FormStatus)),
    ]
    return _export(gettext_noop("requests"), columns, requests, machine)


def forms_csv(forms: QuerySet[AccessLineForm], *, machine: bool = False) -> StreamingHttpResponse:
    columns = [
        Column("request__reference", _("Reference"), _plain),
        Column("request__customer__client_code", _("Client code"), _plain),
        Column("kind", _("Kind"), _label(FormKind)),
        Column("status", _("Status"), _label(FormStatus)),
        Column("line_number", _("Line"), _plain),
        Column("holder_name", _("Line holder"), _plain),
        Column("signed_at", _("Signed at"), _instant),
        Column("forwarded_at", _("Forwarded at"), _instant),
        Column("operator_answered_at", _("Operator's answer at"), _instant),
        Column("operator_reference", _("Operator's reference"), _plain),
    ]
    return _export(gettext_noop("forms"), columns, forms, machine)


def mailboxes_csv(mailboxes: QuerySet[Mailbox], *, machine: bool = False) -> StreamingHttpResponse:
    columns = [
        Column("address", _("Address"), _plain),
        Column("subscription__customer__client_code", _("Client code"), _plain),
        Column("subscription__customer__name", _("Name"), _plain),
        Column("subscription__customer__email", _("E-mail"), _plain),
        Column("retained_until", _("Kept until"), _day),
    ]
    rows = mailboxes.order_by("retained_until", "id")
    return _export(gettext_noop("mailboxes-to-delete"), columns, rows, machine)


def switches_csv(switches: QuerySet[Switch], *, machine: bool = False) -> StreamingHttpResponse:
    """Transferts as filtered, their status worked out as the list shows it."""
    rows = switches.annotate(
        state=Case(
            *[When(where, then=Value(code)) for code, where in STATUS_Q.items()],
            default=Value(""),
            output_field=CharField(),
        )
    )
    columns = [
        Column("reference", _("Reference"), _plain),
        Column("provider__name", _("New provider"), _plain),
        Column("request__customer__client_code", _("Client code"), _plain),
        Column("request__customer__name", _("Name"), _plain),
        Column("state", _("Status"), _label(SwitchStatus)),
        Column("created_at", _("Ordered at (Nouméa)"), _instant),
        Column("planned_date", _("Planned date"), _day),
        Column("request__reference", _("Request"), _plain),
        Column("cancelled_at", _("Called off at (Nouméa)"), _instant),
        Column("objected_at", _("Stopped by the customer at (Nouméa)"), _instant),
    ]
    return _export(gettext_noop("switches"), columns, rows, machine)


def _details(value: object, machine: bool) -> object:
    if not isinstance(value, dict) or not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def audit_csv(
    entries: QuerySet[AuditEntry], *, actions: dict[str, Any], machine: bool = False
) -> StreamingHttpResponse:
    """The audit log as filtered: each entry's action in words (`actions`, the page's own
    labels) for people, its code for machines."""

    def action(value: object, machine: bool) -> object:
        return value if machine else str(actions.get(str(value), value))

    columns = [
        Column("at", _("When (Nouméa)"), _instant),
        Column("actor_label", _("Who"), _plain),
        Column("action", _("Action"), action),
        Column("object_type", _("About"), _plain),
        Column("object_id", _("Object"), _plain),
        Column("ip", _("From"), _plain),
        Column("data", _("Details"), _details),
    ]
    return _export(gettext_noop("audit-log"), columns, entries, machine)


def wants_export(query: QueryDict) -> tuple[bool, bool]:
    """(an export is asked for, in its machine variant) from a request's GET."""
    kind = query.get("export")
    return kind in ("csv", MACHINE), kind == MACHINE
