"""``seed demo``'s second challenge, further on in its life, from ``develop_data.json``:
its "Share and prioritise" phase ended five days ago, and its "Develop" phase has run
for four days of four weeks, long enough for a half-written guide.

The votes are set per submission (supports, opposes), so the ranking is the one the
data means; near-duplicates are merged by a real moderation decision (the audit log,
moved votes and recounts as a moderator's merge leaves them); the guide is written
straight to its tables by ``develop_guide``.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from client.models import ChallengeCreate, DecisionCreate, DecisionTarget
from server.queries import mark_participant
from server.ranking import wilson_lower_bound
from server.seed.common import DAY, HOUR, add_submissions, add_threads, make_room
from server.tables import (
    ChallengeRow,
    PhaseRow,
    PromptRow,
    SubmissionRow,
    UserRow,
    VoteRow,
)

DATA = Path(__file__).with_name("develop_data.json")
SHARE_DAYS = 6  # as the campaign gave staff
ENDED_DAYS_AGO = 5
DEVELOP_DAYS = 28


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def share_end(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) - ENDED_DAYS_AGO * DAY


def phases(now: datetime) -> list[dict[str, Any]]:
    end = share_end(now)
    # A day between the two: the facilitators' shortlisting.
    return [
        {"name": "Share and prioritise", "starts_at": end - SHARE_DAYS * DAY, "ends_at": end,
         "submissions": True, "comments": True, "votes": True, "show_counts": True},
        {"name": "Develop", "starts_at": end + DAY, "ends_at": end + (1 + DEVELOP_DAYS) * DAY,
         "submissions": False, "comments": True, "votes": False, "show_counts": True,
         "develop": True},
    ]


async def seed_develop(session: AsyncSession, users: dict[str, UserRow], now: datetime, *,
                       replace: bool = False) -> str | None:
    """The second challenge (not committed); a line for the report, or None when it is
    already there and not ``replace``."""
    data = load()
    spec = ChallengeCreate.model_validate({**data["challenge"], "phases": phases(now)})
    if not await make_room(session, spec.slug, replace):
        return None

    rng = random.Random(2024)  # any fixed seed: the same demo every time
    start = spec.phases[0].starts_at
    challenge = ChallengeRow(
        slug=spec.slug, title=spec.title, summary=spec.summary, themes=spec.themes,
        moderation=spec.moderation, anonymous_default=spec.anonymous_default,
        created_at=start - 7 * DAY, updated_at=start - 7 * DAY)
    session.add(challenge)
    await session.flush()
    for i, phase in enumerate(spec.phases):
        session.add(PhaseRow(challenge_id=challenge.id, position=i, **phase.model_dump()))
    for i, prompt in enumerate(spec.prompts):
        session.add(PromptRow(challenge_id=challenge.id, position=i, **prompt.model_dump()))

    end = spec.phases[0].ends_at
    # Posted over the phase's first five days, in the data's order (ids grow with time).
    span = (end - start - DAY).total_seconds()
    times = sorted(start + timedelta(seconds=rng.uniform(0, span))
                   for _ in data["submissions"])
    rows = await add_submissions(session, challenge.id, data["submissions"], users, times)
    votes = await _votes(session, challenge.id, data["submissions"], rows, users, rng, end)
    threads = await add_threads(session, data["comments"], rows, users, rng, end)
    await _merges(session, data["merges"], rows, users, end)

    from server.seed.develop_guide import seed_guide

    entries = await seed_guide(session, challenge.id, data, rows, users, now)
    return (f"Seeded the demo challenge {spec.slug!r} (developing its guide): "
            f"{len(rows)} submissions, {votes} votes, "
            f"{sum(len(t) for t in threads)} comments, {entries} guide entries.")


async def _votes(session: AsyncSession, challenge_id: int, items: list[dict[str, Any]],
                 rows: list[SubmissionRow], users: dict[str, UserRow], rng: random.Random,
                 until: datetime) -> int:
    """Each submission's (supports, opposes) from people other than its author, at
    random times between the post and the end of voting."""
    people = sorted(users.values(), key=lambda u: u.email)
    count = 0
    for row, item in zip(rows, items, strict=True):
        up, down = item["votes"]
        voters = rng.sample([u for u in people if u.id != row.author_id], up + down)
        for i, user in enumerate(voters):
            when = row.created_at + (until - row.created_at) * rng.random()
            session.add(VoteRow(user_id=user.id, submission_id=row.id,
                                value=1 if i < up else -1, created_at=when, updated_at=when))
            await mark_participant(session, challenge_id, user.id, when)
        row.up, row.down = up, down
        row.score = wilson_lower_bound(up, down)
        count += up + down
    await session.flush()
    return count


async def _merges(session: AsyncSession, merges: list[dict[str, Any]],
                  rows: list[SubmissionRow], users: dict[str, UserRow],
                  end: datetime) -> None:
    """The moderator's merges of near-duplicates, made as the moderation API makes them."""
    from server.moderation import decide

    for merge in merges:
        body = DecisionCreate(
            action="merge", reason=merge["reason"], merge_into=rows[merge["into"]].id,
            targets=[DecisionTarget(type="submission", id=rows[i].id)
                     for i in merge["duplicates"]])
        await decide(session, users[merge["by"].lower()], body,
                     end + merge["hours_after_end"] * HOUR)
    # decide() counts and scores in SQL; the rows here should say what it wrote.
    for row in rows:
        await session.refresh(row)
