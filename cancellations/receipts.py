"""The durable receipt of a cancellation request (SPEC §3.9, §312k BGB, L215-1-1).

One A4 PDF, in the customer's language, written once when the request is recorded and
stored with its SHA-256: what the customer keeps as proof of what they sent, when, and
what follows from it. It is never written again; later changes (a withdrawal...) are
told by e-mail and in "My requests", not by a new receipt.
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from cancellations.models import CancellationRequest, Channel, Kind
from cancellations.summary import mailbox_sentence
from rules import (
    form_first_status,
    last_withdrawal_day,
    months_still_billed,
    noumea_date,
    phone_line_ended_with_operator,
)
from states import FormState
from toolbox.formats import received, xpf
from toolbox.links import site_url
from toolbox.noumea import NOUMEA
from toolbox.pdf import bold, embed_fonts, regular, section


@dataclass(frozen=True)
class Section:
    title: str
    lines: list[str]


def _day(value: date) -> str:
    return date_format(value, "l j F Y")


def _month(value: date) -> str:
    return date_format(value, "F Y")


def _mailbox_lines(request: CancellationRequest, mailboxes: list[str]) -> list[str]:
    return [
        mailbox_sentence(
            mailboxes, ends_on=request.effective_date, kept_until=request.mailboxes_kept_until
        )
    ]


def _line_lines(request: CancellationRequest) -> list[str]:
    brand = settings.RESILIA_BRAND
    subscription = request.subscription
    status = form_first_status(
        access_line=subscription.access_line, phone_line_cancelled=request.phone_line_cancelled
    )
    lines = []
    if status == FormState.AWAITING_SIGNATURE:
        # Where the e-mails say it is signed: from the link e-mailed for a request made
        # without an account, else in "My requests".
        lines.append(
            (
                _(
                    "The %(service)s form for the line %(line)s must be signed by the line "
                    "holder (%(holder)s); we then forward it to %(operator)s. It can be signed "
                    "online from the link we sent by e-mail."
                )
                if request.channel == Channel.WEB_PUBLIC
                else _(
                    "The %(service)s form for the line %(line)s must be signed by the line "
                    "holder (%(holder)s); we then forward it to %(operator)s. It can be signed "
                    'online: open the request in "My requests" and choose "Sign the form".'
                )
            )
            % {
                "service": brand["access_service_name"],
                "line": subscription.access_line,
                "holder": subscription.holder_name,
                "operator": brand["operator_name"],
            }
        )
        lines.append(
            _(
                "This receipt shows the form as it stood when the request was received; its "
                "current state (signed, forwarded, accepted) is on the request's page: %(url)s"
            )
            % {"url": site_url("cancellations:request_detail", request.reference)}
        )
    elif status == FormState.AUTO_CLOSED:
        lines.append(
            _("No %(service)s form is needed: the access closes with your phone line.")
            % {"service": brand["access_service_name"]}
        )
    else:
        lines.append(_("No line-access form is needed for this subscription."))
    if subscription.access_line:
        if phone_line_ended_with_operator(
            access_line=subscription.access_line,
            wants_phone_line_ended=request.wants_phone_line_ended,
            phone_line_cancelled=request.phone_line_cancelled,
        ):
            lines.append(
                _(
                    "The phone line itself is ended with %(operator)s directly (phone "
                    "%(phone)s, %(url)s): this request does not end it."
                )
                % {
                    "operator": brand["operator_name"],
                    "phone": settings.RESILIA_OPERATOR_PHONE,
                    "url": settings.RESILIA_OPERATOR_FORM_URL,
                }
            )
        else:
            lines.append(
                _("Your phone line %(line)s with %(operator)s is not affected: it continues.")
                % {"line": subscription.access_line, "operator": brand["operator_name"]}
            )
    return lines


def receipt_sections(request: CancellationRequest, mailboxes: list[str]) -> list[Section]:
    """Everything the receipt says, in the active language (pure: no database)."""
    customer = request.customer
    subscription = request.subscription
    received_on = noumea_date(request.received_at)
    months = months_still_billed(received_on, request.billing_end)
    kind = str(Kind(request.kind).label)
    detail = request.new_isp if request.kind == Kind.ISP_CHANGE else request.kind_detail
    if detail:
        kind = _("%(item)s: %(detail)s") % {"item": kind, "detail": detail}
    line = (
        [_("Access line: %(line)s") % {"line": subscription.access_line}]
        if subscription.access_line
        else []
    )
    billed = [
        _("%(month)s: %(amount)s")
        % {"month": _month(m), "amount": xpf(request.last_month_amount_xpf)}
        for m in months
    ]
    billed.append(
        _("Total still billed: %(total)s. No cancellation fee, no notice period.")
        % {"total": xpf(len(months) * request.last_month_amount_xpf)}
    )
    office = settings.RESILIA_BRAND["office_phone"]
    last_day = _day(last_withdrawal_day(request.effective_date))
    switch = request.channel == Channel.SWITCH
    # A switch is ordered by the new provider (its name is the request's new_isp): the
    # customer made no request, and stops it rather than withdraws it.
    origin = (
        [_("Ordered by %(isp)s, your new provider") % {"isp": request.new_isp}] if switch else []
    )
    changing_mind = (
        Section(
            _("You did not ask for this?"),
            [
                _(
                    "Stop this change of provider until %(day)s included: with the link in "
                    'our e-mail, in the client area under "My requests" ("I did not ask '
                    'for this"), or by calling %(phone)s. %(isp)s is told at once.'
                )
                % {"day": last_day, "phone": office, "isp": request.new_isp},
            ],
        )
        if switch
        else Section(
            _("Changing your mind"),
            [
                _(
                    "You can withdraw this request until %(day)s included: in the client "
                    'area under "My requests", or by calling %(phone)s.'
                )
                % {"day": last_day, "phone": office},
            ],
        )
    )
    return [
        Section(
            _("Request"),
            [
                _("Reference: %(reference)s") % {"reference": request.reference},
                _("Received on %(when)s") % {"when": received(request.received_at, NOUMEA)},
                _("Sent from: %(channel)s") % {"channel": request.get_channel_display()},
                *origin,
                _("Kind of cancellation: %(kind)s") % {"kind": kind},
            ],
        ),
        Section(
            _("Customer and subscription"),
            [
                f"{customer.name} — {_('client code')} {customer.client_code}",
                _("Subscription: %(plan)s (%(reference)s)")
                % {"plan": subscription.plan.name, "reference": subscription.reference},
                *line,
            ],
        ),
        Section(
            _("Dates"),
            [
                _("Desired date: %(day)s") % {"day": _day(request.desired_date)},
                _("Taken into account on: %(day)s") % {"day": _day(request.processing_date)},
                _("Service ends on: %(day)s (included)") % {"day": _day(request.effective_date)},
            ],
        ),
        Section(_("Months still billed"), billed),
        Section(_("Mailboxes"), _mailbox_lines(request, mailboxes)),
        Section(_("Line access and phone line"), _line_lines(request)),
        changing_mind,
    ]


def render_receipt(request: CancellationRequest, mailboxes: list[str]) -> bytes:
    """The receipt as PDF bytes, in the customer's language."""
    brand = settings.RESILIA_BRAND
    with translation.override(request.customer.language):
        title = _("Receipt of your cancellation request")
        sections = receipt_sections(request, mailboxes)
        footer = _(
            "%(isp)s — this receipt was written when your request was received; keep it. "
            "Questions: %(email)s, %(phone)s."
        ) % {
            "isp": brand["isp_name"],
            "email": brand["support_email"],
            "phone": brand["office_phone"],
        }
    pdf = FPDF(format="A4")
    pdf.set_creation_date(request.received_at.astimezone(NOUMEA))
    pdf.set_title(f"{title} {request.reference}")
    pdf.set_author(brand["isp_name"])
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    text = "".join([title, footer, *(s.title + "".join(s.lines) for s in sections)])
    embed_fonts(pdf, Path(settings.RESILIA_PDF_FONT_DIR), text)
    pdf.add_page()
    with bold(pdf, 16):
        pdf.cell(0, 9, brand["isp_name"], new_x="LMARGIN", new_y="NEXT")
    with bold(pdf, 13):
        pdf.multi_cell(
            0, 7, f"{title} — {request.reference}", align="L", new_x="LMARGIN", new_y="NEXT"
        )
    for part in sections:
        section(pdf, part.title, space_after=1)
        regular(pdf, 10.5)
        for line in part.lines:
            pdf.multi_cell(0, 5.6, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    regular(pdf, 8)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(0, 4.2, footer, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _store(request: CancellationRequest) -> None:
    """Write the receipt of a request, locked, that has none."""
    mailboxes = [m.address for m in request.subscription.mailboxes.order_by("address")]
    content = render_receipt(request, mailboxes)
    request.receipt_sha256 = hashlib.sha256(content).hexdigest()
    request.receipt.save(f"{request.reference}.pdf", ContentFile(content), save=False)
    CancellationRequest.objects.filter(pk=request.pk).update(
        receipt=request.receipt.name, receipt_sha256=request.receipt_sha256
    )


def receipt_write(request_id: int) -> CancellationRequest:
    """The request with its receipt, written now if it never was: by the delivery of the
    acknowledgement, which attaches it, or by a download that comes first. Once written
    it is never written again (the row is locked while it is)."""
    with transaction.atomic():
        request = (
            CancellationRequest.objects.select_for_update()
            .select_related("customer", "subscription__plan")
            .get(pk=request_id)
        )
        if not request.receipt:
            _store(request)
    return request


def receipt_bytes(request: CancellationRequest) -> bytes:
    """The stored receipt, checked against its SHA-256; written first if it never was."""
    if not request.receipt:
        written = receipt_write(request.pk)
        request.receipt, request.receipt_sha256 = written.receipt, written.receipt_sha256
    with request.receipt.open("rb") as stored:
        content = stored.read()
    if hashlib.sha256(content).hexdigest() != request.receipt_sha256:
        raise ReceiptAltered(request.reference)
    return content


class ReceiptAltered(Exception):
    """The stored file no longer matches the hash recorded when it was written."""


def receipt_filename(request: CancellationRequest) -> str:
    """In the customer's language, like the receipt itself."""
    name = "receipt" if request.customer.language == "en" else "accuse-de-reception"
    return f"{request.reference}-{name}.pdf"
