"""The refusals an action answers with, whichever app it belongs to; the API and the pages turn each
into its status code and show its message."""


class ActionError(Exception):
    """A refusal the caller can act on; `message` is in Chinese, `code` is stable for clients."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        # Field name → message, so that a form can show each error next to its field.
        self.errors = errors or ({field: message} if field else {})
        if code:
            self.code = code


class NotFound(ActionError):
    status, code = 404, "not_found"


class Forbidden(ActionError):
    status, code = 403, "forbidden"


class Conflict(ActionError):
    """The object is not in a state that allows the action (an illegal transition)."""

    status, code = 409, "illegal_state"


class Invalid(ActionError):
    status, code = 422, "invalid"
