"""What a switch's webhook events say about it (to its gaining provider)."""

from switching.models import Switch


def switch_data(switch: Switch) -> dict[str, object]:
    request = switch.request
    form = getattr(request, "access_form", None)
    return {
        "reference": switch.reference,
        "status": switch.status,
        "request": request.reference,
        "planned_date": switch.planned_date,
        "effective_date": request.effective_date,
        "billing_end": request.billing_end,
        "form_status": form.status if form is not None else None,
    }
