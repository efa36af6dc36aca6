"""The vote budget as a person sees it: "n of N supports left".

Plain logic (no widgets). The figure lives on the screens' shared ``Challenge``
(``supports_left``, the server's count for this person): a vote changes it at once,
as it changes the row, and the server's answer then sets it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.phases import current

if TYPE_CHECKING:  # pydantic loads after the first screen (tests/test_imports.py)
    from datetime import datetime

    from client.models import Challenge, VoteResult


def supports_left(challenge: Challenge | None, now: datetime) -> str | None:
    """What to show while votes are open under a budget; None otherwise (no budget, no
    figure from the server, or voting closed)."""
    if challenge is None or challenge.supports_left is None:
        return None
    phase = current(challenge, now)
    if phase is None or not phase.votes or phase.vote_budget is None:
        return None
    return f"{min(challenge.supports_left, phase.vote_budget)} of {phase.vote_budget} " \
           "supports left"


def spend(challenge: Challenge | None, old: int | None, new: int | None) -> int | None:
    """Count a vote from ``old`` to ``new`` before the server answers; the figure it
    replaced, to put back if the server says no."""
    if challenge is None or challenge.supports_left is None:
        return None
    before = challenge.supports_left
    challenge.supports_left = max(0, before - (new == 1) + (old == 1))
    return before


def settle(challenge: Challenge | None, result: VoteResult | None = None,
           before: int | None = None) -> None:
    """The server's answer decides: its figure, or (refused) the one before the vote."""
    if challenge is None:
        return
    challenge.supports_left = result.supports_left if result is not None else before
