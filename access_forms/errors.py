"""The OPTimo form's refusals: a stable code and a message for the person."""


class FormError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
