"""One exception class per way a call can fail; all are ``ChallengeError``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not at run time: the app reads errors before pydantic is loaded
    from client.drafts_models import Draft
    from client.guide_models import GuideEntry
    from client.models import FieldError, Problem

PHASE_CLOSED = "/problems/phase-closed"
REGISTRATION_CLOSED = "/problems/registration-closed"
CODE_INVALID = "/problems/registration-code-invalid"
EDIT_CONFLICT = "/problems/edit-conflict"
DRAFT_CONFLICT = "/problems/draft-conflict"
DRAFT_TOO_LARGE = "/problems/draft-too-large"
TOO_MANY_DRAFTS = "/problems/too-many-drafts"


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


class EditConflict(ApiError):
    """412: a guide entry edit started from a version that is no longer the current one
    (someone else's edit came first). ``current`` is the entry as it is now, to start
    again from; its ``version`` is what the next edit names."""

    def __init__(self, problem: Problem, request_id: str | None = None,
                 current: GuideEntry | None = None) -> None:
        super().__init__(problem, request_id)
        self.current = current


class DraftConflict(ApiError):
    """412: a draft write or delete named a version (``If-Match``) the draft is no longer
    at, or said ``If-None-Match: *`` where a draft exists. ``current`` is the draft now
    (None when there is none): merge with it, or write again naming its version."""

    def __init__(self, problem: Problem, request_id: str | None = None,
                 current: Draft | None = None) -> None:
        super().__init__(problem, request_id)
        self.current = current


class TooManyDrafts(Conflict):
    """409: a new draft past the number a person may keep; delete some first."""


class DraftTooLarge(PayloadTooLarge):
    """413: the draft is larger than the server keeps."""


class PreconditionRequired(ApiError):
    """428: the edit did not say which version it started from."""


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


def _current_entry(body: bytes | None) -> GuideEntry | None:
    """The entry a 412 edit-conflict problem carries (None if it does not)."""
    if not body:
        return None
    from pydantic import ValidationError

    from client.guide_models import EditConflictProblem

    try:
        return EditConflictProblem.model_validate_json(body).current
    except ValidationError:
        return None


def _current_draft(body: bytes | None) -> Draft | None:
    """The draft a 412 draft-conflict problem carries (None if it does not)."""
    if not body:
        return None
    from pydantic import ValidationError

    from client.drafts_models import DraftConflictProblem

    try:
        return DraftConflictProblem.model_validate_json(body).current
    except ValidationError:
        return None


def error_for(problem: Problem, request_id: str | None,
              retry_after: float | None = None, body: bytes | None = None) -> ApiError:
    """The exception for a problem; ``body``: the response's, for what a problem type
    carries beyond the problem fields (a 412's current entry)."""
    if problem.status == 403 and problem.type == PHASE_CLOSED:
        return PhaseClosed(problem, request_id)
    if problem.status == 412 and problem.type == DRAFT_CONFLICT:
        return DraftConflict(problem, request_id, _current_draft(body))
    if problem.status == 409 and problem.type == TOO_MANY_DRAFTS:
        return TooManyDrafts(problem, request_id)
    if problem.status == 413 and problem.type == DRAFT_TOO_LARGE:
        return DraftTooLarge(problem, request_id)
    if problem.status == 412:
        return EditConflict(problem, request_id, _current_entry(body))
    if problem.status == 428:
        return PreconditionRequired(problem, request_id)
    if problem.status == 429:
        return RateLimited(problem, request_id, retry_after)
    cls = _BY_STATUS.get(problem.status)
    if cls is None:
        cls = ServerError if problem.status >= 500 else ApiError
    return cls(problem, request_id)
