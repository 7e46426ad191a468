"""The one way portal views reach the logged-in customer."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from customers.models import Customer


def customer_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Log-in required, and the user must be a customer; passes `customer` to the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        # Through the user, so that the customer is cached on it: the page's own
        # `user.is_customer` (the menu) asks no second query.
        try:
            customer = request.user.customer  # type: ignore[union-attr]
        except Customer.DoesNotExist:
            raise PermissionDenied from None
        return view(request, customer, *args, **kwargs)

    return wrapper
