"""Facilitators' guide actions in the moderation audit log (``moderation_actions``).

Each action names its entries as targets (type "entry"), so the log filters by
challenge and by entry as it does for decisions, and ``undo`` finds what to reverse
in the action's undo record (server/guide_undo.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import GuideActionName
from server.tables import ModerationActionRow, ModerationTargetRow, UserRow

GUIDE_ACTIONS: frozenset[str] = frozenset(get_args(GuideActionName))


async def log(session: AsyncSession, user: UserRow, action: GuideActionName,
              entries: Sequence[tuple[int, int]], undo: dict[str, Any], now: datetime,
              reason: str | None = None, challenge: int | None = None) -> ModerationActionRow:
    """Record ``action`` on ``entries`` ((entry id, challenge id) pairs), or on a whole
    ``challenge``'s guide (publication); not committed."""
    row = ModerationActionRow(moderator_id=user.id, action=action, reason=reason, undo=undo,
                              created_at=now)
    session.add(row)
    await session.flush()
    if entries:
        await session.execute(insert(ModerationTargetRow), [
            {"action_id": row.id, "target_type": "entry", "target_id": entry_id,
             "role": "target", "challenge_id": challenge_id}
            for entry_id, challenge_id in entries])
    if challenge is not None:
        session.add(ModerationTargetRow(action_id=row.id, target_type="challenge",
                                        target_id=challenge, role="target",
                                        challenge_id=challenge))
        await session.flush()
    return row
