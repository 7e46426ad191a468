"""What the cancellation process tells the apps built on it (the OPTimo form, in
access_forms), sent inside the transaction of the change: what a receiver writes is
committed, or rolled back, with the change itself."""

from django.dispatch import Signal

# A request was just recorded (in request_submit's transaction). Arguments: `request`.
request_submitted = Signal()

# An open request was withdrawn or rejected. Arguments: `request`, `actor`, `ip`.
request_closed = Signal()

# A request made without an account (the public page): what the customer signs is sent
# to them by e-mail. Arguments: `request`, `actor`, `ip`, `build_url` (the link around
# its token).
request_made_without_account = Signal()

# An open request's date changed (request_reschedule). Arguments: `request`, `actor`, `ip`.
request_rescheduled = Signal()
