"""One exception class per way a call can fail; all are ``ChallengeError``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: the app reads errors before pydantic is loaded
    from client.models import FieldError, Problem

PHASE_CLOSED = "/problems/phase-closed"
REGISTRATION_CLOSED = "/problems/registration-closed"
CODE_INVALID = "/problems/registration-code-invalid"


class ChallengeError(Exception):
    """Anything that went wrong talking to the challenge server."""


class ConfigError(ChallengeError):
    """A bad setting; the message names the key and where it came from."""


class ConnectionFailed(ChallengeError):
    """The server could not be reached (refused, unresolvable, dropped)."""


class TimedOut(ConnectionFailed):
    """The server did not answer in time."""


class CertificateError(ConnectionFailed):
    """The server's TLS certificate could not be verified."""


class ResponseInvalid(ChallengeError):
    """The server answered, but not with what the API promises."""


class ApiError(ChallengeError):
    """The server refused the request with a problem (RFC 9457)."""

    def __init__(self, problem: Problem, request_id: str | None = None) -> None:
        self.problem = problem
        self.status = problem.status
        self.type = problem.type
        self.title = problem.title
        self.detail = problem.detail
        self.errors: list[FieldError] = list(problem.errors)
        self.request_id = request_id or problem.request_id
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """A sentence a person can read: the detail if there is one, else the title."""
        return self.detail or self.title

    def field_errors(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}


class Unauthorized(ApiError):
    """401: not signed in, or the token expired or was revoked."""


class Forbidden(ApiError):
    """403: signed in, but not allowed."""


class PhaseClosed(Forbidden):
    """403: the challenge's current phase does not allow this."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: e.g. already registered, vote budget spent, idempotency key reused."""


class PayloadTooLarge(ApiError):
    """413: the body is over the server's cap."""


class Invalid(ApiError):
    """422: the request failed validation; ``errors`` names the fields."""


class RateLimited(ApiError):
    """429: wait ``retry_after`` seconds."""

    def __init__(self, problem: Problem, request_id: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(problem, request_id)
        self.retry_after = retry_after if retry_after is not None else problem.retry_after


class ServerError(ApiError):
    """5xx: the server failed; the message carries the request id for its operators."""

    @property
    def message(self) -> str:
        text = super().message
        if self.request_id and self.request_id not in text:
            text = f"{text.rstrip()} (request id {self.request_id})"
        return text


_BY_STATUS: dict[int, type[ApiError]] = {
    401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    413: PayloadTooLarge, 422: Invalid, 429: RateLimited,
}


def error_for(problem: Problem, request_id: str | None,
              retry_after: float | None = None) -> ApiError:
    if problem.status == 403 and problem.type == PHASE_CLOSED:
        return PhaseClosed(problem, request_id)
    if problem.status == 429:
        return RateLimited(problem, request_id, retry_after)
    cls = _BY_STATUS.get(problem.status)
    if cls is None:
        cls = ServerError if problem.status >= 500 else ApiError
    return cls(problem, request_id)
