"""Writing live events: in the transaction that makes the change, as rows of ``events``.

Each function here adds rows to the caller's write transaction; nothing is sent before
it commits. When it does, the database's ``on_events`` (set by this process's hub,
server/live_hub.py) is called, which announces the new rows on the bus; every
instance's hub reads them from the table and fans them out. A change made where no hub
runs (the admin CLI) is found by the hubs' polling instead.

Ids follow commit order: on PostgreSQL the first event of a transaction takes a
transaction-scoped advisory lock, held until commit, so no transaction can take a lower
id and commit after a higher one was read (SQLite's write lock does the same already).
Then "every row above the last id read" is exact, for the hubs and for resumes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from client.event_models import (
    CommentEvent,
    CountsItem,
    PhaseEvent,
    QueueEvent,
    QueueRemoval,
    SubmissionEvent,
)
from client.models import Comment, Submission
from server.live_tables import EventRow
from server.phases import current_phase
from server.queries import phases_of, themes_of
from server.tables import ChallengeRow, CommentRow, SubmissionRow, UserRow, utcnow
from server.views import comment_out, phase_out, public, submission_out

Audience = Literal["public", "author", "moderators", "user"]
CHANNEL = "events"
# pg_advisory_xact_lock's key for "an event is being written": any constant the other
# advisory locks of this application do not use.
EVENTS_LOCK = 0x6C697665  # "live"
_RECORDED = "live.recorded"


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    if session.info.pop(_RECORDED, False):
        database = session.info.get("database")
        hook = getattr(database, "on_events", None)
        if hook is not None:
            hook()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_RECORDED, None)


async def record(session: AsyncSession, name: str, *, challenge_id: int | None,
                 audience: Audience, data: BaseModel | dict[str, Any],
                 user_id: int | None = None) -> None:
    """Add one event to this transaction. Call as late in it as is convenient: on
    PostgreSQL the first call serialises the rest of the transaction with other
    transactions that write events."""
    if not session.info.get(_RECORDED):
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                  {"key": EVENTS_LOCK})
        session.info[_RECORDED] = True
    payload = (data.model_dump_json(exclude_none=False) if isinstance(data, BaseModel)
               else _json(data))
    session.add(EventRow(name=name, challenge_id=challenge_id, audience=audience,
                         user_id=user_id, data=payload, created_at=utcnow()))


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))


async def slug_of(session: AsyncSession, challenge_id: int) -> str:
    cache: dict[int, str] = session.info.setdefault("live.slugs", {})
    if challenge_id not in cache:
        cache[challenge_id] = (await session.execute(
            select(ChallengeRow.slug).where(ChallengeRow.id == challenge_id))).scalar_one()
    return cache[challenge_id]


async def full_submission(session: AsyncSession, row: SubmissionRow) -> Submission:
    """The submission as a moderator sees it (author named, counts shown), ``my_vote``
    and ``is_mine`` left out: the stream narrows it per subscriber."""
    author = await session.get(UserRow, row.author_id)
    assert author is not None
    themes = await themes_of(session, [row.id])
    return submission_out(row, slug=await slug_of(session, row.challenge_id),
                          themes=themes[row.id], author=public(author), viewer=None,
                          counts=True, my_vote=None).model_copy(
        update={"author": public(author), "status_reason": row.status_reason})


async def submission(session: AsyncSession, row: SubmissionRow, *, created: bool = False,
                     was_published: bool = False) -> None:
    """``submission.created`` or ``.updated``: to everyone when it is or was published
    (those who may no longer see it are told it is gone), else to its author and
    moderators."""
    await session.flush()
    shown = await full_submission(session, row)
    await record(session, "submission.created" if created else "submission.updated",
                 challenge_id=row.challenge_id,
                 audience="public" if was_published or row.status == "published" else "author",
                 user_id=row.author_id,
                 data=SubmissionEvent(challenge=shown.challenge, id=row.id,
                                      status=shown.status, submission=shown))


async def counts(session: AsyncSession, submission_ids: Iterable[int],
                 cause: Literal["vote", "comments"]) -> None:
    """One row per submission with its counters as they are now in this transaction;
    the hub coalesces them into ``submission.counts``. ``cause``: a vote's change is
    not sent to those the phase hides counts from; a comment count's is (without the
    votes)."""
    ids = sorted(set(submission_ids))
    if not ids:
        return
    await session.flush()
    S = SubmissionRow
    for row in await session.execute(
            select(S.id, S.challenge_id, S.author_id, S.status, S.up, S.down, S.score,
                   S.wins, S.losses, S.pairwise_score, S.comments)
            .where(S.id.in_(ids)).order_by(S.id).execution_options(populate_existing=True)):
        await _counts(session, _item(row), row.challenge_id, row.author_id, row.status, cause,
                      await slug_of(session, row.challenge_id))


async def counts_of(session: AsyncSession, row: SubmissionRow,
                    cause: Literal["vote", "comments"], *, slug: str) -> None:
    """``counts`` for a row this transaction holds locked (``FOR UPDATE``; on SQLite
    the write lock) and changed itself: its counters here are what it commits, as no
    other transaction can change them before, so they are not read again. ``slug``:
    its challenge's (a slug never changes, so a cached one is exact)."""
    await session.flush()
    await _counts(session, _item(row), row.challenge_id, row.author_id, row.status, cause,
                  slug)


def _item(row: Any) -> CountsItem:
    """The counters of a submission row (or a result row with its columns)."""
    return CountsItem(id=row.id, up=row.up, down=row.down, score=row.score, wins=row.wins,
                      losses=row.losses, pairwise_score=row.pairwise_score,
                      comments=row.comments)


async def _counts(session: AsyncSession, item: CountsItem, challenge_id: int, author_id: int,
                  status: str, cause: Literal["vote", "comments"], slug: str) -> None:
    await record(session, "submission.counts", challenge_id=challenge_id,
                 audience="public" if status == "published" else "author",
                 user_id=author_id,
                 data={**item.model_dump(), "cause": cause, "challenge": slug})


async def full_comment(session: AsyncSession, row: CommentRow) -> Comment:
    author = await session.get(UserRow, row.author_id)
    assert author is not None
    return comment_out(row, author, None).model_copy(update={"author": public(author)})


async def comment(session: AsyncSession, row: CommentRow, challenge_id: int) -> None:
    """``comment.created``: to everyone when published, else its author and moderators."""
    await session.flush()
    shown = await full_comment(session, row)
    await record(session, "comment.created", challenge_id=challenge_id,
                 audience="public" if row.status == "published" else "author",
                 user_id=row.author_id,
                 data=CommentEvent(challenge=await slug_of(session, challenge_id),
                                   submission_id=row.submission_id, comment=shown))


async def phases(session: AsyncSession, challenge: ChallengeRow, now: datetime) -> None:
    """``phase.changed``, after a challenge's phases were edited."""
    await session.flush()
    rows = await phases_of(session, challenge.id)
    now_phase = current_phase(rows, now)
    await record(session, "phase.changed", challenge_id=challenge.id, audience="public",
                 data=PhaseEvent(challenge=challenge.slug, phases=[phase_out(p) for p in rows],
                                 current_phase=phase_out(now_phase) if now_phase else None))


async def queue_added(session: AsyncSession, keys: Sequence[tuple[str, int]]) -> None:
    """``queue.changed`` with these items (those of them in the queue now), per challenge."""
    from server import queue  # the queue's rendering imports much; only writers need it

    await session.flush()
    items = await queue.queued_items(session, keys)
    by_challenge: dict[str, list[Any]] = {}
    for item in items:
        by_challenge.setdefault(item.challenge, []).append(item)
    for slug, added in by_challenge.items():
        cid = (await session.execute(
            select(ChallengeRow.id).where(ChallengeRow.slug == slug))).scalar_one()
        await record(session, "queue.changed", challenge_id=cid, audience="moderators",
                     data=QueueEvent(challenge=slug, added=added))


async def queue_removed(session: AsyncSession, challenge_id: int,
                        removed: list[QueueRemoval]) -> None:
    if removed:
        await record(session, "queue.changed", challenge_id=challenge_id,
                     audience="moderators",
                     data=QueueEvent(challenge=await slug_of(session, challenge_id),
                                     removed=removed))
