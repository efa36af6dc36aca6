"""One request per action, on connections kept across an idle pause: the API's embedded
comments and the client's and the server's keep-alive, against a live server (both
databases)."""

from __future__ import annotations

import asyncio

from client import ChallengeClient
from client.models import ChallengeCreate, SubmissionCreate
from client.transport import KEEPALIVE_SECONDS
from server.cli import KEEP_ALIVE_SECONDS, uvicorn_options
from server.config import Settings
from tests.network_support import CountedServer, counted_live
from tests.support import add_users, challenge_spec

__all__ = ["counted_live"]  # the fixture, used by name

DEFAULTS = 5.0  # seconds httpx and uvicorn kept an idle connection before
PAUSE = DEFAULTS + 0.5  # a person's pause, longer than those (the behaviour under test)


def test_the_server_keeps_idle_connections_longer_than_the_client_does(
        settings: Settings) -> None:
    # The client closes first (never sending on a connection the server is closing),
    # and both keep one minutes, not seconds.
    assert uvicorn_options(settings)["timeout_keep_alive"] == KEEP_ALIVE_SECONDS
    assert KEEP_ALIVE_SECONDS > KEEPALIVE_SECONDS >= 60 > PAUSE


async def test_the_client_keeps_its_connection_across_an_idle_pause(
        counted_live: CountedServer, database_url: str) -> None:
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    async with ChallengeClient(counted_live.url, token=token) as api:
        pool = api._t._http._transport._pool  # type: ignore[attr-defined]
        assert pool._keepalive_expiry == KEEPALIVE_SECONDS
        await api.list_challenges()
        await asyncio.sleep(PAUSE)
        await api.list_challenges()
    assert len(counted_live.counted.seen) == 2
    assert len(counted_live.counted.connections()) == 1


async def test_a_submission_comes_with_its_first_comments_in_one_request(
        counted_live: CountedServer, database_url: str) -> None:
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    async with ChallengeClient(counted_live.url, token=token) as api:
        await api.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        made = await api.create_submission("change", SubmissionCreate(
            kind="story", title="Story", body="body"))
        for i in range(3):
            await api.add_comment(made.id, f"comment {i}")
        alone = await api.get_submission(made.id)
        listed = await api.list_comments(made.id, limit=2)
        mark = len(counted_live.counted.seen)
        opened = await api.get_submission(made.id, comments=2)
    assert [r[1:] for r in counted_live.counted.since(mark)] == [
        ("GET", f"/api/v1/submissions/{made.id}")]
    assert alone.comment_page is None  # not asked for
    assert opened.comment_page == listed  # the same page, cursor included
    assert opened.model_copy(update={"comment_page": None}) == alone
