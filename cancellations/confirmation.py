"""The daily run's confirmation step (SPEC §8): a received request is confirmed on its
processing day, unless an agent confirmed, withdrew or rejected it first."""

from datetime import date

from django.db import connection, transaction

from cancellations.errors import RequestError
from cancellations.models import CancellationRequest, Status
from cancellations.services import request_confirm


def handle_one_due_confirmation(today: date) -> bool | None:
    """Confirm one received request whose processing day has come. A request another run
    holds is skipped (it confirms it): None when none is left for this one."""
    with transaction.atomic():
        request = (
            CancellationRequest.objects.filter(status=Status.SUBMITTED, processing_date__lte=today)
            .select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked, of=("self",)
            )
            .order_by("processing_date", "id")
            .first()
        )
        if request is None:
            return None
        try:
            request_confirm(request=request, actor=None)
        except RequestError:  # an agent changed it first
            return False
    return True
