"""Who is logged in: Django's authentication middleware, with the session's own read
handing the user to the backend (accounts/sessions.py, accounts/backends.py)."""

from django.contrib import auth
from django.contrib.auth import middleware
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.backends import reading_session
from accounts.sessions import SessionStore


def get_user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """`auth.get_user` (the backend, the session's hash checked), with the request's
    session made known to the backend for that one call."""
    if not hasattr(request, "_cached_user"):
        session = request.session
        token = reading_session.set(session if isinstance(session, SessionStore) else None)
        try:
            request._cached_user = auth.get_user(request)  # type: ignore[attr-defined]
        finally:
            reading_session.reset(token)
    return request._cached_user  # type: ignore[attr-defined,no-any-return]


class AuthenticationMiddleware(middleware.AuthenticationMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
