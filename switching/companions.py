"""A switch's request and form changes, told to its gaining provider: for each such
event in a batch being written (webhooks.services), the matching switch.* event,
addressed to the provider's own endpoints."""

from collections.abc import Sequence
from typing import Any

from switching.models import Switch, SwitchStatus
from switching.payloads import switch_data
from webhooks.services import Event

FORM_STEPS = {
    "form.signed": "switch.form_signed",
    "form.forwarded": "switch.form_forwarded",
    "form.acknowledged": "switch.form_acknowledged",
    "form.refused": "switch.form_refused",
}
REQUEST_ENDS = {"request.withdrawn", "request.rejected", "request.completed"}


ENDINGS: dict[str, str] = {
    SwitchStatus.CANCELLED: "switch.cancelled",
    SwitchStatus.OBJECTED: "switch.objected",
    SwitchStatus.COMPLETED: "switch.completed",
}


def switch_events(events: Sequence[tuple[str, dict[str, Any]]]) -> list[Event]:
    references = {
        str(data.get("reference"))
        for event_type, data in events
        if event_type in FORM_STEPS or event_type in REQUEST_ENDS
    }
    if not references:
        return []
    switches = {
        s.request.reference: s
        for s in Switch.objects.select_related("request__access_form").filter(
            request__reference__in=references
        )
    }
    added: list[Event] = []
    for event_type, data in events:
        switch = switches.get(str(data.get("reference")))
        if switch is None:
            continue
        if event_type in FORM_STEPS:
            added.append((FORM_STEPS[event_type], switch_data(switch), switch.gaining_id))
        elif event_type in REQUEST_ENDS:
            kind = ENDINGS.get(str(switch.status))
            if kind is not None:
                added.append((kind, switch_data(switch), switch.gaining_id))
    return added
