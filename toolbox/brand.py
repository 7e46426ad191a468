"""The operator's contact details as customers read them, in the active language: one
place for the pages and the e-mails."""

from django.conf import settings
from django.utils.translation import gettext as _


def operator_contact() -> dict[str, str]:
    counters = settings.RESILIA_OPERATOR_COUNTERS or _("the %(operator)s agencies") % {
        "operator": settings.RESILIA_BRAND["operator_name"]
    }
    return {
        "phone": settings.RESILIA_OPERATOR_PHONE,
        "form_url": settings.RESILIA_OPERATOR_FORM_URL,
        "counters": counters,
    }
