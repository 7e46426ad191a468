"""The ceilings: what the framework, the server and the database give with no product
work, measured in the same run as the product's paths."""

import random

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from bench.models import Ping, Slot

# A submission's own writes (a subscription with an OPTimo line): the request, the form,
# its history entry, its audit entry, the queued acknowledgement and the worker's task.
SUBMISSION_INSERTS = 6
SLOTS = 10_000  # rows to lock, one per concurrent "submission" (bench/load.py makes them)


def hello(request: HttpRequest) -> HttpResponse:
    """The ceiling for pages: Django's whole stack (the product's middleware), no work.
    Served without any middleware too (bench/bare.py): the bare "hello"."""
    return HttpResponse("hello")


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    """One INSERT, one commit."""
    Ping._default_manager.create()
    return HttpResponse("ok")


@csrf_exempt
def writes(request: HttpRequest) -> HttpResponse:
    """The ceiling for a submission: a submission's own writes in one transaction (a row
    of its own locked, as many INSERTs as a submission makes), then the commit."""
    with transaction.atomic():
        Slot._default_manager.select_for_update().get(pk=random.randint(1, SLOTS))
        for _ in range(SUBMISSION_INSERTS):
            Ping._default_manager.create()
    return HttpResponse("ok")
