"""``seed scale``: exact counters and scores, searchable text, the row counts asked for."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from server.app import create_app
from server.config import Settings
from server.db import Database
from server.ranking import wilson_lower_bound
from server.seed.scale import allocate, seed_scale
from server.tables import (
    ChallengeRow,
    CommentRow,
    ParticipantRow,
    SubmissionRow,
    SubmissionThemeRow,
    UserRow,
    VoteRow,
)
from tests.support import reset_database

SMALL = {"users": 50, "submissions": 40, "votes": 500, "comments": 100}


@pytest.fixture
async def seeded(settings: Settings, capsys: pytest.CaptureFixture[str]) -> Settings:
    await reset_database(settings.database_url)
    assert await seed_scale(settings, **SMALL, slug="small", seed=7) == 0
    out = capsys.readouterr().out
    assert "Seeded 'small'" in out
    return settings


async def _scalar(db: Database, query: Any) -> Any:
    async with db.read() as session:
        return (await session.execute(query)).scalar_one()


async def test_counts_match_the_arguments(seeded: Settings) -> None:
    db = Database.connect(seeded.database_url, pool_size=1)
    try:
        challenge = await _scalar(db, select(ChallengeRow.id).where(ChallengeRow.slug == "small"))
        assert await _scalar(db, select(func.count()).select_from(UserRow)) == SMALL["users"]
        assert await _scalar(db, select(func.count()).select_from(SubmissionRow).where(
            SubmissionRow.challenge_id == challenge)) == SMALL["submissions"]
        assert await _scalar(db, select(func.count()).select_from(VoteRow)) == SMALL["votes"]
        assert await _scalar(db, select(func.count()).select_from(CommentRow)) \
            == SMALL["comments"]
        replies = await _scalar(db, select(func.count()).select_from(CommentRow).where(
            CommentRow.parent_id.is_not(None)))
        assert 1 <= replies <= SMALL["comments"] // 5
        # Replies go one level deep, to a comment on the same submission.
        async with db.read() as session:
            bad = (await session.execute(text(
                "SELECT count(*) FROM comments c JOIN comments p ON p.id = c.parent_id "
                "WHERE p.parent_id IS NOT NULL OR p.submission_id != c.submission_id"
            ))).scalar_one()
        assert bad == 0
        themes = await _scalar(db, select(func.count()).select_from(SubmissionThemeRow))
        assert 0 < themes <= 3 * SMALL["submissions"]
        # Everyone who submitted, commented or voted, and no one else.
        async with db.read() as session:
            active = (await session.execute(text(
                "SELECT count(*) FROM (SELECT author_id AS u FROM submissions UNION "
                "SELECT author_id FROM comments UNION SELECT user_id FROM votes) AS a"
            ))).scalar_one()
        assert await _scalar(db, select(func.count()).select_from(ParticipantRow)) == active
        if db.dialect == "sqlite":
            # Timestamps in SQLAlchemy's own text format, so they compare as text.
            async with db.read() as session:
                stored = (await session.execute(text(
                    "SELECT created_at FROM votes UNION ALL SELECT created_at FROM comments "
                    "UNION ALL SELECT created_at FROM submissions"))).scalars().all()
            assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", s)
                       for s in stored)
    finally:
        await db.dispose()


async def test_counters_and_scores_are_exact(seeded: Settings) -> None:
    db = Database.connect(seeded.database_url, pool_size=1)
    try:
        async with db.read() as session:
            rows = (await session.execute(select(SubmissionRow))).scalars().all()
            ups = dict((await session.execute(
                select(VoteRow.submission_id, func.count()).where(VoteRow.value == 1)
                .group_by(VoteRow.submission_id))).all())
            downs = dict((await session.execute(
                select(VoteRow.submission_id, func.count()).where(VoteRow.value == -1)
                .group_by(VoteRow.submission_id))).all())
            comments = dict((await session.execute(
                select(CommentRow.submission_id, func.count())
                .group_by(CommentRow.submission_id))).all())
            self_votes = (await session.execute(
                select(func.count()).select_from(VoteRow)
                .join(SubmissionRow, SubmissionRow.id == VoteRow.submission_id)
                .where(SubmissionRow.author_id == VoteRow.user_id))).scalar_one()
        assert len(rows) == SMALL["submissions"]
        for row in rows:
            assert (row.up, row.down, row.comments) == (
                ups.get(row.id, 0), downs.get(row.id, 0), comments.get(row.id, 0)), row.id
            assert row.score == wilson_lower_bound(row.up, row.down)
            assert row.status == "published"
            assert 0 < len(row.title) <= 140
        assert sum(r.up + r.down for r in rows) == SMALL["votes"]
        assert self_votes == 0
        assert len({r.score for r in rows}) > 5  # a real ranking, not all ties
    finally:
        await db.dispose()


async def test_the_api_serves_it(seeded: Settings) -> None:
    """Search finds a word of a stored title; ``top`` pages are in score order."""
    app = create_app(seeded)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as http:
            db: Database = app.state.services.db
            async with db.read() as session:
                title = (await session.execute(select(SubmissionRow.title)
                                               .order_by(SubmissionRow.id))).scalars().first()
            assert title is not None
            word = max(re.findall(r"[a-z]+", title.lower()), key=len)
            r = await http.get("/challenges/small/submissions", params={"q": word, "limit": 100})
            assert r.status_code == 200, r.text
            found = r.json()["items"]
            assert title in [s["title"] for s in found]
            assert all(word in (s["title"] + " " + s["body"]).lower() for s in found)

            r = await http.get("/challenges/small/submissions",
                               params={"sort": "top", "limit": 100})
            assert r.status_code == 200, r.text
            items = r.json()["items"]
            assert len(items) == SMALL["submissions"]
            scores = [s["score"] for s in items]
            assert scores == sorted(scores, reverse=True)


async def test_refuses_an_existing_slug(seeded: Settings,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert await seed_scale(seeded, **SMALL, slug="small", seed=8) == 1
    assert "already exists" in capsys.readouterr().err


async def test_refuses_impossible_votes(settings: Settings,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    # 3 users and 2 submissions allow at most 2 x 2 distinct votes (never your own).
    assert await seed_scale(settings, users=3, submissions=2, votes=5, comments=0,
                            slug="impossible", seed=1) == 1
    assert "votes cannot be distinct" in capsys.readouterr().err


def test_allocate_respects_caps_and_total() -> None:
    import random

    rng = random.Random(3)
    weights = [rng.lognormvariate(0, 2) for _ in range(100)]
    counts = allocate(5_000, weights, [60] * 100, rng)
    assert sum(counts) == 5_000
    assert max(counts) <= 60
