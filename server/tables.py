"""The database schema (SQLAlchemy 2 declarative). Migrations live in ``migrations/``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    ARRAY,
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are UTC and timezone-aware on the way in and out, on every database.

    SQLite has no timezone type, so values are stored as naive UTC there.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased: email addresses are unique regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="participant")
    organisation: Mapped[str | None] = mapped_column(String(200))
    staff_group: Mapped[str | None] = mapped_column(String(100))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PendingRegistrationRow(Base):
    """A registration waiting for the code mailed to its address (registration=email)."""

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # SHA-256 of the ticket the registering client was given: a code only completes
    # the registration that chose the password (not a later one by someone else).
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of ticket and code; for an address that already has an account, of a
    # code nobody is sent.
    code_hash: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class SessionRow(Base):
    __tablename__ = "sessions"

    # SHA-256 of the token: a stolen database does not yield usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ChallengeRow(Base):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(140))
    summary: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    moderation: Mapped[str] = mapped_column(String(8), default="post")
    anonymous_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhaseRow(Base):
    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    submissions: Mapped[bool] = mapped_column(Boolean, default=False)
    comments: Mapped[bool] = mapped_column(Boolean, default=False)
    votes: Mapped[bool] = mapped_column(Boolean, default=False)
    show_counts: Mapped[bool] = mapped_column(Boolean, default=True)
    vote_budget: Mapped[int | None] = mapped_column(Integer)
    # The develop stage (guide entries edited, pledged to). A server default too, for
    # loaders that name their columns (seed scale).
    develop: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    pairwise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PromptRow(Base):
    __tablename__ = "prompts"
    __table_args__ = (UniqueConstraint("challenge_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class SubmissionRow(Base):
    __tablename__ = "submissions"
    # Every list the API serves is one range scan of one of these indexes:
    # (challenge, status[, kind], sort key, id) read backwards.
    __table_args__ = (
        Index("ix_submissions_top", "challenge_id", "status", "score", "id"),
        Index("ix_submissions_top_kind", "challenge_id", "status", "kind", "score", "id"),
        Index("ix_submissions_new", "challenge_id", "status", "id"),
        Index("ix_submissions_new_kind", "challenge_id", "status", "kind", "id"),
        Index("ix_submissions_discussed", "challenge_id", "status", "comments", "id"),
        Index("ix_submissions_discussed_kind",
              "challenge_id", "status", "kind", "comments", "id"),
        Index("ix_submissions_pairwise", "challenge_id", "status", "pairwise_score", "id"),
        Index("ix_submissions_pairwise_kind",
              "challenge_id", "status", "kind", "pairwise_score", "id"),
        # The moderation queue: pending items, oldest first.
        Index("ix_submissions_queue", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(140))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    up: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    # Lower bound of the Wilson score interval of up / (up + down), kept in step
    # with the counters in the same transaction.
    score: Mapped[float] = mapped_column(Float, default=0.0)
    # Pairwise comparisons won and lost and ``client.ranking.pairwise_score`` of them,
    # kept in step in the comparison's transaction (server defaults: bulk loaders).
    wins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    losses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pairwise_score: Mapped[float] = mapped_column(Float, default=0.5, server_default="0.5")
    # A moderator's lock_comments: the thread takes no new comments. A server default
    # only: bulk loaders that name their columns (seed scale) leave it out.
    comments_locked: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubmissionThemeRow(Base):
    __tablename__ = "submission_themes"
    __table_args__ = (Index("ix_submission_themes_theme", "theme", "submission_id"),)

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(60), primary_key=True)


class CommentRow(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_thread", "submission_id", "status", "id"),
                      Index("ix_comments_queue", "status", "created_at", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    # By the anonymous author of the submission it was written on: their name and id
    # go to moderators only. Kept on the comment, so it stays so when a merge moves it.
    # A server default only, as comments_locked: the seed's bulk loader names its columns.
    anonymous: Mapped[bool] = mapped_column(Boolean, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class VoteRow(Base):
    __tablename__ = "votes"
    # One vote per person per submission, whatever the application does.
    __table_args__ = (UniqueConstraint("user_id", "submission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlagRow(Base):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("reporter_id", "target_type", "target_id"),
        Index("ix_flags_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    # SHA-256 of method, path and body: the same key with another request is a 409.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DraftRow(Base):
    """A person's draft, kept for the client under a key it chose (/me/drafts). The
    value is the client's JSON, serialised compactly; ``version`` counts its writes."""

    __tablename__ = "drafts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ParticipantRow(Base):
    """Who took part in a challenge (submitted, commented or voted), for cheap counts."""

    __tablename__ = "participants"

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    first_at: Mapped[datetime] = mapped_column(default=utcnow)


class RateLimitRow(Base):
    """One key's recent events for a shared limit (``server.shared_limits``, PostgreSQL):
    the newest ``limit`` times within the window, as seconds since the epoch. The key is
    a digest (no address or email is stored); the row goes once ``expires_at`` passed."""

    __tablename__ = "rate_limits"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    events: Mapped[list[float]] = mapped_column(
        ARRAY(Float()).with_variant(JSON(), "sqlite"))
    admitted: Mapped[bool] = mapped_column(Boolean)
    expires_at: Mapped[float] = mapped_column(Float(), index=True)


class ModerationActionRow(Base):
    """One moderator decision (on one or many targets): the audit log, and how to undo it."""

    __tablename__ = "moderation_actions"
    __table_args__ = (Index("ix_moderation_actions_moderator", "moderator_id", "id"),
                      Index("ix_moderation_actions_action", "action", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    merge_into: Mapped[int | None] = mapped_column(Integer)
    # What undo needs: the states before, resolved flags, moved and dropped votes...
    undo: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ModerationTargetRow(Base):
    """What an action touched: its targets, a merge's destination, a blocked author."""

    __tablename__ = "moderation_targets"
    __table_args__ = (
        Index("ix_moderation_targets_item", "target_type", "target_id", "action_id"),
        Index("ix_moderation_targets_challenge", "challenge_id", "action_id"),
    )

    action_id: Mapped[int] = mapped_column(
        ForeignKey("moderation_actions.id", ondelete="CASCADE"), primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16), primary_key=True)  # or "user"
    target_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(8))  # "target" | "into" | "author"
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"))


# The develop stage's tables live in their own module; importing it here registers
# them on Base.metadata for everything that uses the schema.
from server import guide_tables as guide_tables  # noqa: E402
from server import live_tables as live_tables  # noqa: E402
from server import trust_tables as trust_tables  # noqa: E402
