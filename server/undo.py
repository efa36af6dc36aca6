"""Undoing a moderation action: every action, merge included.

An undo is refused (409, ``/problems/undo-refused``) when:

* the action was already undone (the problem names who undid it and when);
* a later, not-undone action changed the same thing on one of its items — the
  status of a target or of a merge's destination, a locked thread, a blocked
  person — the problem names the latest such action: undo that one first;
* an item is no longer as the action left it, for a reason outside moderation (its
  author withdrew it, reports hid it again, an admin unblocked someone...).

Otherwise every target returns to its status and reason before the action, the
reports it closed are open again, a merge's votes and comments go back (see
``server/merge.py``), counters and stored scores are recomputed, and the action is
marked undone (who, when) in the log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import DecisionResult, FieldError
from server import guide_undo, merge, modlog
from server.guide_log import GUIDE_ACTIONS
from server.moderation import Item, conflict, load, set_status
from server.modlog import Key
from server.problems import not_found
from server.tables import (
    FlagRow,
    ModerationActionRow,
    ModerationTargetRow,
    SubmissionRow,
    UserRow,
)


def _refuse(message: str) -> Exception:
    return conflict([FieldError(field="action", message=message)], undo=True)


async def _superseded(session: AsyncSession, action: ModerationActionRow,
                      changed: list[Key]) -> None:
    dim = modlog.dimension(action.action)
    later = await modlog.history(session, changed, after=action.id)
    newest = None
    for key in changed:
        decision = later.get(key, {}).get(dim)
        if decision is not None and (newest is None or decision.id > newest[1].id):
            newest = (key, decision)
    if newest is not None:
        (kind, ident), decision = newest
        raise _refuse(f"action {action.id} was superseded: "
                      f"{decision.describe(f'{kind} {ident}')}; undo that one first")


def _still(action: ModerationActionRow, items: dict[Key, Item],
           users: dict[int, UserRow]) -> list[str]:
    """What is no longer as the action left it."""
    undo = action.undo
    changed: list[str] = []
    for record in undo.get("items", []):
        item = items.get((record["type"], int(record["id"])))
        if item is None or item.status != record["after"]:
            now = item.status if item else "gone"
            changed.append(f"{record['type']} {record['id']} is {now} now, no longer "
                           f"{record['after']} as action {action.id} left it")
    for sid in undo.get("locked", []):
        item = items.get(("submission", int(sid)))
        if item is None or not item.comments_locked:
            changed.append(f"submission {sid}'s comments were unlocked since action "
                           f"{action.id}")
    for uid in undo.get("blocked", []):
        user = users.get(int(uid))
        if user is None or not user.blocked:
            changed.append(f"user {uid} was unblocked since action {action.id}")
    return changed


async def undo(session: AsyncSession, moderator: UserRow, action_id: int,
               now: datetime) -> tuple[DecisionResult, list[int]]:
    """Undo the action (not committed); the result and the users it unblocked."""
    action = (await session.execute(
        select(ModerationActionRow).where(ModerationActionRow.id == action_id)
        .with_for_update())).scalar_one_or_none()
    if action is None:
        raise not_found("moderation action")
    if action.undone_at is not None:
        who = await session.get(UserRow, action.undone_by) if action.undone_by else None
        raise _refuse(f"action {action.id} was already undone by "
                      f"{who.display_name if who else 'someone'} at "
                      f"{action.undone_at.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if action.action == "reveal_counts":
        raise _refuse(f"action {action.id} showed hidden counts; what was seen cannot be "
                      "undone")
    rows = (await session.execute(select(ModerationTargetRow).where(
        ModerationTargetRow.action_id == action.id))).scalars().all()
    changed = [(r.target_type, r.target_id) for r in rows
               if modlog.changes(action.action, r.role)]
    await _superseded(session, action, changed)
    if action.action in GUIDE_ACTIONS:  # a facilitator's change to the guide
        return await guide_undo.undo(session, moderator, action, now), []
    item_keys = [(r.target_type, r.target_id) for r in rows if r.target_type != "user"]
    items = await load(session, item_keys, lock=action.action != "block_user")
    users: dict[int, UserRow] = {}
    blocked = [int(u) for u in action.undo.get("blocked", [])]
    if blocked:
        users = {u.id: u for u in (await session.execute(
            select(UserRow).where(UserRow.id.in_(blocked)).order_by(UserRow.id)
            .with_for_update())).scalars()}
    problems = _still(action, items, users)
    if problems:
        raise conflict([FieldError(field="action", message=m) for m in problems], undo=True)
    await _reverse(session, action, items, now)
    action.undone_at, action.undone_by = now, moderator.id
    await session.flush()
    (rendered,) = await modlog.render(session, [action])
    targets = [items[(r.target_type, r.target_id)] for r in rows
               if r.role == "target" and (r.target_type, r.target_id) in items]
    return DecisionResult(action=rendered, items=[t.state() for t in targets]), blocked


async def _reverse(session: AsyncSession, action: ModerationActionRow,
                   items: dict[Key, Item], now: datetime) -> None:
    undo: dict[str, Any] = action.undo
    locked = [int(s) for s in undo.get("locked", [])]
    if locked:
        await session.execute(update(SubmissionRow).where(SubmissionRow.id.in_(locked))
                              .values(comments_locked=False)
                              .execution_options(synchronize_session=False))
        for sid in locked:
            items[("submission", sid)].comments_locked = False
    blocked = [int(u) for u in undo.get("blocked", [])]
    if blocked:
        await session.execute(update(UserRow).where(UserRow.id.in_(blocked))
                              .values(blocked=False)
                              .execution_options(synchronize_session=False))
    records = undo.get("items", [])
    changes: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
    for record in records:
        item = items[(record["type"], int(record["id"]))]
        if (item.status, item.status_reason) != (record["status"], record["reason"]):
            changes[(item.type, record["status"], record["reason"])].append(item.id)
        item.status, item.status_reason = record["status"], record["reason"]
    await set_status(session, changes, now)
    flags = [int(f) for f in undo.get("flags", [])]
    if flags:
        await session.execute(update(FlagRow).where(FlagRow.id.in_(flags))
                              .values(resolved_at=None)
                              .execution_options(synchronize_session=False))
    merges = undo.get("merges")
    if merges and action.merge_into is not None:
        await merge.move_back(session, merges, action.merge_into)
        await merge.recount(session, [action.merge_into, *(int(m["source"]) for m in merges)],
                            votes=True)
    else:
        threads = {items[(r["type"], int(r["id"]))].submission_id for r in records
                   if r["type"] == "comment"}
        await merge.recount(session, threads, votes=False)
