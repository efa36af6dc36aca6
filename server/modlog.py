"""The moderation audit log: action rows to wire models, and the history of an item."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import ActionRef, ActionTarget, ModerationAction, UserPublic
from server.tables import ChallengeRow, ModerationActionRow, ModerationTargetRow, UserRow

Key = tuple[str, int]  # ("submission" | "comment" | "user" | "entry", id)
Dimension = Literal["status", "lock", "block", "guide", "order", "publish", "audit"]

STATUS_ACTIONS = frozenset({"approve", "reject", "hide", "restore", "dismiss_flags", "merge"})

PAST = {"approve": "approved", "reject": "rejected", "hide": "hidden", "restore": "restored",
        "dismiss_flags": "cleared of its reports", "merge": "merged",
        "lock_comments": "locked for comments", "block_user": "blocked",
        "guide_shortlist": "shortlisted into the guide", "guide_remove": "removed from the guide",
        "guide_update": "changed by a facilitator", "guide_order": "reordered",
        "guide_publish": "published or unpublished",
        "reveal_counts": "shown with its hidden counts"}


def dimension(action: str) -> Dimension:
    """What an action changes: an item's status (and reports), its thread, or a person."""
    if action == "lock_comments":
        return "lock"
    if action == "block_user":
        return "block"
    if action == "guide_order":
        return "order"  # the guide's order: its entries' places, not the entries
    if action == "guide_publish":
        return "publish"
    if action == "reveal_counts":
        return "audit"  # changes nothing: it records that someone saw hidden counts
    if action.startswith("guide_"):
        return "guide"  # a facilitator's change to a guide entry (server/guide_log.py)
    return "status"


def changes(action: str, role: str) -> bool:
    """Whether a target row is something the action changed (block_user changes the
    author, not the item it was reached through)."""
    return not (action == "block_user" and role == "target")


@dataclass(frozen=True)
class Decision:
    """A not-undone action that changed an item."""

    id: int
    action: str
    moderator_id: int
    moderator_name: str
    created_at: datetime

    def describe(self, what: str) -> str:
        """'submission 12 was approved by Rachel at 2026-...Z (action 42)'."""
        past = PAST.get(self.action, self.action)
        return (f"{what} was {past} by {self.moderator_name} at "
                f"{self.created_at.strftime('%Y-%m-%dT%H:%M:%SZ')} (action {self.id})")

    def ref(self) -> ActionRef:
        return ActionRef(id=self.id, action=self.action,
                         moderator=UserPublic(id=self.moderator_id,
                                              display_name=self.moderator_name),
                         created_at=self.created_at)


def _keys_clause(keys: Iterable[Key]) -> list[object]:
    by_type: dict[str, set[int]] = {}
    for kind, ident in keys:
        by_type.setdefault(kind, set()).add(ident)
    T = ModerationTargetRow
    return [and_(T.target_type == kind, T.target_id.in_(sorted(ids)))
            for kind, ids in by_type.items()]


async def history(session: AsyncSession, keys: Iterable[Key], *,
                  after: int = 0) -> dict[Key, dict[Dimension, Decision]]:
    """The latest not-undone decision per item and dimension (newer than ``after``)."""
    clauses = _keys_clause(keys)
    if not clauses:
        return {}
    T, A = ModerationTargetRow, ModerationActionRow
    rows = await session.execute(
        select(T.target_type, T.target_id, T.role, A.id, A.action, A.moderator_id,
               UserRow.display_name, A.created_at)
        .join(A, A.id == T.action_id).join(UserRow, UserRow.id == A.moderator_id)
        .where(A.undone_at.is_(None), A.id > after, or_(*clauses))  # type: ignore[arg-type]
        .order_by(A.id))
    latest: dict[Key, dict[Dimension, Decision]] = {}
    for kind, ident, role, aid, action, mod_id, mod_name, at in rows:
        if changes(action, role):
            latest.setdefault((kind, ident), {})[dimension(action)] = Decision(
                aid, action, mod_id, mod_name, at)
    return latest


class _Touched(NamedTuple):
    target_type: str
    target_id: int
    role: str
    challenge_id: int | None


async def render(session: AsyncSession,
                 actions: Sequence[ModerationActionRow]) -> list[ModerationAction]:
    if not actions:
        return []
    ids = [a.id for a in actions]
    T = ModerationTargetRow
    targets: dict[int, list[_Touched]] = {i: [] for i in ids}
    for action_id, kind, ident, role, challenge_id in await session.execute(
            select(T.action_id, T.target_type, T.target_id, T.role, T.challenge_id)
            .where(T.action_id.in_(ids))
            .order_by(T.action_id, T.target_type, T.target_id)):
        targets[action_id].append(_Touched(kind, ident, role, challenge_id))
    user_ids = {a.moderator_id for a in actions} | {a.undone_by for a in actions
                                                     if a.undone_by is not None}
    user_ids |= {t.target_id for rows in targets.values() for t in rows if t.role == "author"}
    users = {u.id: UserPublic(id=u.id, display_name=u.display_name) for u in (
        await session.execute(select(UserRow).where(UserRow.id.in_(user_ids)))).scalars()}
    challenge_ids = {t.challenge_id for rows in targets.values() for t in rows
                     if t.challenge_id is not None}
    slugs = dict((await session.execute(
        select(ChallengeRow.id, ChallengeRow.slug)
        .where(ChallengeRow.id.in_(challenge_ids)))).all()) if challenge_ids else {}
    out = []
    for a in actions:
        rows = targets[a.id]
        out.append(ModerationAction(
            id=a.id, action=a.action,
            moderator=users[a.moderator_id], reason=a.reason,
            targets=[ActionTarget(type=t.target_type, id=t.target_id)
                     for t in rows if t.role == "target"],
            merge_into=a.merge_into,
            blocked_users=[users[t.target_id] for t in rows if t.role == "author"],
            challenges=sorted({slugs[t.challenge_id] for t in rows
                               if t.challenge_id in slugs}),
            created_at=a.created_at, undone_at=a.undone_at,
            undone_by=users.get(a.undone_by) if a.undone_by is not None else None))
    return out
