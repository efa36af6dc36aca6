"""Wire models of the published ballot log (``GET .../ballots/manifest`` and
``GET /me/receipt``); the lines themselves are described in ``client.ballots``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class BallotSegment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: int
    closed_at: str
    phases: list[str]
    first_line: int
    count: int
    head: str


class BallotManifest(BaseModel):
    """The manifest as published (served byte for byte as stored): the log's segments,
    line count and chain head, and each ranking with its figures."""

    model_config = ConfigDict(extra="forbid")

    challenge: str
    genesis: str
    segments: list[BallotSegment]
    count: int
    head: str
    groups: list[str]
    rankings: dict[str, list[dict[str, Any]]]
    unranked: list[int]


class BallotReceipt(BaseModel):
    """A person's receipt: their pseudonym in the challenge's log, how many lines are
    theirs and SHA-256 over those lines' hashes in log order (of no line: of nothing),
    and the head of the log it was taken against."""

    model_config = ConfigDict(extra="forbid")

    challenge: str
    voter: str
    lines: int
    hash: str
    head: str
