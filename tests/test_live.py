"""Over real HTTP: uvicorn on a loopback port, concurrent clients."""

from __future__ import annotations

import asyncio
import random

import httpx
from sqlalchemy import func, select

from server.db import Database
from server.ranking import wilson_lower_bound
from server.tables import SubmissionRow, VoteRow
from tests.support import LiveServer, add_users, bearer, challenge_spec

VOTERS = 200


async def test_concurrent_votes_leave_exact_counters(live: LiveServer,
                                                     database_url: str) -> None:
    (admin,) = await add_users(database_url, 1, role="admin", prefix="admin")
    people = await add_users(database_url, VOTERS, prefix="voter")
    limits = httpx.Limits(max_connections=VOTERS, max_keepalive_connections=VOTERS)
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", limits=limits,
                                 timeout=120) as http:
        r = await http.post("/challenges", json=challenge_spec(), headers=bearer(admin[1]))
        assert r.status_code == 201, r.text
        r = await http.post("/challenges/change/submissions", headers=bearer(people[0][1]),
                            json={"kind": "idea", "title": "Vote on me", "body": "Please."})
        sid = r.json()["id"]
        rng = random.Random(7)
        values = [rng.choice((1, -1)) for _ in people]

        async def vote(token: str, value: int) -> int:
            answer = await http.put(f"/submissions/{sid}/vote", json={"value": value},
                                    headers=bearer(token))
            return answer.status_code

        statuses = await asyncio.gather(*[vote(t, v) for (_, t), v in zip(people, values,
                                                                             strict=True)])
        assert set(statuses) == {200}
        # Then half of them change their minds at once, and a quarter withdraw.
        flips = list(range(0, VOTERS, 2))
        withdraws = list(range(1, VOTERS, 4))
        for i in flips:
            values[i] = -values[i]

        async def withdraw(token: str) -> int:
            return (await http.delete(f"/submissions/{sid}/vote", headers=bearer(token))
                    ).status_code

        statuses = await asyncio.gather(
            *[vote(people[i][1], values[i]) for i in flips],
            *[withdraw(people[i][1]) for i in withdraws])
        assert set(statuses) == {200}
        final = (await http.get(f"/submissions/{sid}")).json()

    kept = [v for i, v in enumerate(values) if i not in set(withdraws)]
    up, down = kept.count(1), kept.count(-1)
    assert (final["up"], final["down"]) == (up, down)
    assert final["score"] == wilson_lower_bound(up, down)
    db = Database.connect(database_url, pool_size=1)
    try:
        async with db.read() as session:
            rows = (await session.execute(select(VoteRow.value, func.count()).where(
                VoteRow.submission_id == sid).group_by(VoteRow.value))).all()
            stored = (await session.execute(select(SubmissionRow.up, SubmissionRow.down).where(
                SubmissionRow.id == sid))).one()
    finally:
        await db.dispose()
    assert dict((v, int(c)) for v, c in rows) == {k: n for k, n in ((1, up), (-1, down)) if n}
    assert tuple(stored) == (up, down)


async def test_retried_post_with_one_key_creates_one_row(live: LiveServer,
                                                         database_url: str) -> None:
    (admin,) = await add_users(database_url, 1, role="admin", prefix="admin")
    ((_, token),) = await add_users(database_url, 1, prefix="author")
    headers = {**bearer(token), "Idempotency-Key": "retry-me"}
    payload = {"kind": "story", "title": "Once only", "body": "Posted on a bad network."}
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=60) as http:
        assert (await http.post("/challenges", json=challenge_spec(),
                                headers=bearer(admin[1]))).status_code == 201
        # A burst of retries at once, as a client whose first attempts timed out sends them.
        answers = await asyncio.gather(*[
            http.post("/challenges/change/submissions", json=payload, headers=headers)
            for _ in range(10)])
        later = await http.post("/challenges/change/submissions", json=payload,
                                headers=headers)
        listed = (await http.get("/challenges/change/submissions")).json()["items"]
    assert len(listed) == 1
    created = {r.json()["id"] for r in answers if r.status_code == 201}
    assert created == {listed[0]["id"]}
    assert {r.status_code for r in answers} <= {201, 409}
    assert later.status_code == 201 and later.json()["id"] == listed[0]["id"]
    assert later.headers["idempotent-replayed"] == "true"
