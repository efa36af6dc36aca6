"""Votes as the lists and the submission page show them before the server confirms."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from client.errors import ChallengeError
from tui import budget

if TYPE_CHECKING:
    from client.api import ChallengeClient
    from client.models import Challenge, Submission


def voted(item: Submission, value: int | None) -> Submission:
    """What the submission looks like after this vote, before the server confirms."""
    old = item.my_vote
    up, down = item.up, item.down
    if up is not None and down is not None:
        up += (value == 1) - (old == 1)
        down += (value == -1) - (old == -1)
    return item.model_copy(update={"my_vote": value, "up": up, "down": down})


async def send_vote(client: ChallengeClient, challenge: Challenge | None, item: Submission,
                    wanted: int | None, show: Callable[[Submission], None]) -> None:
    """Vote ``wanted`` (None: withdraw) on ``item``: ``show`` gets it voted at once, the
    supports left counted, then as the server counted it. Refused, it is shown as it was
    and the error raised."""
    left = budget.spend(challenge, item.my_vote, wanted)
    show(voted(item, wanted))
    try:
        result = await (client.unvote(item.id) if wanted is None
                        else client.vote(item.id, 1 if wanted == 1 else -1))
    except ChallengeError:
        budget.settle(challenge, before=left)
        show(item)
        raise
    budget.settle(challenge, result)
    show(item.model_copy(update={"my_vote": result.my_vote, "up": result.up,
                                 "down": result.down, "score": result.score}))
