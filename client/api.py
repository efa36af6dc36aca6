"""``ChallengeClient``: the typed async client (``SyncChallengeClient``, for scripts,
runs the same coroutines: client/sync_api.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from client.ballots_api import BallotsMixin
from client.config import ClientConfig
from client.drafts_api import DraftsMixin
from client.errors import Invalid
from client.events_api import EventsMixin
from client.guide_api import GuideMixin
from client.models import (
    AuthResponse,
    Challenge,
    ChallengeCreate,
    ChallengeSummary,
    ChallengeUpdate,
    Comment,
    CommentCreate,
    DecisionCreate,
    DecisionResult,
    ExportFormat,
    Flag,
    FlagCreate,
    FlagReason,
    Health,
    Kind,
    LoggedActionName,
    LoginRequest,
    ModerationAction,
    OpenedSubmission,
    Page,
    QueueItem,
    QueuePage,
    RegisterConfirm,
    RegisterRequest,
    RegistrationPending,
    Request,
    Sort,
    Stats,
    Submission,
    SubmissionCreate,
    SubmissionUpdate,
    TargetType,
    User,
    VoteRequest,
    VoteResult,
    field_error,
    validation_problem,
)
from client.pairs_api import PairsMixin
from client.reveal_api import RevealMixin
from client.transport import Transport

LogTarget = Literal["submission", "comment", "user", "entry", "entry_comment", "challenge"]


R = TypeVar("R", bound=Request)


def _request(model: type[R], **fields: Any) -> R:
    """A request body built from a method's arguments. What the server would refuse
    raises ``Invalid`` with the field errors its 422 would name (not pydantic's error)."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise Invalid(validation_problem([field_error(e) for e in exc.errors()])) from None


def _slug(slug: str) -> str:
    return quote(slug, safe="")


class ChallengeClient(GuideMixin, DraftsMixin, EventsMixin, PairsMixin, RevealMixin,
                      BallotsMixin):
    """The typed async client. Use as ``async with ChallengeClient(url) as api: ...``.
    The develop stage's endpoints (the guide) come from ``client.guide_api``, a person's
    drafts from ``client.drafts_api``, the live stream and notifications from
    ``client.events_api``, pairwise comparisons and the staff group from
    ``client.pairs_api``, revealing hidden counts from ``client.reveal_api``, receipts and
    the ballot log checked from ``client.ballots_api``."""

    def __init__(self, server: str, *, token: str | None = None, timeout: float = 15.0,
                 connect_timeout: float = 5.0, retries: int = 2,
                 ca_bundle: Path | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 **options: Any) -> None:
        self._t = Transport(server, token=token, timeout=timeout,
                            connect_timeout=connect_timeout, retries=retries,
                            ca_bundle=ca_bundle, transport=transport, **options)

    @classmethod
    def from_config(cls, config: ClientConfig, **options: Any) -> ChallengeClient:
        if config.server is None:
            raise ValueError("no server configured")
        settings: dict[str, Any] = {
            "token": config.token, "timeout": config.timeout,
            "connect_timeout": config.connect_timeout, "retries": config.retries,
            "ca_bundle": config.ca_bundle}
        return cls(config.server, **{**settings, **options})  # arguments win

    @property
    def server(self) -> str:
        return self._t.server

    @property
    def token(self) -> str | None:
        return self._t.token

    @token.setter
    def token(self, value: str | None) -> None:
        self._t.token = value

    async def aclose(self) -> None:
        await self._t.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    # --- service and accounts -------------------------------------------------------

    async def health(self) -> Health:
        return await self._t.call("GET", "/health", Health)

    async def register(self, email: str, display_name: str,
                       password: str) -> AuthResponse | RegistrationPending:
        """Create an account. Where registration is open, signed in at once: an
        ``AuthResponse``. Where the server confirms addresses by mail: a
        ``RegistrationPending``; pass it and the mailed code to ``confirm_registration``."""
        body = _request(RegisterRequest, email=email, display_name=display_name,
                        password=password)
        response = await self._t.send("POST", "/auth/register", body=body)
        if response.status_code == 202:
            return self._t.decode(response, RegistrationPending, "POST /auth/register")
        auth = self._t.decode(response, AuthResponse, "POST /auth/register")
        self.token = auth.token
        return auth

    async def confirm_registration(self, pending: RegistrationPending | str,
                                   code: str) -> AuthResponse:
        """Complete a registration with the code from the mail (spaces and dashes are
        fine); the client is then signed in. A wrong, used-up or expired code raises
        ``ApiError`` (400, type ``/problems/registration-code-invalid``)."""
        ticket = pending.registration if isinstance(pending, RegistrationPending) else pending
        body = _request(RegisterConfirm, registration=ticket, code=code)
        auth = await self._t.call("POST", "/auth/register/confirm", AuthResponse, body=body)
        self.token = auth.token
        return auth

    async def login(self, email: str, password: str) -> AuthResponse:
        body = _request(LoginRequest, email=email, password=password)
        auth = await self._t.call("POST", "/auth/login", AuthResponse, body=body)
        self.token = auth.token
        return auth

    async def logout(self) -> None:
        """Revoke the token on the server and forget it here."""
        try:
            await self._t.send("POST", "/auth/logout")
        finally:
            self.token = None

    async def me(self) -> User:
        return await self._t.call("GET", "/me", User)

    # --- challenges -----------------------------------------------------------------

    async def list_challenges(self, *, cursor: str | None = None,
                              limit: int = 20) -> Page[ChallengeSummary]:
        return await self._t.call("GET", "/challenges", Page[ChallengeSummary],
                                  params={"cursor": cursor, "limit": limit})

    async def get_challenge(self, slug: str) -> Challenge:
        return await self._t.call("GET", f"/challenges/{_slug(slug)}", Challenge)

    async def create_challenge(self, challenge: ChallengeCreate) -> Challenge:
        return await self._t.call("POST", "/challenges", Challenge, body=challenge)

    async def update_challenge(self, slug: str, changes: ChallengeUpdate) -> Challenge:
        return await self._t.call("PATCH", f"/challenges/{_slug(slug)}", Challenge,
                                  body=changes)

    async def stats(self, slug: str) -> Stats:
        return await self._t.call("GET", f"/challenges/{_slug(slug)}/stats", Stats)

    # --- submissions ----------------------------------------------------------------

    async def list_submissions(self, slug: str, *, kind: Kind | None = None,
                               sort: Sort = "new", q: str | None = None,
                               theme: str | None = None, cursor: str | None = None,
                               limit: int = 20, mine: bool = False) -> Page[Submission]:
        """One page; pass ``next_cursor`` back as ``cursor`` for the next. ``mine``: only
        the signed-in user's own, in every status, with a moderator's reason."""
        return await self._t.call(
            "GET", f"/challenges/{_slug(slug)}/submissions", Page[Submission],
            params={"kind": kind, "sort": sort, "q": q, "theme": theme, "cursor": cursor,
                    "limit": limit, "mine": "true" if mine else None})

    async def iter_submissions(self, slug: str, *, kind: Kind | None = None,
                               sort: Sort = "new", q: str | None = None,
                               theme: str | None = None,
                               page_size: int = 100) -> AsyncIterator[Submission]:
        """Every matching submission, page after page."""
        cursor: str | None = None
        while True:
            page = await self.list_submissions(slug, kind=kind, sort=sort, q=q, theme=theme,
                                               cursor=cursor, limit=page_size)
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def create_submission(self, slug: str, submission: SubmissionCreate, *,
                                idempotency_key: str | None = None) -> Submission:
        """Post a story or idea. Keep ``idempotency_key`` to retry a post safely later."""
        return await self._t.call("POST", f"/challenges/{_slug(slug)}/submissions",
                                  Submission, body=submission,
                                  idempotency_key=idempotency_key)

    async def get_submission(self, submission_id: int, *,
                             comments: int | None = None) -> OpenedSubmission:
        """The submission; with ``comments``, the first page of that many of its comments
        in ``comment_page`` (None from a server that does not embed them)."""
        return await self._t.call("GET", f"/submissions/{submission_id}", OpenedSubmission,
                                  params={"comments": comments})

    async def update_submission(self, submission_id: int,
                                changes: SubmissionUpdate) -> Submission:
        return await self._t.call("PATCH", f"/submissions/{submission_id}", Submission,
                                  body=changes)

    async def withdraw_submission(self, submission_id: int) -> None:
        await self._t.send("DELETE", f"/submissions/{submission_id}")

    async def vote(self, submission_id: int, value: Literal[1, -1]) -> VoteResult:
        return await self._t.call("PUT", f"/submissions/{submission_id}/vote", VoteResult,
                                  body=_request(VoteRequest, value=value))

    async def unvote(self, submission_id: int) -> VoteResult:
        return await self._t.call("DELETE", f"/submissions/{submission_id}/vote", VoteResult)

    # --- comments and flags ---------------------------------------------------------

    async def list_comments(self, submission_id: int, *, cursor: str | None = None,
                            limit: int = 50) -> Page[Comment]:
        return await self._t.call("GET", f"/submissions/{submission_id}/comments",
                                  Page[Comment], params={"cursor": cursor, "limit": limit})

    async def add_comment(self, submission_id: int, body: str, *, parent_id: int | None = None,
                          idempotency_key: str | None = None) -> Comment:
        return await self._t.call("POST", f"/submissions/{submission_id}/comments", Comment,
                                  body=_request(CommentCreate, body=body, parent_id=parent_id),
                                  idempotency_key=idempotency_key)

    async def flag_submission(self, submission_id: int, reason: FlagReason, note: str = "", *,
                              idempotency_key: str | None = None) -> Flag:
        return await self._t.call("POST", f"/submissions/{submission_id}/flags", Flag,
                                  body=_request(FlagCreate, reason=reason, note=note),
                                  idempotency_key=idempotency_key)

    async def flag_comment(self, comment_id: int, reason: FlagReason, note: str = "", *,
                           idempotency_key: str | None = None) -> Flag:
        return await self._t.call("POST", f"/comments/{comment_id}/flags", Flag,
                                  body=_request(FlagCreate, reason=reason, note=note),
                                  idempotency_key=idempotency_key)

    # --- moderation (moderators and admins) -----------------------------------------

    async def moderation_queue(self, *, challenge: str | None = None, kind: Kind | None = None,
                               type: TargetType | None = None,
                               flag_reason: FlagReason | None = None,
                               cursor: str | None = None, limit: int = 20) -> QueuePage:
        """Pending and reported items, oldest first; ``total`` counts all pages."""
        return await self._t.call(
            "GET", "/moderation/queue", QueuePage,
            params={"challenge": challenge, "kind": kind, "type": type,
                    "flag_reason": flag_reason, "cursor": cursor, "limit": limit})

    async def iter_moderation_queue(self, *, challenge: str | None = None,
                                    kind: Kind | None = None, type: TargetType | None = None,
                                    flag_reason: FlagReason | None = None,
                                    page_size: int = 100) -> AsyncIterator[QueueItem]:
        """Every queued item, page after page."""
        cursor: str | None = None
        while True:
            page = await self.moderation_queue(challenge=challenge, kind=kind, type=type,
                                               flag_reason=flag_reason, cursor=cursor,
                                               limit=page_size)
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def decide(self, decision: DecisionCreate, *,
                     idempotency_key: str | None = None) -> DecisionResult:
        """One action on up to 500 targets, all or nothing.

        ``Conflict`` (409) when another decision got there first: its ``errors`` name
        each target (``targets.3``) and the decision in the way (``... (action 42)``).
        """
        return await self._t.call("POST", "/moderation/decisions", DecisionResult,
                                  body=decision, idempotency_key=idempotency_key)

    async def undo_action(self, action_id: int, *,
                          idempotency_key: str | None = None) -> DecisionResult:
        """Undo a moderation action; ``Conflict`` if undone already or superseded."""
        return await self._t.call("POST", f"/moderation/actions/{action_id}/undo",
                                  DecisionResult, idempotency_key=idempotency_key)

    async def moderation_log(self, *, moderator: int | None = None,
                             action: LoggedActionName | None = None,
                             challenge: str | None = None,
                             target_type: LogTarget | None = None,
                             target_id: int | None = None, cursor: str | None = None,
                             limit: int = 20) -> Page[ModerationAction]:
        """The audit log, newest first; ``moderator`` is a moderator's user id."""
        return await self._t.call(
            "GET", "/moderation/log", Page[ModerationAction],
            params={"moderator": moderator, "action": action, "challenge": challenge,
                    "target_type": target_type, "target_id": target_id, "cursor": cursor,
                    "limit": limit})

    async def export_challenge(self, slug: str, format: ExportFormat, *,
                               top: int | None = None) -> str:
        """The challenge as CSV, JSON Lines or a Markdown guide skeleton (``top`` per theme)."""
        response = await self._t.send("GET", f"/challenges/{_slug(slug)}/export",
                                      params={"format": format, "top": top})
        return response.text
