"""The OPTimo form's refusals: a stable code and a message for the person."""

from toolbox.refusals import Refusal


class FormError(Refusal):
    """A form the rules or its state refuse."""
