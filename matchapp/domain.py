"""The one kind of error services raise when the rules refuse a request.

Each feature has its own subclass (AccountError, ListingError, IntroductionError, ...).
`status` says how the refusal is answered: 400 bad input, 403 not allowed for this user,
404 not visible to them, 409 not possible in the current state. Views and the API may
catch one to answer in their own way (a form message next to the field); one left
uncaught is answered in one place (errors.py): a JSON error for the API, the page with
the flashed reason and a way back for the site, never a 500.
"""

CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}


class DomainError(Exception):
    def __init__(self, message, status: int = 400, field: str | None = None):
        super().__init__(str(message))
        self.message, self.status, self.field = message, status, field

    @property
    def code(self) -> str:
        return CODES.get(self.status, "bad_request")
