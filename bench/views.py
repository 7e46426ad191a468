"""The ceilings: the same server, middleware and database as the product's pages."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from bench.models import Ping


def hello(request: HttpRequest) -> HttpResponse:
    """The ceiling for pages: Django's whole stack, no work."""
    return HttpResponse("hello")


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    """The ceiling for writes: one INSERT, one commit (the disk's commit rate)."""
    Ping._default_manager.create()
    return HttpResponse("ok")
