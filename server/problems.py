"""RFC 9457 problem responses: every error the API returns is one of these."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as DatabaseTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from client.models import VALIDATION as VALIDATION  # a problem type, defined with its 422
from client.models import FieldError, Problem, field_error, validation_problem
from server.db import unavailable

PROBLEM_JSON = "application/problem+json"

# Problem types: relative URIs, stable across servers, documented in the README.
PHASE_CLOSED = "/problems/phase-closed"
COUNTS_HIDDEN = "/problems/counts-hidden"
VOTE_BUDGET = "/problems/vote-budget-spent"
IDEMPOTENCY_MISMATCH = "/problems/idempotency-key-reused"
RATE_LIMITED = "/problems/rate-limited"
DOMAIN_NOT_ALLOWED = "/problems/email-domain-not-allowed"
DATABASE_UNAVAILABLE = "/problems/database-unavailable"
REGISTRATION_CLOSED = "/problems/registration-closed"
CODE_INVALID = "/problems/registration-code-invalid"
DRAFT_CONFLICT = "/problems/draft-conflict"
DRAFT_TOO_LARGE = "/problems/draft-too-large"
TOO_MANY_DRAFTS = "/problems/too-many-drafts"
PAIR_GONE = "/problems/pair-gone"

#: Seconds a client is asked to wait when the database is unreachable.
DATABASE_RETRY_AFTER = 5

log = logging.getLogger("server")

_TITLES = {
    400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 409: "Conflict", 413: "Request body too large",
    415: "Unsupported media type", 422: "Invalid request", 429: "Too many requests",
    500: "Internal server error", 503: "Service unavailable",
}


class ProblemError(Exception):
    """Raise anywhere in a request to answer with a problem."""

    def __init__(self, status: int, detail: str | None = None, *, type: str = "about:blank",
                 title: str | None = None, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None, retry_after: int | None = None) -> None:
        super().__init__(detail or title or _TITLES.get(status, "Error"))
        self.problem = Problem(type=type, title=title or _TITLES.get(status, "Error"),
                               status=status, detail=detail, errors=errors or [],
                               retry_after=retry_after)
        self.headers = dict(headers or {})
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)


def problem_response(problem: Problem, request: Request | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    if request is not None:
        problem.request_id = getattr(request.state, "request_id", None)
    return JSONResponse(problem.model_dump(mode="json", exclude_none=True),
                        status_code=problem.status,
                        media_type=PROBLEM_JSON, headers=headers)


def not_found(what: str) -> ProblemError:
    return ProblemError(404, f"No such {what}.")


def database_unavailable(error: BaseException) -> ProblemError:
    """503 for a database that cannot be reached: the client may retry after a pause.
    Only the error's class is told (its text may name the database's host)."""
    return ProblemError(503, f"The database is not answering ({type(error).__name__}); try "
                             f"again in a few seconds.", type=DATABASE_UNAVAILABLE,
                        title="Database unavailable", retry_after=DATABASE_RETRY_AFTER)


def install(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(exc.problem.model_copy(), request, exc.headers)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [FieldError(field="body", message="the body is not valid JSON")
                  if err.get("type") == "json_invalid" else field_error(err, located=True)
                  for err in exc.errors()]
        return problem_response(validation_problem(errors), request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        problem = Problem(title=_TITLES.get(exc.status_code, "Error"), status=exc.status_code,
                          detail=str(exc.detail) if exc.detail else None)
        return problem_response(problem, request, dict(exc.headers or {}))

    async def on_database(request: Request, exc: Exception) -> JSONResponse:
        reason = unavailable(exc)
        if reason is None:
            raise exc  # not an outage: on to on_crash, a 500
        # Answered here rather than by on_crash, so the connection stays open (uvicorn
        # closes it after an exception that escapes the app), and with a 503 to retry.
        log.warning("database unavailable (request %s): %s",
                    getattr(request.state, "request_id", "-"), reason)
        return await on_problem(request, database_unavailable(exc))

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        # The id the client shows, next to the traceback the server logs after this.
        log.error("request %s failed: %s: %s", getattr(request.state, "request_id", "-"),
                  type(exc).__name__, exc)
        problem = Problem(title="Internal server error", status=500,
                          detail="The server failed; the request id helps its operators.")
        return problem_response(problem, request)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    for error in (DBAPIError, DatabaseTimeout, OSError):
        app.add_exception_handler(error, on_database)
    app.add_exception_handler(Exception, on_crash)
