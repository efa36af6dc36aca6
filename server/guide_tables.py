"""The develop stage's schema: guide entries, their kept versions, contributors,
sources, pledges, comments, and each challenge's guide publication.

Registered on ``server.tables.Base`` (imported at the end of that module), so the
migrations, the tests' reset and every query see one metadata.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.tables import Base, utcnow


class GuideEntryRow(Base):
    """A solution being developed. ``version`` counts the accepted edits: an edit names
    the version it started from and is refused when that is no longer the current one."""

    __tablename__ = "guide_entries"
    __table_args__ = (
        Index("ix_guide_entries_order", "challenge_id", "position", "id"),
        # Held and hidden entries, for the moderation queue.
        Index("ix_guide_entries_queue", "mod_status", "held_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    # The submission it was shortlisted from (its first source).
    submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(140))
    theme: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    review_on: Mapped[date | None] = mapped_column(Date)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Moderation, apart from the development status: "published", "pending" (held for
    # suspected personal data) or "hidden" (reports or a moderator).
    mod_status: Mapped[str] = mapped_column(String(16), default="published")
    mod_reason: Mapped[str | None] = mapped_column(Text)
    # When it was last held or hidden: its place in the moderation queue.
    held_at: Mapped[datetime | None]
    # A facilitator's removal: soft, so that undo brings it back whole.
    removed_at: Mapped[datetime | None]
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuideVersionRow(Base):
    """Every accepted edit of an entry, kept; the unique (entry, version) pair is the
    backstop against two edits taking the same number."""

    __tablename__ = "guide_entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("guide_entries.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(140))
    theme: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(16))
    review_on: Mapped[date | None] = mapped_column(Date)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    restored_from: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuideContributorRow(Base):
    __tablename__ = "guide_contributors"
    __table_args__ = (Index("ix_guide_contributors_user", "user_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("guide_entries.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuideSourceRow(Base):
    """A submission an entry draws on, said explicitly: ``origin`` is "shortlisted" (the
    submission it was made from), "merged" (a duplicate merged into that one) or "added"
    (by a facilitator). Citations (``#123`` in the text) are read from the text."""

    __tablename__ = "guide_sources"
    __table_args__ = (Index("ix_guide_sources_submission", "submission_id", "entry_id"),)

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("guide_entries.id", ondelete="CASCADE"), primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuidePledgeRow(Base):
    """Someone will test the solution; one per person and entry."""

    __tablename__ = "guide_pledges"
    __table_args__ = (UniqueConstraint("entry_id", "user_id"),
                      Index("ix_guide_pledges_user", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("guide_entries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuideCommentRow(Base):
    """A comment on an entry: moderated as comments on submissions are."""

    __tablename__ = "guide_comments"
    __table_args__ = (Index("ix_guide_comments_thread", "entry_id", "status", "id"),
                      Index("ix_guide_comments_queue", "status", "created_at", "id"),
                      Index("ix_guide_comments_author", "author_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("guide_entries.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuidePublicationRow(Base):
    """Whether a challenge's guide is public (no row: not published)."""

    __tablename__ = "guide_publications"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime | None]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
