"""Votes as the lists and the submission page show them before the server confirms."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from client.models import Submission


def voted(item: Submission, value: int | None) -> Submission:
    """What the submission looks like after this vote, before the server confirms."""
    old = item.my_vote
    up, down = item.up, item.down
    if up is not None and down is not None:
        up += (value == 1) - (old == 1)
        down += (value == -1) - (old == -1)
    return item.model_copy(update={"my_vote": value, "up": up, "down": down})
