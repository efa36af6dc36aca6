"""Guide entries and their comments in moderation: the queue, decisions and undo.

An entry's text is queued while it is held for suspected personal data (its
``mod_status`` "pending") or reported (open flags, "published" or "hidden"); a
comment on an entry as comments on submissions are. Moderators decide on them with
the same decisions: ``approve``, ``hide``, ``restore``, ``dismiss_flags`` on both,
``reject`` and ``block_user`` (its author) on entry comments only: an entry has
several writers and its status is the facilitators' to set through the guide.

An entry held waits from when it was held (``held_at``: the edit that holds it), not
from when it was shortlisted: that is its ``created_at`` in the queue, and its place
(oldest first, as everything queued). In a queue item, an entry's ``author`` is whoever
wrote its current version, its
``kind`` and ``submission_id`` those of the submission it was shortlisted from
(``submission_id`` 0 if that is gone), its ``title`` and ``submission_title`` its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, case, func, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import FlagReason, Kind
from server.guide_tables import GuideCommentRow, GuideEntryRow, GuideVersionRow
from server.tables import FlagRow, SubmissionRow

GUIDE_TYPES = ("entry", "entry_comment")
E, GC = GuideEntryRow, GuideCommentRow
Key = tuple[str, int]


def _queued(kind: str, reason: FlagReason | None) -> ColumnElement[bool]:
    """As ``server.queue._queued``: pending, or reported and not decided."""
    table: Any = E if kind == "entry" else GC
    status = table.mod_status if kind == "entry" else table.status
    reported = select(FlagRow.target_id).where(FlagRow.target_type == kind,
                                               FlagRow.resolved_at.is_(None))
    if reason:
        candidates: Any = reported.where(FlagRow.reason == reason)
    else:
        candidates = union(select(table.id).where(status == "pending"), reported)
    return and_(table.id.in_(candidates), status.in_(("pending", "published", "hidden")))


def queued_at(table: Any) -> ColumnElement[datetime]:
    """When an entry (or an entry comment) began to wait: a held entry since it was held."""
    if table is not E:
        return cast(ColumnElement[datetime], table.created_at)
    return case((and_(E.mod_status == "pending", E.held_at.is_not(None)), E.held_at),
                else_=E.created_at)


def _after(table: Any, rank: int,
           key: tuple[datetime, int, int] | None) -> list[ColumnElement[bool]]:
    if key is None:
        return []
    at, last_rank, last_id = key
    when = queued_at(table)
    if rank > last_rank:
        return [when >= at]
    if rank < last_rank:
        return [when > at]
    return [(when > at) | ((when == at) & (table.id > last_id))]


async def queued(session: AsyncSession, kind: str, *, challenge_id: int | None,
                 flag_reason: FlagReason | None, key: tuple[datetime, int, int] | None,
                 rank: int, limit: int) -> tuple[int, list[tuple[datetime, int, int]]]:
    """How many entries (or entry comments) are queued, and a page of them."""
    where: list[Any] = [_queued(kind, flag_reason), E.removed_at.is_(None)]
    if challenge_id is not None:
        where.append(E.challenge_id == challenge_id)
    table: Any = E if kind == "entry" else GC
    count = select(func.count()).select_from(table)
    when = queued_at(table)
    page = select(when, table.id)
    if kind == "entry_comment":
        count = count.join(E, E.id == GC.entry_id)
        page = page.join(E, E.id == GC.entry_id)
    total = int((await session.execute(count.where(*where))).scalar_one())
    rows = await session.execute(page.where(*where, *_after(table, rank, key))
                                 .order_by(when, table.id).limit(limit + 1))
    return total, [(at, rank, ident) for at, ident in rows]


async def load_items(session: AsyncSession, keys: Iterable[Key], *,
                     lock: bool) -> list[dict[str, Any]]:
    """What ``server.moderation.Item`` needs of these entries and entry comments:
    entries locked before comments, in id order (the order the flag routes take)."""
    keys = list(keys)
    entry_ids = sorted({i for t, i in keys if t == "entry"})
    comment_ids = sorted({i for t, i in keys if t == "entry_comment"})
    found: list[dict[str, Any]] = []
    comment_rows: list[Any] = []
    if comment_ids:
        comment_rows = list((await session.execute(
            select(GC.id, GC.entry_id, GC.author_id, GC.status, GC.status_reason)
            .where(GC.id.in_(comment_ids)).order_by(GC.id))).all())
    wanted = sorted(set(entry_ids) | {r.entry_id for r in comment_rows})
    entries: dict[int, Any] = {}
    if wanted:
        query = (select(E.id, E.challenge_id, E.lead_id, E.mod_status, E.mod_reason)
                 .where(E.id.in_(wanted)).order_by(E.id))
        entries = {r.id: r for r in await session.execute(
            query.with_for_update() if lock else query)}
    writers = await latest_writers(session, entry_ids)
    for ident in entry_ids:
        if (row := entries.get(ident)) is not None:
            found.append({"type": "entry", "id": ident, "challenge_id": row.challenge_id,
                          "author_id": writers.get(ident) or row.lead_id or 0,
                          "status": row.mod_status, "status_reason": row.mod_reason})
    if comment_ids and lock:  # locked after their entries
        await session.execute(select(GC.id).where(GC.id.in_(comment_ids)).order_by(GC.id)
                              .with_for_update())
    for row in comment_rows:
        found.append({"type": "entry_comment", "id": row.id,
                      "challenge_id": entries[row.entry_id].challenge_id,
                      "author_id": row.author_id, "status": row.status,
                      "status_reason": row.status_reason})
    return found


async def latest_writers(session: AsyncSession, entry_ids: Sequence[int]) -> dict[int, int]:
    """Who wrote each entry's current version."""
    if not entry_ids:
        return {}
    V = GuideVersionRow
    rows = await session.execute(
        select(V.entry_id, V.author_id).join(E, (E.id == V.entry_id) & (E.version == V.version))
        .where(V.entry_id.in_(entry_ids)))
    return {entry_id: author for entry_id, author in rows if author is not None}


async def set_status(session: AsyncSession, kind: str, status: str, reason: str | None,
                     ids: list[int], now: datetime) -> None:
    if kind == "entry":
        await session.execute(update(E).where(E.id.in_(ids))
                              .values(mod_status=status, mod_reason=reason, held_at=now)
                              .execution_options(synchronize_session=False))
    else:
        await session.execute(update(GC).where(GC.id.in_(ids))
                              .values(status=status, status_reason=reason, updated_at=now)
                              .execution_options(synchronize_session=False))


async def origins(session: AsyncSession, entry_ids: Iterable[int]
                  ) -> dict[int, tuple[int, Kind]]:
    """The submission each entry was shortlisted from, and its kind."""
    ids = sorted(set(entry_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(E.id, SubmissionRow.id, SubmissionRow.kind)
        .join(SubmissionRow, SubmissionRow.id == E.submission_id).where(E.id.in_(ids)))
    return {entry_id: (sid, cast(Kind, kind)) for entry_id, sid, kind in rows}
