"""The typed client's draft methods against the real server over a real socket
(SQLite; tests/test_drafts.py runs the API on both databases): typed errors,
DraftConflict's current draft, a retried write that had arrived, and the sync twins."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from pydantic import JsonValue

from client import (
    ChallengeClient,
    DraftConflict,
    DraftTooLarge,
    Invalid,
    NotFound,
    SyncChallengeClient,
    TooManyDrafts,
    Unauthorized,
)
from server.config import Settings
from tests.support import LiveServer, add_users


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], drafts_per_user=3)


class Counting(httpx.AsyncBaseTransport):
    """Counts the requests that leave the client."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return await self.inner.handle_async_request(request)


async def test_every_draft_method(live: LiveServer, database_url: str) -> None:
    (_, ada_t), (_, bob_t) = await add_users(database_url, 2, prefix="d")
    async with ChallengeClient(live.url, token=ada_t) as ada, \
            ChallengeClient(live.url, token=bob_t) as bob, \
            ChallengeClient(live.url) as anon:
        draft = await ada.put_draft("submission:change", {"title": "Huddles", "body": ""})
        assert (draft.key, draft.version) == ("submission:change", 1)
        assert (await ada.get_draft("submission:change")) == draft
        again = await ada.put_draft("submission:change", {"title": "Huddles", "body": "x"},
                                    version=1)
        assert again.version == 2 and again.value == {"title": "Huddles", "body": "x"}

        with pytest.raises(DraftConflict) as caught:
            await ada.put_draft("submission:change", "stale", version=1)
        assert caught.value.current == again
        with pytest.raises(DraftConflict) as caught:
            await ada.put_draft("submission:change", "new", create_only=True)
        assert caught.value.current == again
        # A write that had arrived (its answer lost, then retried) is not a conflict.
        assert (await ada.put_draft("submission:change", again.value, version=1)) == again

        with pytest.raises(NotFound):
            await bob.get_draft("submission:change")
        with pytest.raises(DraftConflict) as caught:
            await bob.put_draft("submission:change", 1, version=2)
        assert caught.value.current is None
        with pytest.raises(Unauthorized):
            await anon.list_drafts()

        await ada.put_draft("queue:abc123", {"idempotency_key": "abc123"}, create_only=True)
        await ada.put_draft("queue:def456", {"idempotency_key": "def456"})
        with pytest.raises(TooManyDrafts):
            await ada.put_draft("guide:1", "one too many")
        page = await ada.list_drafts(prefix="queue:", limit=1)
        assert [d.key for d in page.items] == ["queue:abc123"] and page.next_cursor
        assert [d.key async for d in ada.iter_drafts(page_size=1)] == [
            "queue:abc123", "queue:def456", "submission:change"]
        with pytest.raises(DraftTooLarge):
            await ada.put_draft("queue:abc123", "x" * 204_000 + "é" * 500)

        with pytest.raises(DraftConflict):
            await ada.delete_draft("queue:abc123", version=5)
        await ada.delete_draft("queue:abc123", version=1)
        with pytest.raises(NotFound):
            await ada.delete_draft("queue:abc123")
        await ada.delete_draft("queue:abc123", missing_ok=True)
        assert [d.key async for d in ada.iter_drafts()] == ["queue:def456", "submission:change"]


async def test_what_the_server_would_refuse_never_leaves(live: LiveServer,
                                                          database_url: str) -> None:
    ((_, token),) = await add_users(database_url, 1, prefix="v")
    counting = Counting()
    async with ChallengeClient(live.url, token=token, transport=counting) as api:
        for key in ("..", ".", "", "a/b", "../../me", "x" * 101, "été", "a b", "-x"):
            for call in (api.get_draft(key), api.put_draft(key, 1), api.delete_draft(key)):
                with pytest.raises(Invalid):
                    await call
        deep: JsonValue = []
        for _ in range(40):
            deep = [deep]
        values: list[JsonValue] = [float("inf"), {"a": "\ud800"}, deep]
        for value in values:
            with pytest.raises(Invalid):
                await api.put_draft("k", value)
        with pytest.raises(ValueError):
            await api.put_draft("k", 1, version=1, create_only=True)
        assert counting.sent == 0


def test_sync_twins(live: LiveServer, database_url: str) -> None:
    ((_, token),) = asyncio.run(add_users(database_url, 1, prefix="s"))
    with SyncChallengeClient(live.url, token=token) as api:
        draft = api.put_draft("guide:7", {"body": "## What it is"})
        assert api.get_draft("guide:7") == draft
        assert [d.key for d in api.list_drafts().items] == ["guide:7"]
        assert [d.key for d in api.iter_drafts(prefix="guide:")] == ["guide:7"]
        api.delete_draft("guide:7", version=draft.version)
        assert list(api.iter_drafts()) == []
