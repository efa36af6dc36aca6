"""The bus between server instances that share one PostgreSQL database.

Each instance keeps one connection of its own (not from the pool) that ``LISTEN``\\ s on
every channel subscribed here. ``publish`` hands the message to this instance's
subscribers at once and sends it to the others with ``pg_notify`` on that same
connection, in a transaction of its own, after the caller's transaction committed:
PostgreSQL signals every listening session when that statement commits, before
``publish`` returns, so before the caller answers its request. Concurrent publishes
share one statement (a batch), and the connection commits without waiting for the
disk (``synchronous_commit=off``): a notification is never kept across a crash anyway.

Signalled at commit is not yet read, though: ``fence`` is the round trip after which
every notification committed before it has been handled (the caches wait for one per
request, ``server.invalidation``).

A notification carries at most 8000 bytes: messages hold ids, never content
(``publish`` refuses a longer one with ``ValueError``, see ``encode``; ``LocalBus`` does
not check). Each carries the sending instance's ``origin``: an instance skips its own,
which it delivered already.

When the connection drops (the database restarted, a network fault, an administrator's
``pg_terminate_backend``) the bus says so to ``on_state`` watchers, reconnects with
backoff (0.1 s doubling to 5 s), listens again, and says so again; news sent while it
was away is lost, which is why caches stop serving while it is down and start empty
(``server.invalidation``). A connection that goes silent without closing is found by a
ping every ``PING_SECONDS``. While it is down, publishing goes through the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import uuid
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from server.bus import Handler, deliver
from server.db import Database

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

#: PostgreSQL's limit on a notification's payload, in bytes.
MAX_PAYLOAD = 8000
#: A channel is a PostgreSQL identifier: at most 63 bytes; kept to plain characters.
CHANNEL = re.compile(r"[a-z][a-z0-9_.]{0,62}")
FIRST_DELAY, MAX_DELAY = 0.1, 5.0
PING_SECONDS = 10.0
FENCE_TIMEOUT = 2.0
CONNECT_TIMEOUT = 5.0
NOTIFY_BATCH = "SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS m(c, p)"

StateWatcher = Callable[[bool], None]


def encode(channel: str, message: dict[str, Any], origin: str) -> str:
    """The payload for ``message``; ``ValueError`` if PostgreSQL could not carry it."""
    if not CHANNEL.fullmatch(channel):
        raise ValueError(f"bus channel {channel!r}: lower-case letters, digits, '_' and "
                         "'.', starting with a letter, at most 63")
    payload = json.dumps({"o": origin, "m": message}, separators=(",", ":"))
    if len(payload.encode()) > MAX_PAYLOAD:
        raise ValueError(f"a bus message holds at most {MAX_PAYLOAD} bytes (send ids, not "
                         f"content): {len(payload.encode())} on {channel!r}")
    return payload


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL (``postgresql+asyncpg://``) as asyncpg's own."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PgBus:
    """A ``server.bus.Bus`` over PostgreSQL's ``LISTEN``/``NOTIFY``."""

    def __init__(self, url: str, db: Database, *, name: str = "change-challenge") -> None:
        self.dsn = asyncpg_dsn(url)
        self.db = db  # for publishing while the connection is down
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.application_name = f"{name} bus {self.origin}"
        self.handlers: dict[str, list[Handler]] = {}
        self.connected = False
        self._watchers: list[StateWatcher] = []
        self._conn: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()  # one statement at a time on the connection
        self._lost = asyncio.Event()
        self._retry = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._outbox: list[tuple[str, str, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._pending: deque[Coroutine[Any, Any, Any]] = deque()
        self._runner: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._fence: asyncio.Future[None] | None = None

    # -- the Bus interface ---------------------------------------------------------

    async def start(self) -> None:
        """Connect (waiting up to ``CONNECT_TIMEOUT`` for the first try) and keep
        connected in the background; a database not there yet is not an error."""
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        first = self._loop.create_future()
        self._task = asyncio.create_task(self._run(first), name="pg-bus")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(first), CONNECT_TIMEOUT * 2)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for running in (self._flusher, self._runner):
            if running is not None:
                with contextlib.suppress(Exception):
                    await running
        self.handlers.clear()

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        encode(channel, {}, "")  # a bad name fails here, not at the first message
        new = channel not in self.handlers
        self.handlers.setdefault(channel, []).append(handler)
        if new and self._conn is not None:
            self._listen_later(channel)

        def unsubscribe() -> None:
            if handler in self.handlers.get(channel, ()):
                self.handlers[channel].remove(handler)

        return unsubscribe

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        payload = encode(channel, message, self.origin)
        await deliver(self.handlers.get(channel, ()), message)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbox.append((channel, payload, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    # -- state ---------------------------------------------------------------------

    def on_state(self, watcher: StateWatcher) -> None:
        """Call ``watcher(True)`` when news flows (again), ``watcher(False)`` when it
        may be missed (the connection is down); now, with the current state, first."""
        self._watchers.append(watcher)
        watcher(self.connected)

    def retry_now(self) -> None:
        """Cut the wait before the next reconnection short (from any thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._retry.set)

    def _set_state(self, connected: bool) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        (log.info if connected else log.warning)(
            "bus: %s", "listening" if connected else "connection lost; caches bypassed")
        for watcher in list(self._watchers):
            try:
                watcher(connected)
            except Exception:
                log.exception("bus state watcher failed")

    # -- the listening connection -------------------------------------------------

    async def _run(self, first: asyncio.Future[None]) -> None:
        import asyncpg

        delay = FIRST_DELAY
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(
                    self.dsn, timeout=CONNECT_TIMEOUT, server_settings={
                        "application_name": self.application_name,
                        "synchronous_commit": "off"})
                self._lost.clear()
                conn.add_termination_listener(lambda _c: self._lost.set())
                for channel in list(self.handlers):
                    await conn.add_listener(channel, self._on_notification)
                self._conn = conn
                self._set_state(True)
                delay = FIRST_DELAY
                if not first.done():
                    first.set_result(None)
                await self._watch(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: reconnect
                log.warning("bus: %s", exc)
            finally:
                self._conn = None
                self._set_state(False)
                if conn is not None:
                    conn.terminate()
            if not first.done():
                first.set_result(None)
            self._retry.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry.wait(), delay)
            delay = min(delay * 2, MAX_DELAY)

    async def _watch(self, conn: asyncpg.Connection) -> None:
        """Until the connection is lost; a ping finds one that went silent."""
        while not conn.is_closed():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), PING_SECONDS)
            if self._lost.is_set() or conn.is_closed():
                return
            async with self._lock:
                await conn.fetchval("SELECT 1", timeout=PING_SECONDS)

    async def fence(self) -> None:
        """Return once every notification committed before this call has been handled
        here: the news of every change whose writer has answered its client.

        Signalled at commit is not yet delivered: the listening backend must be
        scheduled to send it, and a client quick enough to ask this instance first
        would beat it. A round trip on the listening connection settles it: PostgreSQL
        sends a session its pending notifications before the answer to any statement
        (before ReadyForQuery), and asyncpg runs their handlers before the awaiting
        code. Concurrent callers share one round trip. While disconnected there is
        nothing to wait for (caches are paused); a round trip that fails or takes
        ``FENCE_TIMEOUT`` pauses them too, and the connection is replaced.
        """
        if self._conn is None:
            return
        future = self._fence
        if future is None:
            future = self._fence = asyncio.get_running_loop().create_future()
            task = asyncio.get_running_loop().create_task(self._send_fence(future))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.shield(future)

    async def _send_fence(self, future: asyncio.Future[None]) -> None:
        try:
            async with self._lock:
                if self._fence is future:
                    self._fence = None  # who comes from now on needs a later round trip
                conn = self._conn
                if conn is not None:
                    await asyncio.wait_for(conn.execute("SELECT 1"), FENCE_TIMEOUT)
        except Exception as exc:
            log.warning("bus: the listening connection did not answer (%r)", exc)
            self._set_state(False)
            self._lost.set()
        finally:
            if not future.done():
                future.set_result(None)

    async def ready(self) -> None:
        """Once connected, until every channel subscribed so far is listened to."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _listen_later(self, channel: str) -> None:
        async def listen() -> None:
            conn = self._conn
            if conn is None:
                return  # listened to on the next connection
            try:
                async with self._lock:
                    await conn.add_listener(channel, self._on_notification)
            except Exception as exc:
                log.warning("bus: LISTEN %s failed (%s); reconnecting", channel, exc)
                self._lost.set()

        task = asyncio.get_running_loop().create_task(listen())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_notification(self, _conn: object, _pid: int, channel: str, payload: str) -> None:
        try:
            decoded = json.loads(payload)
            origin, message = decoded["o"], decoded["m"]
        except (ValueError, KeyError, TypeError):
            log.warning("bus: an unreadable message on %s", channel)
            return
        if origin == self.origin:
            return  # delivered when it was published
        # Plain handlers run here, before anything else the loop has queued after this
        # notification (a request that came in after it finds caches already dropped);
        # coroutine handlers run after, one at a time, in the order messages came.
        for handler in list(self.handlers.get(channel, ())):
            try:
                result = handler(message)
            except Exception:
                log.exception("bus handler failed")
                continue
            if asyncio.iscoroutine(result):
                self._pending.append(result)
        if self._pending and (self._runner is None or self._runner.done()):
            self._runner = asyncio.get_running_loop().create_task(self._run_pending())

    async def _run_pending(self) -> None:
        while self._pending:
            try:
                await self._pending.popleft()
            except Exception:
                log.exception("bus handler failed")

    # -- publishing ------------------------------------------------------------------

    async def _flush(self) -> None:
        while self._outbox:
            batch, self._outbox = self._outbox, []
            channels = [channel for channel, _, _ in batch]
            payloads = [payload for _, payload, _ in batch]
            error: BaseException | None = None
            try:
                await self._notify(channels, payloads)
            except Exception as exc:
                error = exc
            for _, _, future in batch:
                if not future.done():
                    if error is None:
                        future.set_result(None)
                    else:
                        future.set_exception(error)

    async def _notify(self, channels: list[str], payloads: list[str]) -> None:
        conn = self._conn
        if conn is not None:
            try:
                async with self._lock:
                    await conn.execute(NOTIFY_BATCH, channels, payloads)
                return
            except Exception as exc:  # lost meanwhile: the pool still reaches the others
                log.warning("bus: publishing on the listening connection failed (%s)", exc)
        async with self.db.write() as session:
            await session.execute(select(func.set_config("synchronous_commit", "off", True)))
            for channel, payload in zip(channels, payloads, strict=True):
                await session.execute(select(func.pg_notify(channel, payload)))
            await session.commit()
