"""Every state machine's statuses and every audit action, each written once.

No Django here (like `rules.py`, beside it): the models build their choices from these
names (with the labels people read), the rules and the services compare with them, and a
misspelt status is a type error, not a silent miss. How each machine moves, and which
service moves it: docs/states.md.
"""

from enum import StrEnum


class RequestState(StrEnum):
    """A cancellation request (cancellations.CancellationRequest)."""

    SUBMITTED = "submitted"  # received: "Reçue"
    CONFIRMED = "confirmed"  # taken into account: "Prise en compte"
    COMPLETED = "completed"  # the effective date has passed, the service has ended
    WITHDRAWN = "withdrawn"  # by the customer (or stopped by them, for a switch)
    REJECTED = "rejected"  # by an agent, with a reason


class FormState(StrEnum):
    """The OPTimo form of a request (access_forms.AccessLineForm)."""

    NOT_NEEDED = "not_needed"  # no fixed-line access
    AUTO_CLOSED = "auto_closed"  # the phone line is cancelled: the access closes with it
    AWAITING_SIGNATURE = "awaiting_signature"
    SIGNED = "signed"
    INVALID = "invalid"  # checked and refused by an agent: to sign again
    FORWARDED = "forwarded"  # sent to the operator in a batch
    ACKNOWLEDGED = "acknowledged"  # accepted by the operator
    REFUSED_BY_OPERATOR = "refused_by_operator"
    CANCELLED = "cancelled"  # its request was withdrawn or rejected


class SwitchState(StrEnum):
    """A switch placed by a gaining provider (switching.Switch), read from its request."""

    ORDERED = "ordered"
    OBJECTED = "objected"  # stopped by the customer ("Je n'ai rien demandé")
    CANCELLED = "cancelled"  # called off by the provider, or its request rejected
    COMPLETED = "completed"


class SubmissionState(StrEnum):
    """A cancellation sent from the page without login (cancellations.PublicSubmission)."""

    PENDING = "pending"  # its identity is to be confirmed (code or agent)
    ACCEPTED = "accepted"  # its request exists
    REFUSED = "refused"  # an agent could not verify the identity


class AuditAction(StrEnum):
    """What the audit log records (audit.AuditEntry.action); the back office words each."""

    REQUEST_SUBMIT = "request.submit"
    REQUEST_CONFIRM = "request.confirm"
    REQUEST_REJECT = "request.reject"
    REQUEST_WITHDRAW = "request.withdraw"
    REQUEST_COMPLETE = "request.complete"
    REQUEST_NOTE = "request.note"
    REQUEST_RESCHEDULE = "request.reschedule"
    REQUEST_RETENTION = "request.retention"
    FORM_SIGN = "form.sign"
    FORM_UPLOAD = "form.upload"
    FORM_ORDER = "form.order"
    FORM_NEW_DATE = "form.new_date"
    FORM_SEND_LINK = "form.send_link"
    FORM_VALID = "form.valid"
    FORM_INVALID = "form.invalid"
    FORM_REMIND = "form.remind"
    FORM_CANCEL = "form.cancel"
    FORM_RECALL = "form.recall"
    FORM_ACKNOWLEDGED = "form.acknowledged"
    FORM_REFUSED = "form.refused"
    FORM_RECALL_CONFIRMED = "form.recall_confirmed"
    FORM_RECALL_REFUSED = "form.recall_refused"
    FORMS_FORWARD = "forms.forward"
    EMAIL_RESEND = "email.resend"
    CUSTOMER_SEND_ACCESS_LINK = "customer.send_access_link"
    MAILBOX_REMIND = "mailbox.remind"
    MAILBOX_DELETE = "mailbox.delete"
    CALENDAR_ADD = "calendar.add"
    CALENDAR_REMOVE = "calendar.remove"
    STAFF_CREATE = "staff.create"
    STAFF_ROLE = "staff.role"
    STAFF_ACTIVATE = "staff.activate"
    STAFF_DEACTIVATE = "staff.deactivate"
    API_CALL = "api.call"
    API_KEY_CREATE = "api_key.create"
    API_KEY_REVOKE = "api_key.revoke"
    WEBHOOK_CREATE = "webhook.create"
    WEBHOOK_ENABLE = "webhook.enable"
    WEBHOOK_DISABLE = "webhook.disable"
    WEBHOOK_TEST = "webhook.test"
    WEBHOOK_REPLAY = "webhook.replay"
    PUBLIC_SUBMIT = "public.submit"
    PUBLIC_NEW_CODE = "public.new_code"
    PUBLIC_CONFIRM = "public.confirm"
    PUBLIC_VERIFY = "public.verify"
    PUBLIC_REFUSE = "public.refuse"
    SWITCH_MATCH = "switch.match"
    SWITCH_ORDER = "switch.order"
    SWITCH_RESCHEDULE = "switch.reschedule"
    SWITCH_CANCEL = "switch.cancel"
    SWITCH_OBJECT = "switch.object"
    SWITCH_RETENTION = "switch.retention"
    SUBSCRIPTION_NEW_SWITCHING_CODE = "subscription.new_switching_code"
