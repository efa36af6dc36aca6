"""Trust in the outcome's schema (issue 15): pairwise comparisons, the per-challenge
secrets behind pair tokens and pseudonyms, and the published ballot log.

Registered on ``server.tables.Base`` (imported at the end of that module).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.tables import Base, utcnow


class ComparisonRow(Base):
    """One person's answer to one pair, as last given: ``winner_id`` one of the two
    submissions, or None for "can't decide" (``reason`` optional). One row per person
    and pair, the pair stored smaller id first, so choosing again replaces it."""

    __tablename__ = "comparisons"
    __table_args__ = (
        UniqueConstraint("user_id", "low_id", "high_id"),
        Index("ix_comparisons_challenge", "challenge_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    low_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    winner_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChallengeKeyRow(Base):
    """A challenge's secret for one ``purpose`` (``pair``: signs pair tokens;
    ``pseudonym``: keys the ballot log's voter pseudonyms). Kept in the database so
    every instance uses the same; never published."""

    __tablename__ = "challenge_keys"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64))  # hex, 32 random bytes
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BallotSegmentRow(Base):
    """The ballot log published when a run of voting phases closed: lines
    ``first_line`` .. ``first_line + count - 1``, the chain's ``head`` after them, and
    the manifest (canonical JSON) as published. Segments only append."""

    __tablename__ = "ballot_segments"
    __table_args__ = (UniqueConstraint("challenge_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # When the voting closed (the phase's end), which phases' names; not a foreign key:
    # an admin may replace a challenge's phases later, the log stays.
    closed_at: Mapped[datetime]
    phase_names: Mapped[str] = mapped_column(Text)
    first_line: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    manifest: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class BallotLineRow(Base):
    """One line of a challenge's published ballot log, exactly as served (canonical
    JSON with its chain hash); ``voter`` is the line's pseudonym, for receipts."""

    __tablename__ = "ballot_lines"
    __table_args__ = (Index("ix_ballot_lines_voter", "challenge_id", "voter", "n"),)

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    voter: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class BallotPublishingRow(Base):
    """Who is writing the segment that closes at ``closed_at`` (server/ballot_claims.py):
    one instance at a time, for as long as it keeps renewing ``lease_until``; a lapsed
    lease is taken over and its unfinished lines are written again."""

    __tablename__ = "ballot_publishing"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    closed_at: Mapped[datetime]
    owner: Mapped[str] = mapped_column(String(32))
    lease_until: Mapped[datetime]


class GroupTallyRow(Base):
    """A submission's votes from one staff group (up, down), whatever the group: what
    ``sort=bridging`` ranks by (server/bridging.py). Kept by database triggers
    (migration 0012) in the transaction of every change to votes or to a person's group,
    so it is exact however the votes were written."""

    __tablename__ = "group_tallies"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    staff_group: Mapped[str] = mapped_column(String(100), primary_key=True)
    up: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)
