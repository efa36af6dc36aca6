"""``SyncChallengeClient``: the async client's endpoints for scripts, each run on a
private event loop in a background thread (written once, on ``ChallengeClient``)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from client.api import ChallengeClient
from client.config import ClientConfig
from client.drafts_models import Draft
from client.models import FlagReason, Kind, QueueItem, Sort, Submission, TargetType

P = ParamSpec("P")
T = TypeVar("T")


class _LoopThread:
    """An event loop in a daemon thread, for running the async client from sync code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="challenge-client",
                                        daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


def _blocking(method: Callable[Concatenate[ChallengeClient, P], Coroutine[Any, Any, T]]
              ) -> Callable[Concatenate[SyncChallengeClient, P], T]:
    """The sync twin of an async endpoint: same signature, same docstring, same types."""

    def call(self: SyncChallengeClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._loop.run(method(self._client, *args, **kwargs))

    call.__name__ = method.__name__
    call.__doc__ = method.__doc__
    return call


class SyncChallengeClient:
    """The same API for scripts: ``with SyncChallengeClient(url) as api: api.login(...)``."""

    def __init__(self, server: str, **options: Any) -> None:
        self._loop = _LoopThread()
        self._client = ChallengeClient(server, **options)

    @classmethod
    def from_config(cls, config: ClientConfig, **options: Any) -> SyncChallengeClient:
        sync = cls.__new__(cls)
        sync._loop = _LoopThread()
        sync._client = ChallengeClient.from_config(config, **options)
        return sync

    @property
    def server(self) -> str:
        return self._client.server

    @property
    def token(self) -> str | None:
        return self._client.token

    @token.setter
    def token(self, value: str | None) -> None:
        self._client.token = value

    def close(self) -> None:
        self._loop.run(self._client.aclose())
        self._loop.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def iter_submissions(self, slug: str, *, kind: Kind | None = None, sort: Sort = "new",
                         q: str | None = None, theme: str | None = None,
                         page_size: int = 100) -> Iterator[Submission]:
        """Every matching submission, page after page."""
        cursor: str | None = None
        while True:
            page = self.list_submissions(slug, kind=kind, sort=sort, q=q, theme=theme,
                                         cursor=cursor, limit=page_size)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def iter_moderation_queue(self, *, challenge: str | None = None,
                              kind: Kind | None = None, type: TargetType | None = None,
                              flag_reason: FlagReason | None = None,
                              page_size: int = 100) -> Iterator[QueueItem]:
        """Every queued item, page after page."""
        cursor: str | None = None
        while True:
            page = self.moderation_queue(challenge=challenge, kind=kind, type=type,
                                         flag_reason=flag_reason, cursor=cursor,
                                         limit=page_size)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def iter_drafts(self, *, prefix: str | None = None, page_size: int = 50) -> Iterator[Draft]:
        """Every draft of yours, page after page."""
        cursor: str | None = None
        while True:
            page = self.list_drafts(prefix=prefix, cursor=cursor, limit=page_size)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    health = _blocking(ChallengeClient.health)
    register = _blocking(ChallengeClient.register)
    confirm_registration = _blocking(ChallengeClient.confirm_registration)
    login = _blocking(ChallengeClient.login)
    logout = _blocking(ChallengeClient.logout)
    me = _blocking(ChallengeClient.me)
    list_challenges = _blocking(ChallengeClient.list_challenges)
    get_challenge = _blocking(ChallengeClient.get_challenge)
    create_challenge = _blocking(ChallengeClient.create_challenge)
    update_challenge = _blocking(ChallengeClient.update_challenge)
    stats = _blocking(ChallengeClient.stats)
    list_submissions = _blocking(ChallengeClient.list_submissions)
    create_submission = _blocking(ChallengeClient.create_submission)
    get_submission = _blocking(ChallengeClient.get_submission)
    update_submission = _blocking(ChallengeClient.update_submission)
    withdraw_submission = _blocking(ChallengeClient.withdraw_submission)
    vote = _blocking(ChallengeClient.vote)
    unvote = _blocking(ChallengeClient.unvote)
    list_comments = _blocking(ChallengeClient.list_comments)
    add_comment = _blocking(ChallengeClient.add_comment)
    flag_submission = _blocking(ChallengeClient.flag_submission)
    flag_comment = _blocking(ChallengeClient.flag_comment)
    moderation_queue = _blocking(ChallengeClient.moderation_queue)
    decide = _blocking(ChallengeClient.decide)
    undo_action = _blocking(ChallengeClient.undo_action)
    moderation_log = _blocking(ChallengeClient.moderation_log)
    export_challenge = _blocking(ChallengeClient.export_challenge)
    # the develop stage (client/guide_api.py)
    guide_suggestions = _blocking(ChallengeClient.guide_suggestions)
    create_guide_entry = _blocking(ChallengeClient.create_guide_entry)
    list_guide_entries = _blocking(ChallengeClient.list_guide_entries)
    get_guide_entry = _blocking(ChallengeClient.get_guide_entry)
    update_guide_entry = _blocking(ChallengeClient.update_guide_entry)
    edit_guide_entry = _blocking(ChallengeClient.edit_guide_entry)
    restore_guide_version = _blocking(ChallengeClient.restore_guide_version)
    remove_guide_entry = _blocking(ChallengeClient.remove_guide_entry)
    list_guide_versions = _blocking(ChallengeClient.list_guide_versions)
    get_guide_version = _blocking(ChallengeClient.get_guide_version)
    pledge_guide_entry = _blocking(ChallengeClient.pledge_guide_entry)
    withdraw_guide_pledge = _blocking(ChallengeClient.withdraw_guide_pledge)
    list_guide_comments = _blocking(ChallengeClient.list_guide_comments)
    add_guide_comment = _blocking(ChallengeClient.add_guide_comment)
    flag_guide_entry = _blocking(ChallengeClient.flag_guide_entry)
    flag_guide_comment = _blocking(ChallengeClient.flag_guide_comment)
    get_guide = _blocking(ChallengeClient.get_guide)
    export_guide = _blocking(ChallengeClient.export_guide)
    order_guide = _blocking(ChallengeClient.order_guide)
    publish_guide = _blocking(ChallengeClient.publish_guide)
    # a person's drafts (client/drafts_api.py)
    list_drafts = _blocking(ChallengeClient.list_drafts)
    get_draft = _blocking(ChallengeClient.get_draft)
    put_draft = _blocking(ChallengeClient.put_draft)
    delete_draft = _blocking(ChallengeClient.delete_draft)
    # notifications (client/events_api.py; the live stream is async only)
    notifications = _blocking(ChallengeClient.notifications)
    mark_notifications_read = _blocking(ChallengeClient.mark_notifications_read)
