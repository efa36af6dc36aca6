"""Test support: a settable clock, a live uvicorn server, and an API helper."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from server.config import Settings
from server.db import Database
from server.security import hash_token, new_token
from server.tables import Base, SessionRow, UserRow

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def next_march() -> date:
    """1 March next year: a review date any challenge begun this year or last allows
    (from the year it began, at most five years ahead), whenever the tests run."""
    return date(date.today().year + 1, 3, 1)


class Clock:
    """The server's clock in tests: real time plus an offset the test can move."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


async def reset_database(url: str) -> None:
    """Empty every table (the schema stays)."""
    db = Database.connect(url, pool_size=1)
    try:
        async with db.write() as session:
            # DELETE beats TRUNCATE on tables this small (no new files to create).
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(table.delete())
            await session.commit()
    finally:
        await db.dispose()


async def add_users(target: str | Database, count: int, *, role: str = "participant",
                    prefix: str = "user") -> list[tuple[int, str]]:
    """Users with session tokens, written straight to the database (fast): (id, token)."""
    db = Database.connect(target, pool_size=1) if isinstance(target, str) else target
    now = datetime.now(UTC)
    made: list[tuple[int, str]] = []
    try:
        async with db.write() as session:
            rows = [UserRow(email=f"{prefix}{i}@example.org", display_name=f"{prefix} {i}",
                            password_hash="!", role=role, created_at=now)
                    for i in range(count)]
            session.add_all(rows)
            await session.flush()
            for row in rows:
                token = new_token()
                session.add(SessionRow(token_hash=hash_token(token), user_id=row.id,
                                       created_at=now, expires_at=now + 30 * DAY))
                made.append((row.id, token))
            await session.commit()
    finally:
        if isinstance(target, str):
            await db.dispose()
    return made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def phase(name: str, start: timedelta, end: timedelta, now: datetime | None = None,
          **allows: Any) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    return {"name": name, "starts_at": (now + start).isoformat(),
            "ends_at": (now + end).isoformat(), **allows}


def open_phase(**overrides: Any) -> dict[str, Any]:
    allows = {"submissions": True, "comments": True, "votes": True, "show_counts": True}
    return phase("Share and prioritise", -DAY, 5 * DAY, **{**allows, **overrides})


THEMES = ["Time and capacity", "Permission to act", "Data and evidence"]


def challenge_spec(slug: str = "change", **overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "slug": slug, "title": "Bottom-up change", "summary": "Share what works.",
        "themes": THEMES, "moderation": "post", "anonymous_default": False,
        "phases": [phase("Understand", -10 * DAY, -2 * DAY, submissions=True),
                   open_phase()],
        "prompts": [{"kind": "story", "question": "What solutions work?"},
                    {"kind": "idea", "question": "What solutions should we test?"}],
    }
    spec.update(overrides)
    return spec


@dataclass
class Person:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


async def people(api: TestApi, n: int, role: str = "participant") -> list[Person]:
    """``n`` users of ``role`` with tokens, made straight in the database."""
    made = await add_users(api.db, n, role=role, prefix=f"{role}-{uuid.uuid4().hex[:8]}-")
    return [Person(uid, token) for uid, token in made]


def problem(r: httpx.Response, status: int, type_: str | None = None,
            field: str | None = None) -> dict[str, Any]:
    """Assert ``r`` is an RFC 9457 problem with this status (and type, and field)."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    if type_ is not None:
        assert body["type"] == type_
    if field is not None:
        assert body["errors"][0]["field"] == field
    return body


class TestApi:
    """Short-hands over an httpx client whose base URL is ``/api/v1``."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self, http: httpx.AsyncClient, settings: Settings, clock: Clock,
                 db: Database) -> None:
        self.http = http
        self.db = db
        self.settings = settings
        self.clock = clock
        self._n = 0

    async def person(self, role: str = "participant") -> Person:
        self._n += 1
        ((uid, token),) = await add_users(self.db, 1, role=role,
                                          prefix=f"{role}{self._n}-")
        return Person(uid, token)

    async def challenge(self, admin: Person | None = None, **overrides: Any) -> dict[str, Any]:
        admin = admin or await self.person("admin")
        r = await self.http.post("/challenges", json=challenge_spec(**overrides),
                                 headers=admin.headers)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    async def submit(self, who: Person, slug: str = "change", **fields: Any) -> dict[str, Any]:
        payload = {"kind": "story", "title": "Daily huddles", "body": "They worked.",
                   "themes": [], **fields}
        r = await self.http.post(f"/challenges/{slug}/submissions", json=payload,
                                 headers=who.headers)
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body


class Sleeps:
    """An injected ``sleep`` that records the delays and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class LiveServer:
    """uvicorn on a socket bound before it starts, so the port is known up front.

    Connections made before the server is ready wait in the listen backlog, so
    tests need no polling to know when it is up.
    """

    def __init__(self, app: ASGIApp, *, port: int = 0, **options: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # As uvicorn's own sockets: a restart can bind the port a stopped server had
        # (``port``) while its last connections close (they share the option).
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(512)
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # A long keep-alive: a loaded CI machine must not see idle sockets closed mid-test.
        config = uvicorn.Config(app, **{"log_level": "warning", "timeout_graceful_shutdown": 5,
                                        "timeout_keep_alive": 120, **options}, lifespan="on",
                                backlog=512)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
