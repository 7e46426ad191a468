"""Absolute links to Résilia's own pages, for what is read outside the site (e-mails, the
receipt PDF)."""

from urllib.parse import urljoin

from django.conf import settings
from django.urls import get_script_prefix, reverse


def site_url(view_name: str, *args: object) -> str:
    """RESILIA_SITE_URL, with any path prefix Résilia is served under, then the page's own
    path: the same whether written in a web request or by the worker."""
    path = reverse(view_name, args=args).removeprefix(get_script_prefix())
    return urljoin(settings.RESILIA_SITE_URL.rstrip("/") + "/", path)
