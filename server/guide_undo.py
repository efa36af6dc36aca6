"""Undoing a facilitator's guide action, through the moderation undo endpoint.

* ``guide_shortlist``: the entry is removed (softly: its versions, pledges and comments
  stay, and undoing a removal is not possible for it: shortlist it again instead).
* ``guide_remove``: the entry is back, unless one of its sources went into another
  entry meanwhile (409 naming it).
* ``guide_update``: the fields it changed (status, review date, lead, contributors,
  sources, theme) go back to what they were, as a new version; refused when one of
  them is no longer as the action left it.
* ``guide_order`` and ``guide_publish``: the order and the publication before it
  (server/guide_book.py), unless they changed since.

``server/undo.py`` has refused already what was undone or superseded by a later
not-undone guide action on the same entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import DecisionResult, FieldError
from server import guide_book, modlog
from server.guide_access import load_entry
from server.guide_edit import Stale, apply_values, claim, snapshot, write_version
from server.guide_sources import lock_challenge, taken
from server.guide_tables import GuideEntryRow, GuideSourceRow
from server.moderation import conflict
from server.tables import ModerationActionRow, UserRow


def _refuse(message: str) -> Exception:
    return conflict([FieldError(field="action", message=message)], undo=True)


async def _entry(session: AsyncSession, action: ModerationActionRow) -> GuideEntryRow:
    """The action's entry, locked after its challenge: the order every guide writer
    takes them in (shortlisting and source changes lock the challenge first), so no
    deadlock on PostgreSQL."""
    entry_id = int(action.undo["entry"])
    challenge_id = (await session.execute(select(GuideEntryRow.challenge_id).where(
        GuideEntryRow.id == entry_id))).scalar_one_or_none()
    if challenge_id is not None:
        await lock_challenge(session, challenge_id)
    return await load_entry(session, entry_id, lock=True)


async def undo(session: AsyncSession, moderator: UserRow, action: ModerationActionRow,
               now: datetime) -> DecisionResult:
    """Reverse ``action`` (not committed)."""
    if action.action in ("guide_order", "guide_publish"):
        if action.action == "guide_order":
            await guide_book.undo_order(session, action, now)
        else:
            await guide_book.undo_publish(session, action, moderator, now)
        return await _done(session, moderator, action, now)
    entry = await _entry(session, action)
    name = f"entry {entry.id}"
    if action.action == "guide_shortlist":
        if entry.removed_at is not None:
            raise _refuse(f"{name} was removed from the guide already")
        entry.removed_at, entry.removed_by = now, moderator.id
    elif action.action == "guide_remove":
        if entry.removed_at is None:
            raise _refuse(f"{name} is in the guide already")
        sources = (await session.execute(select(GuideSourceRow.submission_id).where(
            GuideSourceRow.entry_id == entry.id))).scalars().all()
        elsewhere = await taken(session, entry.challenge_id, list(sources),
                                except_entry=entry.id)
        if elsewhere:
            raise conflict([FieldError(field="action", message=f"submission {s} is in "
                                                               f"entry {e} now")
                            for s, e in elsewhere.items()], undo=True)
        entry.removed_at, entry.removed_by = None, None
    elif action.action == "guide_update":
        await _undo_update(session, moderator, action, entry, now)
    else:
        raise _refuse(f"action {action.id} ({action.action}) cannot be undone")
    return await _done(session, moderator, action, now)


async def _done(session: AsyncSession, moderator: UserRow, action: ModerationActionRow,
                now: datetime) -> DecisionResult:
    action.undone_at, action.undone_by = now, moderator.id
    await session.flush()
    (rendered,) = await modlog.render(session, [action])
    return DecisionResult(action=rendered, items=[])


async def _undo_update(session: AsyncSession, moderator: UserRow, action: ModerationActionRow,
                       entry: GuideEntryRow, now: datetime) -> None:
    record: dict[str, Any] = action.undo
    if entry.removed_at is not None:
        raise _refuse(f"entry {entry.id} was removed from the guide since")
    current = await snapshot(session, entry)
    moved = [key for key, value in record["after"].items() if current.get(key) != value]
    if moved:
        raise conflict([FieldError(field="action", message=f"entry {entry.id}'s {key} "
                                                           f"changed since action {action.id}")
                        for key in moved], undo=True)
    before: dict[str, Any] = record["before"]
    if "sources" in before:
        elsewhere = await taken(session, entry.challenge_id,
                                [int(s) for s, _ in before["sources"]], except_entry=entry.id)
        if elsewhere:
            raise conflict([FieldError(field="action", message=f"submission {s} is in "
                                                               f"entry {e} now")
                            for s, e in elsewhere.items()], undo=True)
    if await claim(session, entry.id, None) is None:
        raise _refuse(f"entry {entry.id} was removed from the guide since")
    entry = await load_entry(session, entry.id)
    await apply_values(session, entry, before, now)
    entry.updated_at = now
    try:
        await write_version(session, entry, moderator, now)
    except Stale:  # cannot happen behind the row lock; said plainly if it ever does
        raise _refuse(f"entry {entry.id} changed while undoing; try again") from None
