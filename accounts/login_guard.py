"""Password guesses counted before they are tried.

django-axes locks a user name out from one address after AXES_FAILURE_LIMIT wrong
passwords, and shows its lockout page; but it reads the count of failures before it
checks a password, so guesses sent together all get tried. Both log-in forms (the client
area's and the back office's) first count the attempt under the same pair (user name,
address) for the same cool-off, and the count just written decides: past the limit, the
password is not checked, and axes' middleware answers with its lockout page (the
`request.axes_locked_out` flag it reads). A successful log-in forgets the count, as axes
does (AXES_RESET_ON_SUCCESS).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from toolbox.client_address import client_ip, client_network
from toolbox.throttle import forget, forget_all, over_limit, refused


def _key_prefix(username: str) -> str:
    return f"login:{username}:"


class GuessesCountedFirst(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        key = _key_prefix(username) + client_network(client_ip(self.request))  # type: ignore[arg-type]
        if over_limit(
            key,
            limit=settings.AXES_FAILURE_LIMIT,
            window_seconds=int(settings.AXES_COOLOFF_TIME.total_seconds()),
        ):
            refused("log-in")
            self.request.axes_locked_out = True  # type: ignore[union-attr]
            self.request.axes_credentials = {"username": username}  # type: ignore[union-attr]
            raise self.get_invalid_login_error()
        cleaned = super().clean()
        forget(key)
        return cleaned


def guesses_forget(username: str) -> None:
    """A new password was chosen through an e-mailed link: the guesses counted against
    this user name, from every address, no longer stand (with axes' own reset)."""
    forget_all(_key_prefix(username))
