"""The one shape of a refusal: a change the rules or the state refuse."""


class Refusal(Exception):
    """A stable `code` (what the API answers and the tests check) and a `message` in the
    reader's language. Each app names its own kind (RequestError, FormError ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
