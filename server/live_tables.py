"""Live updates' schema: the events every instance streams from, and notifications.

Registered on ``server.tables.Base`` (imported at the end of that module), as the
guide's tables are.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.tables import Base, utcnow

# 64-bit on PostgreSQL (every vote is an event); SQLite's rowid is 64-bit already, and
# only a plain INTEGER column is the rowid.
EventId = BigInteger().with_variant(Integer(), "sqlite")


class EventRow(Base):
    """A committed change as the live stream tells it, written in the transaction that
    made the change. Ids only increase, in commit order (server/live_record.py); rows
    older than the retention are purged, and a resume from before them is a ``reset``.

    ``audience``: ``public`` (anyone, the phase deciding counts), ``author`` (the
    ``user_id`` and moderators), ``moderators``, ``user`` (the ``user_id`` alone).
    ``data`` is the JSON as moderators would see it; the stream narrows it per person.
    """

    __tablename__ = "events"
    # never reuse an id, even after a purge
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(EventId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    challenge_id: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NotificationRow(Base):
    """Something that happened to a person's posts or to what they support."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "id"),
                      Index("ix_notifications_unread", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(Integer)
    into_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    # Who did it, when they may be named (not an anonymous author, not a moderator).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
