"""What both demo challenges are built from: the demo people, submissions and comment
threads written straight to the tables (checked by the API's own request models)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import CommentCreate, SubmissionCreate
from server.queries import mark_participant
from server.security import Passwords
from server.tables import (
    ChallengeRow,
    CommentRow,
    ModerationActionRow,
    ModerationTargetRow,
    SubmissionRow,
    SubmissionThemeRow,
    UserRow,
)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def demo_password(user: dict[str, Any]) -> str:
    """Easy to type in a demo, and different for each person."""
    return f"demo-{user['email'].split('.')[0].split('@')[0]}"


async def demo_users(session: AsyncSession, people: Sequence[dict[str, Any]],
                     passwords: Passwords, now: datetime) -> dict[str, UserRow]:
    """The demo people by lower-case email; those already there are kept as they are."""
    users: dict[str, UserRow] = {}
    for person in people:
        email = person["email"].lower()
        user = (await session.execute(select(UserRow).where(
            UserRow.email == email))).scalar_one_or_none()
        if user is None:
            user = UserRow(email=email, display_name=person["display_name"],
                           password_hash=passwords.hash_sync(demo_password(person)),
                           role=person["role"], organisation=person.get("organisation"),
                           staff_group=person.get("staff_group"),
                           created_at=now - 30 * DAY)
            session.add(user)
        users[email] = user
    await session.flush()
    return users


async def make_room(session: AsyncSession, slug: str, replace: bool) -> bool:
    """Whether to seed the challenge ``slug``: it is not there yet, or it is and
    ``replace`` says to rebuild it (it is deleted here, with the moderation actions on
    it, which nothing else would point at)."""
    existing = (await session.execute(select(ChallengeRow.id).where(
        ChallengeRow.slug == slug))).scalar_one_or_none()
    if existing is None:
        return True
    if not replace:
        return False
    actions = select(ModerationTargetRow.action_id).where(
        ModerationTargetRow.challenge_id == existing)
    await session.execute(delete(ModerationActionRow).where(
        ModerationActionRow.id.in_(actions)))
    await session.execute(delete(ChallengeRow).where(ChallengeRow.id == existing))
    return True


async def add_submissions(session: AsyncSession, challenge_id: int,
                          items: Sequence[dict[str, Any]], users: dict[str, UserRow],
                          times: Sequence[datetime]) -> list[SubmissionRow]:
    """Published submissions, one per item, created at ``times`` (in order)."""
    rows: list[SubmissionRow] = []
    for item, created in zip(items, times, strict=True):
        checked = SubmissionCreate.model_validate(
            {k: item[k] for k in ("kind", "title", "body", "themes", "anonymous")})
        author = users[item["author"].lower()]
        row = SubmissionRow(
            challenge_id=challenge_id, kind=checked.kind, title=checked.title,
            body=checked.body, author_id=author.id, anonymous=bool(checked.anonymous),
            status="published", up=0, down=0, comments=0, score=0.0,
            created_at=created, updated_at=created)
        session.add(row)
        rows.append(row)
        await mark_participant(session, challenge_id, author.id, created)
    await session.flush()
    for row, item in zip(rows, items, strict=True):
        session.add_all([SubmissionThemeRow(submission_id=row.id, theme=t)
                         for t in item["themes"]])
    return rows


def comment_row(row: SubmissionRow, author: UserRow, body: str, when: datetime,
                parent_id: int | None = None) -> CommentRow:
    checked = CommentCreate(body=body)
    return CommentRow(submission_id=row.id, parent_id=parent_id, author_id=author.id,
                      body=checked.body, status="published", created_at=when, updated_at=when)


async def add_threads(session: AsyncSession, data: Sequence[dict[str, Any]],
                      rows: Sequence[SubmissionRow], users: dict[str, UserRow],
                      rng: random.Random, until: datetime) -> list[list[CommentRow]]:
    """Comment threads (each: its comment, then its replies) at random times between
    the submission's and ``until``; the submissions' comment counters follow."""
    threads: list[list[CommentRow]] = []
    for thread in data:
        row = rows[thread["submission"]]
        when = row.created_at + (until - row.created_at) * rng.uniform(0.1, 0.6)
        parent = comment_row(row, users[thread["author"].lower()], thread["body"], when)
        session.add(parent)
        await session.flush()
        threads.append([parent])
        for reply in thread.get("replies", []):
            when = when + (until - when) * rng.uniform(0.1, 0.7)
            threads[-1].append(comment_row(row, users[reply["author"].lower()],
                                           reply["body"], when, parent.id))
            session.add(threads[-1][-1])
    await session.flush()
    for row in rows:
        row.comments = len((await session.execute(select(CommentRow.id).where(
            CommentRow.submission_id == row.id))).all())
    return threads
