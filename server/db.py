"""Engines and sessions for SQLite (embedded default) and PostgreSQL (the scale path)."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_MS = 30_000


class _InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the event loop's own thread.

    aiosqlite hands every call (cursor, execute, fetch, close: four per statement)
    to its thread and back; for sub-millisecond keyset reads those hand-offs cost
    more than the queries (in-process page 8.5 -> 6.2 ms). Only for readers: a
    WAL reader never waits for a lock, so it cannot stall the loop on one; slow
    aggregates use the threaded "heavy" reader instead.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _inline_creator(path: str) -> Callable[[], Any]:
    async def create() -> aiosqlite.Connection:
        def connect() -> sqlite3.Connection:
            return sqlite3.connect(path, timeout=SQLITE_BUSY_MS / 1000,
                                   check_same_thread=False)

        connection = _InlineConnection(connect, 64)
        connection._thread.daemon = True  # as SQLAlchemy does for its own connections
        return await connection

    return create


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int,
                   inline: bool = False) -> AsyncEngine:
    path = make_url(url).database
    extra: dict[str, Any] = {}
    if inline and path not in (None, "", ":memory:"):
        extra["async_creator"] = _inline_creator(str(Path(path).expanduser()))
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=120,
        connect_args={"timeout": SQLITE_BUSY_MS / 1000},
        **extra,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's own transaction handling is off).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock up front: a deferred one that
        # read first would fail with SQLITE_BUSY instead of waiting its turn.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# What says "the database cannot be used now" rather than "this query is wrong".
# PostgreSQL classes: connection exception (08), insufficient resources (53: too many
# connections, disk full), operator intervention (57P: shut down, starting up, the
# database dropped), and no such database (3D000).
_PG_UNAVAILABLE = ("08", "53", "57P", "3D000")
# SQLite: the file cannot be opened, read or written, or stays locked past the busy
# timeout, or is not a database any more.
_SQLITE_UNAVAILABLE = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR",
                       "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_NOTADB")


def unavailable(error: BaseException) -> str | None:
    """Why the database cannot be reached, if ``error`` says so; ``None`` for any other
    failure (a bug stays a bug). The reason may name the host: for logs, not clients."""
    seen: BaseException | None = error
    for _ in range(8):  # the error, the DBAPI's, the driver's beneath it
        if seen is None:
            return None
        if isinstance(seen, exc.DBAPIError) and seen.connection_invalidated:
            return f"the connection was lost ({seen.orig})"
        if isinstance(seen, exc.TimeoutError):
            return "no database connection came free in time"
        if isinstance(seen, OSError):  # refused, unresolvable, unreachable, timed out
            # asyncpg puts the address in strerror; the errno's own words say why.
            number = None if isinstance(seen, socket.gaierror) else seen.errno
            reason = (os.strerror(number) if number is not None and number > 0
                      else seen.strerror) or str(seen) or type(seen).__name__
            return f"{reason} ({seen.filename})" if seen.filename else reason
        state = getattr(seen, "sqlstate", None)
        name = getattr(seen, "sqlite_errorname", None)
        if (isinstance(state, str) and state.startswith(_PG_UNAVAILABLE)) or (
                isinstance(name, str) and name.startswith(_SQLITE_UNAVAILABLE)):
            return (str(seen).strip() or type(seen).__name__).splitlines()[0]
        seen = seen.orig if isinstance(seen, exc.DBAPIError) else seen.__cause__
    return None


def place(url: str) -> str:
    """Where a database URL points, for a person: the file, or the server's host:port."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite file {parsed.database or ':memory:'}"
    return (f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}"
            f"{f' (database {parsed.database})' if parsed.database else ''}")


def ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


@dataclass
class Database:
    """Readers and a writer. On PostgreSQL they are one engine.

    On SQLite the writer is a single connection that takes the write lock when a
    transaction begins, so writers queue in the pool instead of spinning on
    SQLITE_BUSY; readers run beside it thanks to WAL. The reader runs its calls on
    the event loop (short keyset reads); ``heavy`` keeps aiosqlite's thread, for
    aggregates that may take long enough to matter to other requests.
    """

    reader: AsyncEngine
    writer: AsyncEngine
    dialect: str
    heavy: AsyncEngine | None = None

    @classmethod
    def connect(cls, url: str, *, pool_size: int = 10) -> Database:
        if url.startswith("sqlite"):
            ensure_sqlite_dir(url)
            return cls(
                reader=_sqlite_engine(url, immediate=False, pool_size=pool_size, inline=True),
                writer=_sqlite_engine(url, immediate=True, pool_size=1),
                dialect="sqlite",
                heavy=_sqlite_engine(url, immediate=False, pool_size=2),
            )
        engine = create_async_engine(
            # No overflow: past pool_size requests wait their turn rather than open
            # connections PostgreSQL may not have (workers x pool_size is the cap).
            url, pool_size=pool_size, max_overflow=0, pool_timeout=120,
            pool_pre_ping=False, connect_args={"server_settings": {
                "timezone": "UTC",
                # asyncpg prepares every statement; after five runs PostgreSQL may
                # plan it once for any parameters, and a generic plan for a search
                # walks the newest-first index instead of the text index (0.15 ms
                # -> 13 ms for a rare word). Plan for the actual values instead.
                "plan_cache_mode": "force_custom_plan"}},
        )
        return cls(reader=engine, writer=engine, dialect="postgresql")

    def __post_init__(self) -> None:
        # Called after a write transaction that recorded live events commits
        # (server/live_record.py); set by this process's hub.
        self.on_events: Callable[[], None] | None = None
        self._read = async_sessionmaker(self.reader, expire_on_commit=False, autoflush=False)
        self._write = async_sessionmaker(self.writer, expire_on_commit=False, autoflush=False,
                                         info={"database": self})
        self._heavy = async_sessionmaker(self.heavy or self.reader, expire_on_commit=False,
                                         autoflush=False)
        self.write_lock = asyncio.Lock()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._read() as session:
            yield session

    @asynccontextmanager
    async def read_heavy(self) -> AsyncIterator[AsyncSession]:
        async with self._heavy() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        async with self._write() as session:
            yield session

    async def dispose(self) -> None:
        for engine in {id(e): e for e in (self.reader, self.writer, self.heavy) if e}.values():
            await engine.dispose()
