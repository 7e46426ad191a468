"""CSV exports of the back office's filtered lists, streamed: rows are read from the
database in chunks and written as they come, so 100,000 rows never sit in memory."""

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from access_forms.models import AccessLineForm
from cancellations.models import CancellationRequest
from cancellations.rules import NOUMEA
from customers.models import Mailbox
from toolbox.csv_export import csv_lines

CHUNK = 2000


def _local(instant: datetime | None) -> str:
    return instant.astimezone(NOUMEA).strftime("%Y-%m-%d %H:%M") if instant else ""


def csv_response(name: str, lines: Iterator[str]) -> StreamingHttpResponse:
    stamp = timezone.now().astimezone(NOUMEA).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def request_rows(requests: QuerySet[CancellationRequest]) -> Iterable[tuple[object, ...]]:
    rows = requests.values_list(
        "reference",
        "customer__client_code",
        "customer__name",
        "customer__email",
        "subscription__reference",
        "subscription__access_line",
        "kind",
        "new_isp",
        "channel",
        "status",
        "received_at",
        "desired_date",
        "effective_date",
        "billing_end",
        "on_time_for_month_end",
        "access_form__status",
    )
    for row in rows.iterator(chunk_size=CHUNK):
        yield (*row[:10], _local(row[10]), *row[11:14], "yes" if row[14] else "no", row[15] or "")


def requests_csv(requests: QuerySet[CancellationRequest]) -> StreamingHttpResponse:
    header = [
        _("Reference"),
        _("Client code"),
        _("Name"),
        _("E-mail"),
        _("Subscription"),
        _("Access line"),
        _("Kind"),
        _("New provider"),
        _("Channel"),
        _("Status"),
        _("Received at (Nouméa)"),
        _("Desired date"),
        _("Effective date"),
        _("Billing end"),
        _("On time for the month end"),
        _("Form"),
    ]
    return csv_response("demandes", csv_lines(header, request_rows(requests)))


def forms_csv(forms: QuerySet[AccessLineForm]) -> StreamingHttpResponse:
    header = [
        _("Reference"),
        _("Client code"),
        _("Kind"),
        _("Status"),
        _("Line"),
        _("Line holder"),
        _("Signed at"),
        _("Forwarded at"),
        _("Operator's answer at"),
        _("Operator's reference"),
    ]
    rows = forms.values_list(
        "request__reference",
        "request__customer__client_code",
        "kind",
        "status",
        "line_number",
        "holder_name",
        "signed_at",
        "forwarded_at",
        "operator_answered_at",
        "operator_reference",
    )
    lines = (
        (*row[:6], _local(row[6]), _local(row[7]), _local(row[8]), row[9])
        for row in rows.iterator(chunk_size=CHUNK)
    )
    return csv_response("bons", csv_lines(header, lines))


def mailboxes_csv(mailboxes: QuerySet[Mailbox]) -> StreamingHttpResponse:
    header = [_("Address"), _("Client code"), _("Name"), _("E-mail"), _("Kept until")]
    rows = mailboxes.order_by("retained_until", "id").values_list(
        "address",
        "subscription__customer__client_code",
        "subscription__customer__name",
        "subscription__customer__email",
        "retained_until",
    )
    return csv_response("boites-a-supprimer", csv_lines(header, rows.iterator(chunk_size=CHUNK)))
