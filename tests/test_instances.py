"""Many server instances on one PostgreSQL database act as one.

Two ``change-challenge serve`` processes on their own ports (and one with ``--workers
2``), with caches kept a minute: what one shows right after a change made through the
other is the bus's doing. Each check is made by the very next request, with no pause
between: PostgreSQL signals the listening instances when the change's notification
commits, before the instance that made it answers.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import insert, update

from server import pg_bus
from server.app import create_app
from server.config import Settings
from server.db import Database
from server.pg_bus import asyncpg_dsn
from server.security import hash_token
from server.tables import SessionRow, SubmissionRow, UserRow, VoteRow, utcnow
from tests.instances_support import Serve, command
from tests.support import DAY, LiveServer, add_users, bearer, challenge_spec, phase, problem

Account = tuple[int, str, str]  # id, token, email


@pytest.fixture(scope="module")
def two(postgresql_url: str, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[Serve, Serve]]:
    logs = tmp_path_factory.mktemp("serve")
    a = Serve(postgresql_url, logs / "a.log")
    b = Serve(postgresql_url, logs / "b.log")
    try:
        a.ready()
        b.ready()
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture
async def http() -> Any:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        yield client


async def accounts(url: str, n: int, role: str = "participant") -> list[Account]:
    prefix = f"{role}-{uuid.uuid4().hex[:8]}-"
    made = await add_users(url, n, role=role, prefix=prefix)
    return [(uid, token, f"{prefix}{i}@example.org") for i, (uid, token) in enumerate(made)]


async def behind_the_back(url: str, statement: Any) -> None:
    """A change written straight to the database: no instance is told."""
    db = Database.connect(url, pool_size=1)
    try:
        async with db.write() as session:
            await session.execute(statement)
            await session.commit()
    finally:
        await db.dispose()


async def me(http: httpx.AsyncClient, server: Serve | LiveServer, token: str) -> int:
    base = server.api if isinstance(server, Serve) else f"{server.url}/api/v1"
    return (await http.get(f"{base}/me", headers=bearer(token))).status_code


async def test_a_logout_through_one_is_refused_by_the_other_at_once(
        two: tuple[Serve, Serve], postgresql_url: str, http: httpx.AsyncClient) -> None:
    a, b = two
    (_, quiet, _), *rest = await accounts(postgresql_url, 51)
    # B keeps a token it checked: a revocation nobody announces goes unseen.
    assert await me(http, b, quiet) == 200
    await behind_the_back(postgresql_url, update(SessionRow).where(
        SessionRow.token_hash == hash_token(quiet)).values(revoked_at=utcnow()))
    assert await me(http, b, quiet) == 200
    # A logout through A is announced: B refuses the token on the very next request.
    for _, token, _ in rest:
        assert await me(http, b, token) == 200
        assert await me(http, a, token) == 200
        r = await http.post(f"{a.api}/auth/logout", headers=bearer(token))
        assert r.status_code == 204, r.text
        problem(await http.get(f"{b.api}/me", headers=bearer(token)), 401)


async def test_blocks_and_roles_apply_on_every_instance_at_once(
        two: tuple[Serve, Serve], postgresql_url: str, http: httpx.AsyncClient) -> None:
    a, b = two
    slug = f"c{uuid.uuid4().hex[:8]}"
    ((_, admin, _),) = await accounts(postgresql_url, 1, "admin")
    ((_, moderator, _),) = await accounts(postgresql_url, 1, "moderator")
    ((_, person, email),) = await accounts(postgresql_url, 1)
    r = await http.post(f"{a.api}/challenges", json=challenge_spec(slug),
                        headers=bearer(admin))
    assert r.status_code == 201, r.text
    r = await http.post(f"{b.api}/challenges/{slug}/submissions", headers=bearer(person),
                        json={"kind": "story", "title": "Buy now", "body": "x", "themes": []})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]

    # A moderator's block through A: B refuses the author at once; the undo lets them in.
    assert await me(http, b, person) == 200
    r = await http.post(f"{a.api}/moderation/decisions", headers=bearer(moderator), json={
        "action": "block_user", "targets": [{"type": "submission", "id": sid}]})
    assert r.status_code == 201, r.text
    assert "blocked" in problem(await http.get(f"{b.api}/me", headers=bearer(person)),
                                403)["detail"]
    r = await http.post(f"{a.api}/moderation/actions/{r.json()['action']['id']}/undo",
                        headers=bearer(moderator))
    assert r.status_code == 200, r.text
    assert await me(http, b, person) == 200

    # The admin command, a process of its own: its commit tells both instances.
    queue = "/moderation/queue"
    for server in (a, b):
        problem(await http.get(f"{server.api}{queue}", headers=bearer(person)), 403)
    done = command(["admin", "user", "set-role", email, "moderator"], postgresql_url)
    assert done.returncode == 0, done.stderr
    for server in (b, a):
        r = await http.get(f"{server.api}{queue}", headers=bearer(person))
        assert r.status_code == 200, r.text
    done = command(["admin", "user", "block", email], postgresql_url)
    assert done.returncode == 0, done.stderr
    assert [await me(http, server, person) for server in (b, a)] == [403, 403]


async def test_a_change_through_one_shows_through_the_other_on_its_next_request(
        two: tuple[Serve, Serve], postgresql_url: str, http: httpx.AsyncClient) -> None:
    a, b = two
    slug = f"c{uuid.uuid4().hex[:8]}"
    ((_, admin, _),) = await accounts(postgresql_url, 1, "admin")
    (_, first, _), (_, second, _) = await accounts(postgresql_url, 2)
    spec = challenge_spec(slug)
    r = await http.post(f"{a.api}/challenges", json=spec, headers=bearer(admin))
    assert r.status_code == 201, r.text
    listing = f"{b.api}/challenges/{slug}/submissions?sort=new"

    async def posted(server: Serve, token: str, title: str) -> int:
        r = await http.post(f"{server.api}/challenges/{slug}/submissions",
                            headers=bearer(token), json={"kind": "story", "title": title,
                                                         "body": "It worked.", "themes": []})
        assert r.status_code == 201, r.text
        sid: int = r.json()["id"]
        return sid

    async def shown() -> list[tuple[str, int | None]]:
        r = await http.get(listing)  # no token: the page every participant shares
        assert r.status_code == 200, r.text
        return [(item["title"], item["up"]) for item in r.json()["items"]]

    one = await posted(b, first, "Huddles")
    assert await shown() == [("Huddles", 0)]
    # B keeps the page: a change nobody announces goes unseen...
    await behind_the_back(postgresql_url, update(SubmissionRow).where(
        SubmissionRow.id == one).values(title="Unannounced"))
    assert await shown() == [("Huddles", 0)]
    # ...while what goes through A shows on B's next request: a new item, a vote.
    await posted(a, second, "Rotas")
    assert await shown() == [("Rotas", 0), ("Unannounced", 0)]
    r = await http.put(f"{a.api}/submissions/{one}/vote", json={"value": 1},
                       headers=bearer(second))
    assert r.status_code == 200, r.text
    assert await shown() == [("Rotas", 0), ("Unannounced", 1)]

    # The phases, edited through A: B holds the next submission to the new ones.
    closed = [phase("Understand", -10 * DAY, -2 * DAY, submissions=True),
              phase("Prioritise", -DAY, 5 * DAY, votes=True, show_counts=True)]
    r = await http.patch(f"{a.api}/challenges/{slug}", json={"phases": closed},
                         headers=bearer(admin))
    assert r.status_code == 200, r.text
    r = await http.post(f"{b.api}/challenges/{slug}/submissions", headers=bearer(first),
                        json={"kind": "story", "title": "Late", "body": "x", "themes": []})
    assert problem(r, 403)["type"] == "/problems/phase-closed"


async def test_sign_in_failures_count_across_instances(
        two: tuple[Serve, Serve], postgresql_url: str, http: httpx.AsyncClient) -> None:
    a, b = two
    ((_, _, email),) = await accounts(postgresql_url, 1)
    budget = 4  # CHALLENGE_LOGIN_FAILURES_PER_ACCOUNT_AND_IP in tests.instances_support
    for n in range(budget):
        r = await http.post(f"{(a, b)[n % 2].api}/auth/login",
                            json={"email": email, "password": "not it"})
        assert r.status_code == 401, r.text
    for server in (a, b):  # spent: on both, not half on each
        r = await http.post(f"{server.api}/auth/login",
                            json={"email": email, "password": "not it"})
        problem(r, 429, "/problems/rate-limited")


async def test_the_workers_of_one_serve_act_as_one(
        postgresql_url: str, tmp_path: Path) -> None:
    serve = Serve(postgresql_url, tmp_path / "workers.log", workers=2)
    try:
        serve.ready()
        ((_, token, email),) = await accounts(postgresql_url, 1)
        # A connection per request: the kernel hands each to either worker.
        async with httpx.AsyncClient(trust_env=False, timeout=30, limits=httpx.Limits(
                max_keepalive_connections=0)) as fresh:
            assert [await me(fresh, serve, token) for _ in range(20)] == [200] * 20
            r = await fresh.post(f"{serve.api}/auth/logout", headers=bearer(token))
            assert r.status_code == 204, r.text
            assert [await me(fresh, serve, token) for _ in range(20)] == [401] * 20
            answers = [(await fresh.post(f"{serve.api}/auth/login", json={
                "email": email, "password": "not it"})).status_code for _ in range(8)]
            assert answers == [401] * 4 + [429] * 4
        assert await listeners(postgresql_url, serve) == 2
    finally:
        serve.stop()


async def listeners(url: str, serve: Serve) -> int:
    """The bus connections of ``serve``'s worker processes."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        pids = {f"{pid}-" for task in Path(f"/proc/{serve.process.pid}/task").iterdir()
                for pid in (task / "children").read_text().split()}
        names = await conn.fetch("SELECT application_name FROM pg_stat_activity "
                                 "WHERE application_name LIKE 'change-challenge bus %'")
        return sum(any(row[0].split()[-1].startswith(p) for p in pids) for row in names)
    finally:
        await conn.close()


class Seen:
    """The bus states an instance (in its own thread) went through."""

    def __init__(self) -> None:
        self.states: list[bool] = []
        self._changed = threading.Condition()

    def __call__(self, connected: bool) -> None:
        with self._changed:
            self.states.append(connected)
            self._changed.notify_all()

    def wait_for(self, connected: bool) -> None:
        with self._changed:
            assert self._changed.wait_for(
                lambda: bool(self.states) and self.states[-1] == connected, timeout=15)


async def test_a_lost_listener_bypasses_caches_until_it_listens_again(
        postgresql_url: str, monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient) -> None:
    monkeypatch.setattr(pg_bus, "FIRST_DELAY", 3600.0)  # down until retry_now
    settings = Settings(database_url=postgresql_url, cache_seconds=60, page_cache_seconds=60,
                        argon2_time_cost=1, argon2_memory_kib=256, allowed_email_domains=[])
    app = create_app(settings)
    server = LiveServer(app)
    server.start()
    try:
        ((uid, token, _),) = await accounts(postgresql_url, 1)
        blocked = update(UserRow).where(UserRow.id == uid)
        assert await me(http, server, token) == 200  # served: started, and the token kept
        bus = app.state.services.bus
        seen = Seen()
        bus.on_state(seen)
        assert seen.states == [True]
        await behind_the_back(postgresql_url, blocked.values(blocked=True))
        assert await me(http, server, token) == 200  # kept: nobody said

        conn = await asyncpg.connect(asyncpg_dsn(postgresql_url))
        try:
            assert await conn.fetchval(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM "
                "pg_stat_activity WHERE application_name = $1) AS t",
                bus.application_name) == 1
        finally:
            await conn.close()
        await asyncio.to_thread(seen.wait_for, False)
        # While news may be missed, every request reads the database.
        assert await me(http, server, token) == 403
        await behind_the_back(postgresql_url, blocked.values(blocked=False))
        assert await me(http, server, token) == 200

        bus.retry_now()
        await asyncio.to_thread(seen.wait_for, True)
        assert seen.states == [True, False, True]
        assert await me(http, server, token) == 200
        await behind_the_back(postgresql_url, blocked.values(blocked=True))
        assert await me(http, server, token) == 200  # kept again: the cache is back
    finally:
        server.stop()


async def test_a_viewers_own_vote_through_one_shows_on_the_others_next_page(
        two: tuple[Serve, Serve], postgresql_url: str, http: httpx.AsyncClient) -> None:
    """B keeps each viewer's votes beside its pages (server/viewer_votes.py): a vote
    through A drops the voter's on B, and only theirs."""
    a, b = two
    slug = f"c{uuid.uuid4().hex[:8]}"
    ((_, admin, _),) = await accounts(postgresql_url, 1, "admin")
    (viewer_id, viewer, _), (_, other, _) = await accounts(postgresql_url, 2)
    r = await http.post(f"{a.api}/challenges", json=challenge_spec(slug), headers=bearer(admin))
    assert r.status_code == 201, r.text
    ids = []
    for title in ("One", "Two", "Three"):
        r = await http.post(f"{a.api}/challenges/{slug}/submissions", headers=bearer(other),
                            json={"kind": "story", "title": title, "body": "x", "themes": []})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])

    async def mine() -> dict[int, int | None]:
        r = await http.get(f"{b.api}/challenges/{slug}/submissions?sort=top",
                           headers=bearer(viewer))
        assert r.status_code == 200, r.text
        return {item["id"]: item["my_vote"] for item in r.json()["items"]}

    async def voted(server: Serve, token: str, sid: int, value: int) -> None:
        r = await http.put(f"{server.api}/submissions/{sid}/vote", json={"value": value},
                           headers=bearer(token))
        assert r.status_code == 200, r.text

    assert set((await mine()).values()) == {None}
    assert set((await mine()).values()) == {None}  # the page and the votes, kept on B
    # A vote nobody announces: B's kept votes do not show it...
    await behind_the_back(postgresql_url, insert(VoteRow).values(
        user_id=viewer_id, submission_id=ids[0], value=-1, created_at=utcnow(),
        updated_at=utcnow()))
    await voted(a, other, ids[2], 1)  # ...nor after someone else's vote drops the pages
    assert (await mine())[ids[0]] is None
    # The viewer's own vote through A: B reads theirs again on the very next request.
    await voted(a, viewer, ids[1], 1)
    shown = await mine()
    assert (shown[ids[0]], shown[ids[1]], shown[ids[2]]) == (-1, 1, None)
    assert await mine() == shown  # now from B's caches, before FastAPI
