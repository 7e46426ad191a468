from django.http import HttpRequest

from backoffice.access import staff_role


def backoffice(request: HttpRequest) -> dict[str, object]:
    """The staff member's role, for the back office's navigation (nothing elsewhere)."""
    if not request.path.startswith("/backoffice/"):
        return {}
    return {"staff_role": staff_role(request.user)}
