"""Switches by status (which follows the request: rules.switch_status) and by gaining
provider, for the back office's list."""

from django.db.models import Q, QuerySet

from rules import REQUEST_OPEN_STATUSES
from states import RequestState, SwitchState
from switching.models import Provider, Switch

# rules.switch_status, as filters.
STATUS_Q: dict[str, Q] = {
    SwitchState.ORDERED: Q(cancelled_at__isnull=True, request__status__in=REQUEST_OPEN_STATUSES),
    SwitchState.OBJECTED: Q(cancelled_at__isnull=True, request__status=RequestState.WITHDRAWN),
    SwitchState.CANCELLED: Q(cancelled_at__isnull=False) | Q(request__status=RequestState.REJECTED),
    SwitchState.COMPLETED: Q(cancelled_at__isnull=True, request__status=RequestState.COMPLETED),
}


def switches(status: str = "", provider_name: str = "") -> QuerySet[Switch]:
    found = Switch.objects.select_related(
        "request__customer", "request__access_form", "provider"
    ).order_by("-created_at", "-id")
    if status in STATUS_Q:
        found = found.filter(STATUS_Q[status])
    if provider_name:
        found = found.filter(provider__name=provider_name)
    return found


def provider_names() -> list[str]:
    return list(Provider.objects.order_by("name").values_list("name", flat=True))
