"""Wire models of revealing a challenge's hidden counts: the one way anyone, moderators
and admins included, sees votes while the phase hides them, and it is written to the
audit log (``POST /moderation/reveal-counts``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from client.fields import NotBlank, Slug, Text, not_blank
from client.models import ModerationAction, Request, Response

Reason = Annotated[Text, AfterValidator(not_blank), Field(max_length=1_000), NotBlank]


class RevealRequest(Request):
    """Which challenge's counts to see, and why (kept in the audit log)."""

    challenge: Slug
    reason: Reason


class RevealedCount(Response):
    """One published submission's counts and scores, as the lists would show them."""

    id: int
    title: str
    up: int
    down: int
    score: float
    wins: int
    losses: int
    pairwise_score: float
    bridging: float


class RevealedCounts(Response):
    """The challenge's published submissions (newest first) with their counts, and the
    audit log's entry that records who saw them, when and why."""

    challenge: str
    action: ModerationAction
    items: list[RevealedCount]
