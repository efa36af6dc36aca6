"""``seed demo``: two challenges in the spirit of the NHS campaign. The first, from
``demo_data.json``, is here; the second, further on in its life, is in ``develop.py``.

Dates are relative to now, so the first challenge's "Share and prioritise" phase is
always open: it started three days ago and has three days to run.
"""

from __future__ import annotations

import json
import math
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from client.models import ChallengeCreate, CommentCreate, FlagCreate, SubmissionCreate
from client.ranking import pairwise_score
from server.config import Settings
from server.db import Database
from server.migrate import upgrade
from server.queries import mark_participant
from server.ranking import wilson_lower_bound
from server.security import Passwords
from server.seed.common import (
    DAY,
    HOUR,
    add_submissions,
    add_threads,
    demo_password,
    demo_users,
    make_room,
)
from server.seed.crowd import crowd_votes
from server.seed.develop import seed_develop
from server.tables import (
    ChallengeRow,
    CommentRow,
    FlagRow,
    PhaseRow,
    PromptRow,
    SubmissionRow,
    SubmissionThemeRow,
    UserRow,
    VoteRow,
    utcnow,
)
from server.trust_tables import ComparisonRow

DATA = Path(__file__).with_name("demo_data.json")
VOTES = 360
COMPARISONS = 240


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def phases(now: datetime) -> list[dict[str, Any]]:
    start = now.replace(minute=0, second=0, microsecond=0) - 3 * DAY
    return [
        {"name": "Understand", "starts_at": start - 21 * DAY, "ends_at": start - 7 * DAY,
         "submissions": True, "comments": True, "votes": False, "show_counts": True},
        {"name": "Share and prioritise", "starts_at": start, "ends_at": start + 6 * DAY,
         "submissions": True, "comments": True, "votes": True, "show_counts": True,
         "pairwise": True},
        {"name": "Develop", "starts_at": start + 10 * DAY, "ends_at": start + 31 * DAY,
         "submissions": False, "comments": True, "votes": False, "show_counts": True,
         "develop": True},
    ]


async def seed_demo(settings: Settings, *, replace: bool = False, quiet: bool = False,
                    now: datetime | None = None, develop: bool = True) -> int:
    """Both demo challenges (without ``develop``, only the first); one already there is
    left alone unless ``replace``."""
    data = load()
    now = now or utcnow()
    spec = ChallengeCreate.model_validate({**data["challenge"], "phases": phases(now)})
    if settings.is_sqlite:
        await upgrade(settings.database_url)
    db = Database.connect(settings.database_url, pool_size=1)
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_kib)
    reports: list[str | None] = []
    try:
        async with db.write() as session:
            users = await demo_users(session, data["users"], passwords, now)
            if await make_room(session, spec.slug, replace):
                reports.append(await _seed_first(session, data, spec, users, now))
            if develop:
                reports.append(await seed_develop(session, users, now, replace=replace))
            await session.commit()
    finally:
        await db.dispose()
    if not quiet:
        _report(data, [r for r in reports if r])
    return 0


async def _seed_first(session: AsyncSession, data: dict[str, Any], spec: ChallengeCreate,
                      users: dict[str, UserRow], now: datetime) -> str:
    """The challenge whose "Share and prioritise" phase is open; a line for the report."""
    rng = random.Random(2015)  # the year of the campaign; any fixed seed keeps it stable
    challenge = ChallengeRow(
        slug=spec.slug, title=spec.title, summary=spec.summary, themes=spec.themes,
        moderation=spec.moderation, anonymous_default=spec.anonymous_default,
        created_at=now - 28 * DAY, updated_at=now - 28 * DAY)
    session.add(challenge)
    await session.flush()
    for i, phase in enumerate(spec.phases):
        session.add(PhaseRow(challenge_id=challenge.id, position=i, **phase.model_dump()))
    for i, prompt in enumerate(spec.prompts):
        session.add(PromptRow(challenge_id=challenge.id, position=i, **prompt.model_dump()))

    share_start = spec.phases[1].starts_at
    # Spread the submissions over the open phase so far, oldest first, so ids
    # grow with time as they do for real posts.
    items = data["submissions"]
    elapsed = (now - share_start).total_seconds()
    times = sorted(share_start + timedelta(seconds=rng.uniform(0, elapsed * 0.9))
                   for _ in items)
    rows = await add_submissions(session, challenge.id, items, users, times)

    # Votes: some submissions are clearly popular, a few divisive.
    people = list(users.values())
    appeal = [rng.betavariate(2, 2) for _ in rows]
    pairs = [(u, s) for u in people for s in range(len(rows))]
    rng.shuffle(pairs)
    weights = [appeal[s] for _, s in pairs]
    chosen: set[tuple[int, int]] = set()
    for user, s in rng.choices(pairs, weights=weights, k=VOTES * 3):
        if len(chosen) >= VOTES:
            break
        if (user.id, s) in chosen or rows[s].author_id == user.id:
            continue
        chosen.add((user.id, s))
        row = rows[s]
        value = 1 if rng.random() < 0.55 + 0.4 * appeal[s] else -1
        when = row.created_at + (now - row.created_at) * rng.random()
        session.add(VoteRow(user_id=user.id, submission_id=row.id, value=value,
                            created_at=when, updated_at=when))
        row.up += value == 1
        row.down += value == -1
        await mark_participant(session, challenge.id, user.id, when)
    crowd = await crowd_votes(session, challenge.id, rows, appeal, now)
    for row in rows:
        row.score = wilson_lower_bound(row.up, row.down)
    compared = _comparisons(session, challenge.id, rows, people, appeal, now)

    threads = await add_threads(session, data["comments"], rows, users, rng, now)
    await _moderation(session, data.get("moderation", {}), challenge, users, rows,
                      threads, now)
    comments = sum(len(thread) for thread in threads)
    return (f"Seeded the demo challenge {spec.slug!r}: {len(rows)} submissions, "
            f"{len(chosen) + crowd} votes, {compared} comparisons, {comments} comments.")


def _comparisons(session: AsyncSession, challenge_id: int, rows: list[SubmissionRow],
                 people: list[UserRow], appeal: list[float], now: datetime) -> int:
    """Pairwise answers (so ``sort=pairwise`` has something to show): people compare two
    of a kind, never their own, the more appealing winning more often (Bradley-Terry
    on ``appeal``), now and then "can't decide". Its own random stream: the votes and
    comments seeded around it stay as they were."""
    rng = random.Random(1948)
    by_kind: dict[str, list[int]] = {}
    for s, row in enumerate(rows):
        by_kind.setdefault(row.kind, []).append(s)
    seen: set[tuple[int, int, int]] = set()
    for _ in range(COMPARISONS):
        user = rng.choice(people)
        group = by_kind[rng.choice(sorted(by_kind))]
        a, b = rng.sample(group, 2)
        low, high = sorted((rows[a], rows[b]), key=lambda r: r.id)
        if user.id in (low.author_id, high.author_id) or (user.id, low.id, high.id) in seen:
            continue
        seen.add((user.id, low.id, high.id))
        winner: SubmissionRow | None = None
        if rng.random() >= 0.1:
            odds = math.exp(4 * (appeal[a] - appeal[b]))
            winner, loser = ((rows[a], rows[b]) if rng.random() < odds / (1 + odds)
                             else (rows[b], rows[a]))
            winner.wins += 1
            loser.losses += 1
        when = max(low.created_at, high.created_at) + (now - max(
            low.created_at, high.created_at)) * rng.random()
        session.add(ComparisonRow(challenge_id=challenge_id, user_id=user.id, kind=low.kind,
                                  low_id=low.id, high_id=high.id,
                                  winner_id=winner.id if winner else None,
                                  reason=None if winner else "Both would help",
                                  created_at=when, updated_at=when))
    for row in rows:
        row.pairwise_score = pairwise_score(row.wins, row.losses)
    return len(seen)


async def _moderation(session: AsyncSession, data: dict[str, Any], challenge: ChallengeRow,
                      users: dict[str, UserRow], rows: list[SubmissionRow],
                      threads: list[list[CommentRow]], now: datetime) -> None:
    """What waits for a moderator: posts held for personal data, posts hidden by
    reports (a likely duplicate among them), an earlier rejection, open reports."""
    from server.routes.submissions import held_for_personal_data

    def user(email: str) -> UserRow:
        return users[email.lower()]

    def flag(kind: str, ident: int, spec: dict[str, Any], when: datetime) -> FlagRow:
        checked = FlagCreate(reason=spec["reason"], note=spec.get("note", ""))
        return FlagRow(reporter_id=user(spec["by"]).id, target_type=kind, target_id=ident,
                       reason=checked.reason, note=checked.note, created_at=when)

    for item in data.get("submissions", []):
        checked = SubmissionCreate.model_validate(
            {k: item[k] for k in ("kind", "title", "body", "themes", "anonymous")})
        created = now - timedelta(hours=item["hours_ago"])
        flags = item.get("flags", [])
        status, reason = item["status"], item.get("reason")
        if status == "pending":
            reason = (held_for_personal_data(checked.title, checked.body)
                      or "Waiting for a moderator to approve it.")
        elif status == "hidden":
            reason = f"Hidden after reports from {len(flags)} people; waiting for a moderator."
        author = user(item["author"])
        row = SubmissionRow(
            challenge_id=challenge.id, kind=checked.kind, title=checked.title,
            body=checked.body, author_id=author.id, anonymous=bool(checked.anonymous),
            status=status, status_reason=reason, up=0, down=0, comments=0, score=0.0,
            created_at=created, updated_at=created)
        session.add(row)
        await session.flush()
        session.add_all([SubmissionThemeRow(submission_id=row.id, theme=t)
                         for t in checked.themes])
        session.add_all([flag("submission", row.id, spec, created + (i + 1) * HOUR)
                         for i, spec in enumerate(flags)])
        await mark_participant(session, challenge.id, author.id, created)
    for item in data.get("comments", []):
        checked_comment = CommentCreate(body=item["body"])
        created = now - timedelta(hours=item["hours_ago"])
        session.add(CommentRow(
            submission_id=rows[item["submission"]].id, author_id=user(item["author"]).id,
            body=checked_comment.body, status="pending",
            status_reason=held_for_personal_data(checked_comment.body),
            created_at=created, updated_at=created))
    await session.flush()
    for spec in data.get("flags", []):
        when = now - timedelta(hours=spec["hours_ago"])
        if "submission" in spec:
            session.add(flag("submission", rows[spec["submission"]].id, spec, when))
        else:
            target = threads[spec["comment"]][spec.get("reply", -1) + 1]
            session.add(flag("comment", target.id, spec, when))


def _report(data: dict[str, Any], lines: list[str]) -> None:
    out = sys.stdout
    for line in lines or ["The demo challenges are already there; use --replace to "
                          "rebuild them."]:
        print(line, file=out)
    print(f"Sign in as any of the {len(data['users'])} people (demo passwords):", file=out)
    for person in sorted(data["users"], key=lambda p: (p["role"] == "participant", p["email"])):
        print(f"  {person['role']:<12} {person['email']:<40} {demo_password(person)}", file=out)
