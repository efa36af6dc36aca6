"""The client's live iterator: typed events, and a reconnect that resumes where it was
after its server restarted (what happened meanwhile went through another instance)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from client import ChallengeClient, Unauthorized
from client.event_models import CountsEvent, LiveEvent, SubmissionEvent
from client.models import ChallengeCreate, SubmissionCreate
from server.app import create_app
from server.config import Settings
from tests.live_support import WAIT
from tests.support import LiveServer, add_users, challenge_spec, reset_database


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], events_counts_seconds=0,
                    events_poll_seconds=0.5, events_heartbeat_seconds=1)


class Collector:
    """Runs the iterator in the background; a test waits for what it collected."""

    def __init__(self, api: ChallengeClient) -> None:
        self.stream = api.live_events(backoff_cap=0.5, read_timeout=5)
        self.events: asyncio.Queue[LiveEvent | BaseException] = asyncio.Queue()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for event in self.stream:
                await self.events.put(event)
        except Exception as exc:
            await self.events.put(exc)

    async def next(self, name: str) -> LiveEvent:
        while True:
            got = await asyncio.wait_for(self.events.get(), WAIT)
            if isinstance(got, BaseException):
                raise got
            if got.name == name:
                return got

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


@pytest.fixture
async def servers(settings: Settings) -> AsyncIterator[list[LiveServer]]:
    await reset_database(settings.database_url)
    made = [LiveServer(create_app(settings), timeout_graceful_shutdown=1) for _ in range(2)]
    for server in made:
        server.start()
    try:
        yield made
    finally:
        for server in made:
            server.stop()


async def test_the_iterator_reconnects_after_a_restart_and_resumes(
        servers: list[LiveServer], settings: Settings) -> None:
    first, other = servers
    (_, admin), (_, bob), (_, ann) = [
        (await add_users(settings.database_url, 1, role=role, prefix=f"{role}{i}-"))[0]
        for i, role in enumerate(("admin", "participant", "participant"))]
    async with ChallengeClient(other.url, token=admin) as boss, \
            ChallengeClient(other.url, token=bob) as writer, \
            ChallengeClient(first.url, token=ann, retries=0) as reader:
        await boss.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        live = Collector(reader)
        try:
            made = await writer.create_submission(
                "change", SubmissionCreate(kind="story", title="Before", body="b"))
            got = await live.next("submission.created")
            assert isinstance(got.data, SubmissionEvent) and got.data.id == made.id
            assert live.stream.live and live.stream.last_event_id is not None
            first.stop()  # the reader's server goes away...
            missed = await writer.create_submission(  # ...while this happens elsewhere
                "change", SubmissionCreate(kind="story", title="Meanwhile", body="b"))
            await writer.vote(missed.id, 1)
            restarted = LiveServer(create_app(settings), port=first.port)
            restarted.start()
            servers.append(restarted)
            got = await live.next("submission.created")
            assert isinstance(got.data, SubmissionEvent) and got.data.id == missed.id
            counts = await live.next("submission.counts")
            assert isinstance(counts.data, CountsEvent)
            assert [(i.id, i.up) for i in counts.data.items] == [(missed.id, 1)]
            assert live.stream.reconnects >= 1 and live.stream.live
        finally:
            await live.stop()


async def test_a_refused_token_stops_the_iterator(servers: list[LiveServer]) -> None:
    async with ChallengeClient(servers[0].url, token="not-a-token", retries=0) as api:
        with pytest.raises(Unauthorized):
            async for _ in api.live_events():
                pass
