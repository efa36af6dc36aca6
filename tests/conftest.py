"""Fixtures: every server test runs on SQLite and on the real PostgreSQL.

PostgreSQL is found at ``CHALLENGE_TEST_POSTGRES`` (default: the local server on
127.0.0.1:5432, trust auth). Each test session gets its own database, dropped at
the end. Without PostgreSQL its tests skip, except with ``CI=true``, where that
is a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from server.app import create_app
from server.config import Settings
from tests.support import Clock, LiveServer, TestApi, reset_database

PG_ADMIN = os.environ.get("CHALLENGE_TEST_POSTGRES",
                          "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def _migrate(url: str) -> None:
    from server.migrate import upgrade

    asyncio.run(upgrade(url))


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    name = f"cc_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError, ImportError) as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN}: {exc!r}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true: PostgreSQL is required)")
        pytest.skip(message)
    base = PG_ADMIN.rsplit("/", 1)[0]
    url = f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"
    try:
        _migrate(url)
        yield url
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    _migrate(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Cheap argon2 parameters: the tests exercise the flow, not the cost.
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[])


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> AsyncIterator[FastAPI]:
    await reset_database(settings.database_url)
    application = create_app(settings, clock=clock)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app: FastAPI, settings: Settings, clock: Clock) -> AsyncIterator[TestApi]:
    """In-process calls (ASGITransport): fast, for behaviour that does not cross a socket."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
        yield TestApi(http, settings, clock, app.state.services.db)


@pytest.fixture
async def live(settings: Settings, clock: Clock) -> AsyncIterator[LiveServer]:
    """The app served by uvicorn on a free loopback port, in its own thread and loop."""
    await reset_database(settings.database_url)
    server = LiveServer(create_app(settings, clock=clock))
    server.start()
    try:
        yield server
    finally:
        server.stop()
