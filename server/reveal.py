"""Revealing a challenge's counts while its phase hides them: the one exception to
"nobody sees them, moderators and admins included" (issue 15), and an audited one.

Each reveal is a row of the moderation audit log (action ``reveal_counts``, the
moderator's reason, the challenge as its target), written in the same transaction as
the read, so no one sees hidden counts without the log saying who, when and why. It
cannot be undone: what was seen stays seen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.reveal_models import RevealedCount, RevealedCounts
from server import bridging, modlog
from server.tables import (
    ChallengeRow,
    ModerationActionRow,
    ModerationTargetRow,
    SubmissionRow,
    UserRow,
)

ACTION = "reveal_counts"


async def reveal(session: AsyncSession, moderator: UserRow, challenge: ChallengeRow,
                 reason: str, now: datetime) -> RevealedCounts:
    """The challenge's published submissions with their counts, newest first, and the
    audit log's row for it (not committed)."""
    action = ModerationActionRow(moderator_id=moderator.id, action=ACTION, reason=reason,
                                 undo={}, created_at=now)
    session.add(action)
    await session.flush()
    session.add(ModerationTargetRow(action_id=action.id, target_type="challenge",
                                    target_id=challenge.id, role="target",
                                    challenge_id=challenge.id))
    await session.flush()
    tallies = await bridging.tallies(session, challenge.id)
    S = SubmissionRow
    rows = (await session.execute(
        select(S.id, S.title, S.up, S.down, S.score, S.wins, S.losses, S.pairwise_score)
        .where(S.challenge_id == challenge.id, S.status == "published")
        .order_by(S.id.desc()))).all()
    (logged,) = await modlog.render(session, [action])
    return RevealedCounts(challenge=challenge.slug, action=logged, items=[
        RevealedCount(id=r.id, title=r.title, up=r.up, down=r.down, score=r.score,
                      wins=r.wins, losses=r.losses, pairwise_score=r.pairwise_score,
                      bridging=tallies.score(r.id))
        for r in rows])
