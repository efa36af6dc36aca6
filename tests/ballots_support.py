"""A small challenge whose voting ends, over a live server: for the ballot log tests."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select, update

from client.ranking import pairwise_score
from server.db import Database
from server.tables import ChallengeRow, SubmissionRow, UserRow
from server.trust_tables import BallotSegmentRow, ComparisonRow
from tests.support import DAY, Clock, LiveServer, Person, TestApi, challenge_spec, people, phase

NURSES = "Nursing and midwifery registered"  # 6 voters: counts
DOCTORS = "Medical and dental"  # 3 voters: never shown


@dataclass
class Env:
    api: TestApi
    live: LiveServer
    clock: Clock
    slug: str
    voters: list[Person]
    items: list[int]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"{self.live.url}/api/v1"


def phases() -> list[dict[str, Any]]:
    """Submissions before; voting now (ends in a day), a day without, voting again on
    day 2..3."""
    return [phase("Share", -10 * DAY, -2 * DAY, submissions=True, comments=True),
            phase("Vote", -DAY, DAY, votes=True, comments=True, show_counts=True),
            phase("Talk", DAY, 2 * DAY, comments=True),
            phase("Vote again", 2 * DAY, 3 * DAY, votes=True)]


@asynccontextmanager
async def environment(live: LiveServer, database_url: str, clock: Clock, slug: str = "change",
                      voters: int = 12) -> AsyncIterator[Env]:
    db = Database.connect(database_url, pool_size=2)
    async with httpx.AsyncClient(base_url=f"{live.url}/api/v1", timeout=30) as http:
        api = TestApi(http, None, clock, db)  # type: ignore[arg-type]
        admin = await api.person("admin")
        r = await http.post("/challenges", json=challenge_spec(slug=slug, phases=phases()),
                            headers=admin.headers)
        assert r.status_code == 201, r.text
        async with db.read() as session:
            challenge_id = (await session.execute(select(ChallengeRow.id).where(
                ChallengeRow.slug == slug))).scalar_one()
        crowd = await people(api, voters)
        items = []
        # Submissions made before voting: straight into the table, published.
        async with db.write() as session:
            for i in range(6):
                row = SubmissionRow(challenge_id=challenge_id, kind="story" if i % 2 else "idea",
                                    title=f"Idea {i}", body="Body.", author_id=crowd[i].id,
                                    status="published")
                session.add(row)
                await session.flush()
                items.append(row.id)
            groups = [NURSES] * 6 + [DOCTORS] * 3
            for person, group in zip(crowd, groups, strict=False):
                await session.execute(update(UserRow).where(UserRow.id == person.id)
                                      .values(staff_group=group))
            await session.commit()
        try:
            yield Env(api, live, clock, slug, crowd, items, {"challenge_id": challenge_id})
        finally:
            await db.dispose()


async def cast(env: Env, seed: int = 1) -> None:
    """Votes through the API, and comparisons."""
    rng = random.Random(seed)
    for person in env.voters:
        for item in rng.sample(env.items, 4):
            value = 1 if rng.random() < 0.7 else -1
            r = await env.api.http.put(f"/submissions/{item}/vote", json={"value": value},
                                       headers=person.headers)
            assert r.status_code == 200, r.text
    await compare(env, rng)


async def compare(env: Env, rng: random.Random) -> None:
    """Comparisons written as the pairwise endpoints would (another module's job),
    with the submissions' wins, losses and pairwise_score kept in step."""
    cid = env.extra["challenge_id"]
    async with env.api.db.write() as session:
        now = env.clock()
        for person in env.voters[:8]:
            pairs = {tuple(sorted(rng.sample(env.items, 2))) for _ in range(3)}
            for low, high in sorted(pairs):
                session.add(ComparisonRow(
                    challenge_id=cid, user_id=person.id, kind="story", low_id=low,
                    high_id=high, winner_id=rng.choice([low, high, None]), created_at=now,
                    updated_at=now))
        await session.flush()
        rows = (await session.execute(ComparisonRow.__table__.select().where(
            ComparisonRow.challenge_id == cid))).all()
        wins = dict.fromkeys(env.items, 0)
        losses = dict.fromkeys(env.items, 0)
        for row in rows:
            if row.winner_id is not None:
                wins[row.winner_id] += 1
                losses[row.high_id if row.winner_id == row.low_id else row.low_id] += 1
        for item in env.items:
            await session.execute(update(SubmissionRow).where(SubmissionRow.id == item).values(
                wins=wins[item], losses=losses[item],
                pairwise_score=pairwise_score(wins[item], losses[item])))
        await session.commit()


#: How long a test waits for a small challenge's segment (bounded polling).
PUBLISH_WAIT = 30.0
BEING_PUBLISHED = "/problems/ballots-being-published"


async def segments(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(
            BallotSegmentRow))).scalar_one())


async def until_segments(db: Database, n: int) -> None:
    """Until ``n`` segments are stored, looking only at the database (no request asks)."""
    for _ in range(int(PUBLISH_WAIT / 0.05)):
        if await segments(db) >= n:
            return
        await asyncio.sleep(0.05)  # the publisher works beside us
    raise AssertionError(f"no segment {n} within {PUBLISH_WAIT} s")


async def until_published(env: Env) -> httpx.Response:
    """The manifest, once published; until then every answer must be the 503 that says
    it is being published (never a wait)."""
    for _ in range(int(PUBLISH_WAIT / 0.05)):
        r = await env.api.http.get(f"/challenges/{env.slug}/ballots/manifest")
        if r.status_code == 200:
            return r
        assert r.status_code == 503, r.text
        assert r.json()["type"] == BEING_PUBLISHED and int(r.headers["retry-after"]) > 0
        await asyncio.sleep(0.05)
    raise AssertionError(f"not published within {PUBLISH_WAIT} s")
