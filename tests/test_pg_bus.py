"""The PostgreSQL bus: what one instance publishes reaches every other, once, in order,
and a lost listening connection is said, replaced and listened on again."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest

from server import pg_bus
from server.db import Database
from server.pg_bus import MAX_PAYLOAD, PgBus, asyncpg_dsn

WAIT = 10  # seconds: a bound on waiting for what must come, never a pause


class Inbox:
    """Messages a bus handed to this subscriber, and a way to wait for the n-th."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._changed = asyncio.Event()

    def __call__(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        self._changed.set()

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        async with asyncio.timeout(WAIT):
            while len(self.messages) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.messages


class States:
    def __init__(self) -> None:
        self.seen: list[bool] = []
        self._changed = asyncio.Event()

    def __call__(self, connected: bool) -> None:
        self.seen.append(connected)
        self._changed.set()

    async def wait_for(self, connected: bool) -> None:
        async with asyncio.timeout(WAIT):
            while not self.seen or self.seen[-1] != connected:
                self._changed.clear()
                await self._changed.wait()


@asynccontextmanager
async def bus(url: str) -> AsyncIterator[PgBus]:
    db = Database.connect(url, pool_size=2)
    instance = PgBus(url, db)
    try:
        yield instance
    finally:
        await instance.stop()
        await db.dispose()


async def terminate(url: str, who: PgBus) -> int:
    """``pg_terminate_backend`` on ``who``'s listening connection; how many it ended."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        ended: int = await conn.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = $1) AS t", who.application_name)
        return ended
    finally:
        await conn.close()


async def test_a_message_reaches_every_instance_once(postgresql_url: str) -> None:
    async with bus(postgresql_url) as a, bus(postgresql_url) as b:
        on_a, on_b, elsewhere = Inbox(), Inbox(), Inbox()
        a.subscribe("cache", on_a)
        b.subscribe("cache", on_b)
        b.subscribe("other", elsewhere)
        await a.start()
        await b.start()
        assert a.connected and b.connected

        await a.publish("cache", {"token": "x"})
        assert on_a.messages == [{"token": "x"}]  # its own: at once, not waiting for PG
        assert await on_b.wait_for(1) == [{"token": "x"}]
        await b.publish("cache", {"users": [1, 2]})
        assert await on_a.wait_for(2) == [{"token": "x"}, {"users": [1, 2]}]
        # Its own notification came back from PostgreSQL too, and was skipped: a later
        # message is the next one each sees.
        await a.publish("cache", {"n": 3})
        assert await on_b.wait_for(3) == [{"token": "x"}, {"users": [1, 2]}, {"n": 3}]
        assert on_a.messages == on_b.messages
        assert elsewhere.messages == []


async def test_concurrent_publishes_arrive_all_and_in_order(postgresql_url: str) -> None:
    async with bus(postgresql_url) as a, bus(postgresql_url) as b:
        on_b = Inbox()
        b.subscribe("votes", on_b)
        await a.start()
        await b.start()
        await asyncio.gather(*(a.publish("votes", {"n": n}) for n in range(300)))
        assert [m["n"] for m in await on_b.wait_for(300)] == list(range(300))


async def test_a_subscription_made_after_start_listens(postgresql_url: str) -> None:
    async with bus(postgresql_url) as a, bus(postgresql_url) as b:
        await a.start()
        await b.start()
        on_b = Inbox()
        b.subscribe("late", on_b)
        await b.ready()
        await a.publish("late", {"n": 1})
        assert await on_b.wait_for(1) == [{"n": 1}]


async def test_what_postgresql_cannot_carry_is_refused(postgresql_url: str) -> None:
    async with bus(postgresql_url) as a:
        await a.start()
        with pytest.raises(ValueError, match="8000 bytes"):
            await a.publish("cache", {"ids": "x" * MAX_PAYLOAD})
        with pytest.raises(ValueError, match="channel"):
            a.subscribe('x"; DROP TABLE users; --', Inbox())
        await a.publish("cache", {"ids": "x" * (MAX_PAYLOAD - 100)})  # near the limit: fine


async def test_a_failing_handler_does_not_stop_the_others(postgresql_url: str) -> None:
    async with bus(postgresql_url) as a, bus(postgresql_url) as b:
        def broken(message: dict[str, Any]) -> None:
            raise RuntimeError("a subscriber's bug")

        on_b = Inbox()
        b.subscribe("cache", broken)
        b.subscribe("cache", on_b)
        await a.start()
        await b.start()
        await a.publish("cache", {"n": 1})
        assert await on_b.wait_for(1) == [{"n": 1}]


async def test_a_lost_connection_is_said_replaced_and_listened_on(
        postgresql_url: str) -> None:
    async with bus(postgresql_url) as a, bus(postgresql_url) as b:
        on_b, states = Inbox(), States()
        b.subscribe("cache", on_b)
        await a.start()
        await b.start()
        b.on_state(states)
        assert states.seen == [True]

        assert await terminate(postgresql_url, b) == 1
        await states.wait_for(False)
        await states.wait_for(True)  # backoff starts at 0.1 s
        assert states.seen == [True, False, True]
        await a.publish("cache", {"after": "reconnect"})
        assert await on_b.wait_for(1) == [{"after": "reconnect"}]


async def test_publishing_while_down_goes_through_the_pool(
        postgresql_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_bus, "FIRST_DELAY", 3600.0)  # stays down until retry_now
    async with bus(postgresql_url) as a, bus(postgresql_url) as b:
        on_a, on_b, states = Inbox(), Inbox(), States()
        a.subscribe("cache", on_a)
        b.subscribe("cache", on_b)
        await a.start()
        await b.start()
        a.on_state(states)
        assert await terminate(postgresql_url, a) == 1
        await states.wait_for(False)

        await a.publish("cache", {"while": "down"})
        assert on_a.messages == [{"while": "down"}]
        assert await on_b.wait_for(1) == [{"while": "down"}]

        a.retry_now()
        await states.wait_for(True)
        await b.publish("cache", {"back": True})
        assert await on_a.wait_for(2) == [{"while": "down"}, {"back": True}]


async def test_a_database_not_there_yet_is_no_error() -> None:
    with socket.socket() as hole:  # bound, not listening: connections are refused
        hole.bind(("127.0.0.1", 0))
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{hole.getsockname()[1]}/x"
        async with bus(url) as a:
            states = States()
            a.on_state(states)
            await a.start()  # refused: returns, and keeps trying in the background
            assert states.seen == [False]
            assert not a.connected



async def test_after_a_fence_every_notification_committed_before_was_handled(
        postgresql_url: str) -> None:
    """No waiting: the notification committed by another session is handled by the time
    ``fence`` returns, every time (it would often not be yet without the fence)."""
    async with bus(postgresql_url) as b:
        on_b = Inbox()
        b.subscribe("cache", on_b)
        await b.start()
        writer = await asyncpg.connect(asyncpg_dsn(postgresql_url))
        try:
            for n in range(50):
                await writer.execute("SELECT pg_notify('cache', $1)",
                                     f'{{"o":"elsewhere","m":{{"n":{n}}}}}')
                await b.fence()
                assert on_b.messages[-1:] == [{"n": n}]
        finally:
            await writer.close()

