from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from access_forms.models import FormStatus
from cancellations.calendar import current_calendar
from cancellations.models import Status, SubmissionStatus
from portal.support import configured_support_hours
from toolbox.brand import operator_contact

# The pages reached without logging in (from the public form, or an e-mailed link): their
# header says what they are for, not "Client area", which the visitor may never have.
NO_LOGIN_VIEWS = ("cancellations:public", "access_forms:holder_sign", "switching:objection")


def _no_login_page(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.view_name.startswith(NO_LOGIN_VIEWS))


def brand(request: HttpRequest) -> dict[str, object]:
    hours = configured_support_hours()
    return {
        "brand": settings.RESILIA_BRAND,
        "operator": operator_contact(),
        "support_hours": hours,
        "support_days": format_lazy(
            _("{first} to {last}"),
            first=WEEKDAYS[min(hours.weekdays) - 1],
            last=WEEKDAYS[max(hours.weekdays) - 1],
        ),
        "support_open": hours.is_open(timezone.now(), current_calendar()),
        "demo_mailbox": settings.RESILIA_DEMO_MAILBOX,
        # Part of every {% cache %} key of a fragment with links (portal/fragments.py).
        "script_prefix": get_script_prefix(),
        "no_login_page": _no_login_page(request),
    }


def statuses(request: HttpRequest) -> dict[str, object]:
    """The statuses templates compare with ({% if f.status == FormStatus.SIGNED %}), by
    name: their values are written once, in states.py."""
    return {
        "RequestStatus": Status,
        "FormStatus": FormStatus,
        "SubmissionStatus": SubmissionStatus,
    }
