"""Each submission's votes per staff group (``group_tallies``, kept by triggers from
migration 0012), on both databases over a live server: after every kind of change, and
under votes and group changes that arrive together, the stored tallies are exactly what
the votes and people's groups say."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
from sqlalchemy import delete, select, update

from server.db import Database
from server.tables import UserRow, VoteRow
from server.trust_tables import GroupTallyRow
from tests.support import LiveServer, add_users, bearer, challenge_spec

NURSES, PORTERS = "Nursing and midwifery registered", "Estates and ancillary"
LIST = "/challenges/change/submissions"


async def stored(db: Database) -> dict[tuple[int, str], tuple[int, int]]:
    async with db.read() as session:
        rows = (await session.execute(select(GroupTallyRow))).scalars().all()
    return {(r.submission_id, r.staff_group): (r.up, r.down) for r in rows
            if (r.up, r.down) != (0, 0)}


async def recounted(db: Database) -> dict[tuple[int, str], tuple[int, int]]:
    """The tallies counted from the votes and people's groups now."""
    async with db.read() as session:
        rows = (await session.execute(
            select(VoteRow.submission_id, UserRow.staff_group, VoteRow.value)
            .join(UserRow, UserRow.id == VoteRow.user_id)
            .where(UserRow.staff_group.is_not(None)))).all()
    counts: Counter[tuple[int, str, int]] = Counter((s, str(g), v) for s, g, v in rows)
    keys = {(s, g) for s, g, _ in counts}
    return {k: (counts[(*k, 1)], counts[(*k, -1)]) for k in keys}


async def _setup(http: httpx.AsyncClient, database_url: str,
                 people: int) -> tuple[list[tuple[int, str]], list[int]]:
    (admin,) = await add_users(database_url, 1, role="admin", prefix="admin")
    r = await http.post("/challenges", headers=bearer(admin[1]), json=challenge_spec())
    assert r.status_code == 201, r.text
    crowd = await add_users(database_url, people, prefix="voter")
    ids = []
    for i in range(3):
        r = await http.post(LIST, headers=bearer(crowd[0][1]),
                            json={"kind": "story", "title": f"Story {i}", "body": "Try."})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return crowd, ids


async def _group(http: httpx.AsyncClient, token: str, group: str | None) -> None:
    r = await http.patch("/me", json={"staff_group": group}, headers=bearer(token))
    assert r.status_code == 200, r.text


async def _vote(http: httpx.AsyncClient, token: str, sid: int, value: int | None) -> None:
    if value is None:
        r = await http.delete(f"/submissions/{sid}/vote", headers=bearer(token))
        assert r.status_code in (200, 204), r.text
    else:
        r = await http.put(f"/submissions/{sid}/vote", json={"value": value},
                           headers=bearer(token))
        assert r.status_code == 200, r.text


async def test_every_change_keeps_the_tallies(live: LiveServer, database_url: str) -> None:
    db = Database.connect(database_url, pool_size=1)
    try:
        async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=30) as http:
            crowd, (a, b, c) = await _setup(http, database_url, 4)
            (n1, t1), (n2, t2), (_, t3), (n4, t4) = crowd
            await _group(http, t1, NURSES)
            await _group(http, t2, NURSES)
            await _group(http, t3, PORTERS)  # t4: no group, counts nowhere
            for token, sid, value in ((t1, a, 1), (t2, a, -1), (t3, a, 1), (t4, a, 1),
                                      (t1, b, 1), (t3, b, -1)):
                await _vote(http, token, sid, value)
            assert await stored(db) == await recounted(db) == {
                (a, NURSES): (1, 1), (a, PORTERS): (1, 0), (b, NURSES): (1, 0),
                (b, PORTERS): (0, 1)}
            await _vote(http, t2, a, 1)  # changed
            await _vote(http, t1, b, None)  # withdrawn
            assert await stored(db) == await recounted(db) == {
                (a, NURSES): (2, 0), (a, PORTERS): (1, 0), (b, PORTERS): (0, 1)}
            await _group(http, t1, PORTERS)  # a person's votes move with them
            await _group(http, t4, NURSES)  # and come in with a first group
            await _group(http, t3, None)  # and go with a cleared one
            assert await stored(db) == await recounted(db) == {
                (a, NURSES): (2, 0), (a, PORTERS): (1, 0)}
            async with db.write() as session:  # votes moved (as a merge does), an
                await session.execute(update(VoteRow).where(VoteRow.submission_id == a)
                                      .values(submission_id=c))
                await session.execute(delete(UserRow).where(UserRow.id == n2))  # account gone
                await session.commit()
            assert await stored(db) == await recounted(db) == {
                (c, NURSES): (1, 0), (c, PORTERS): (1, 0)}
            assert (n1, n4) != (0, 0)
    finally:
        await db.dispose()


async def test_simultaneous_votes_and_group_changes_count_exactly(
        live: LiveServer, database_url: str) -> None:
    db = Database.connect(database_url, pool_size=1)
    rng = random.Random(15)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    try:
        async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=120,
                                     limits=limits) as http:
            crowd, ids = await _setup(http, database_url, 16)
            for _, token in crowd:
                await _group(http, token, rng.choice([NURSES, PORTERS]))

            async def person(token: str) -> None:
                for _ in range(12):
                    if rng.random() < 0.2:
                        await _group(http, token, rng.choice([NURSES, PORTERS, None]))
                    else:
                        await _vote(http, token, rng.choice(ids), rng.choice([1, -1, None]))

            await asyncio.gather(*(person(token) for _, token in crowd))
            assert await stored(db) == await recounted(db)
            assert await stored(db)  # something was counted
    finally:
        await db.dispose()
