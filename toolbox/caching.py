"""Pages and documents are personal: no shared cache, no browser history copy keeps them.

Every response built by Django (pages, the API, documents) is `private, no-store` unless
its view chose otherwise; static files, served before this point by WhiteNoise, keep
their long-lived public caching.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivateByDefaultMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response
