"""`manage.py check --deploy`: what a production deployment must set that Django's own
checks cannot know about."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@register(Tags.security, deploy=True)
def site_url_is_the_public_address(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """Every link in e-mails and in the stored receipts starts with RESILIA_SITE_URL: left
    at its demo default, customers get links to a machine of their own, for ever in a
    receipt."""
    url = urlsplit(settings.RESILIA_SITE_URL)
    if url.scheme == "https" and url.hostname and url.hostname not in LOOPBACK:
        return []
    return [
        Warning(
            f"RESILIA_SITE_URL is {settings.RESILIA_SITE_URL!r}: every link in e-mails and "
            "receipts would point there.",
            hint="Set RESILIA_SITE_URL to the https:// address customers use, e.g. "
            "https://resiliation.mls.nc.",
            id="resilia.W001",
        )
    ]
