from django.http import HttpRequest

from backoffice.access import staff_role


def backoffice(request: HttpRequest) -> dict[str, object]:
    """The staff member's role, for the back office's navigation (nothing elsewhere)."""
    user = getattr(request, "user", None)  # absent when a middleware refused the request
    if user is None or not request.path.startswith("/backoffice/"):
        return {}
    return {"staff_role": staff_role(user)}
