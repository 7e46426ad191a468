"""What the worker does, in one list: each pass takes a bounded share of each kind of
work, so that no backlog starves the rest (docs/BENCHMARKS.md: the backlog case).

Every kind of work is a table the worker reads, as healthchecks' `sendalerts` reads its
flips: the e-mail outbox, new public submissions, codes asked for again, access-link
requests, PDFs sent as signed forms, webhook deliveries. What causes the work writes the
row in its own transaction; the worker claims a row (a lease or a row lock, so two
workers never do the same thing), does it and records it. A worker killed in the middle
leaves the row to the next one.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from access_forms.signing import handle_one_pdf_to_read
from accounts.services import handle_one_access_link_request
from backoffice.selectors import dashboard_refresh_if_due
from cancellations.public_checks import handle_one_code_request, handle_one_submission_check
from notifications.delivery import handle_one_email
from webhooks.delivery import handle_one_webhook


def _urgent_email() -> bool:
    return handle_one_email(urgent_only=True)


@dataclass(frozen=True)
class Share:
    """Run `step` until it finds nothing to do, `most` times, or for `seconds`."""

    step: Callable[[], bool]
    most: int
    seconds: float | None = None


# In order: what leads to a code or a link first (urgent e-mails are those that carry one).
PASS = (
    Share(_urgent_email, 50),
    Share(handle_one_submission_check, 20),
    Share(handle_one_code_request, 20),
    Share(handle_one_access_link_request, 20),
    Share(handle_one_pdf_to_read, 3, seconds=5.0),  # one PDF takes up to RENDER_SECONDS
    Share(handle_one_email, 20),
    Share(handle_one_webhook, 20, seconds=2.0),
)


def work_due(
    stopping: Callable[[], bool],
    clock: Callable[[], float],
    between_steps: Callable[[], None] = lambda: None,
) -> bool:
    """One pass; True when a share stopped at its bound (more work is due). `stopping` is
    asked, and `between_steps` called (the worker's heartbeat), between two steps: a step
    is never cut in the middle, and a long pass still beats."""
    busy = False
    for share in PASS:
        busy |= _run_share(share, stopping, clock, between_steps)
    if not stopping():
        dashboard_refresh_if_due()  # the back office's figures, when four minutes old
    return busy and not stopping()


def _run_share(
    share: Share,
    stopping: Callable[[], bool],
    clock: Callable[[], float],
    between_steps: Callable[[], None],
) -> bool:
    deadline = None if share.seconds is None else clock() + share.seconds
    for _ in range(share.most):
        between_steps()
        if stopping():
            return False
        if deadline is not None and clock() > deadline:
            return True
        if not share.step():
            return False
    return True


def work_until_idle() -> None:
    """Passes until nothing is due (`worker --once`, and the tests)."""
    while work_due(lambda: False, time.monotonic):
        pass
