"""Live updates (``GET /api/v1/events``) and notifications: one payload model per event.

Every event on the stream has an ``id`` (where to resume from: everything up to it has
been sent), a name and a JSON ``data`` that is one of the models below, as the
subscriber may see it: an anonymous author stays anonymous, counts are absent while
the phase hides them from this person, a submission someone may no longer see arrives
without its text (``submission`` is None). Delivery is at least once: an event may come
again after a reconnect, so apply them by the ids they carry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from client.models import (
    Comment,
    Phase,
    QueueItem,
    Request,
    Response,
    Submission,
    SubmissionStatus,
    TargetType,
    UserPublic,
)

EventName = Literal["submission.created", "submission.updated", "submission.counts",
                    "comment.created", "phase.changed", "queue.changed", "notification",
                    "reset"]
EVENT_NAMES: tuple[EventName, ...] = (
    "submission.created", "submission.updated", "submission.counts", "comment.created",
    "phase.changed", "queue.changed", "notification", "reset")


class SubmissionEvent(Response):
    """``submission.created`` / ``submission.updated``: new, edited, or its status changed
    (a moderator's decision, a merge, withdrawn). ``submission`` is None when this person
    may not see it any more (hidden, merged, withdrawn...): drop it from the lists.
    ``my_vote`` in it is always None (the stream does not know it): keep your own."""

    challenge: str
    id: int
    status: SubmissionStatus
    submission: Submission | None = None


class CountsItem(Response):
    """A submission's counters now; the votes (``up``/``down``/``score``) and the
    pairwise comparisons (``wins``/``losses``/``pairwise_score``) absent while hidden."""

    id: int
    up: int | None = None
    down: int | None = None
    score: float | None = None
    wins: int | None = None
    losses: int | None = None
    pairwise_score: float | None = None
    comments: int


class CountsEvent(Response):
    """``submission.counts``: votes and comment counts changed (at most one a second per
    challenge, the latest counters of each submission that changed)."""

    challenge: str
    items: list[CountsItem]


class CommentEvent(Response):
    """``comment.created``: a comment became visible to this person (new, or approved)."""

    challenge: str
    submission_id: int
    comment: Comment


class PhaseEvent(Response):
    """``phase.changed``: the challenge's phases were edited."""

    challenge: str
    phases: list[Phase]
    current_phase: Phase | None = None


class QueueRemoval(Response):
    """An item that left the moderation queue, with the decision that took it out."""

    type: TargetType
    id: int
    status: str
    action: str
    by: UserPublic | None = None


class QueueEvent(Response):
    """``queue.changed`` (moderators): items that came into the queue (new, or with new
    reports: replace by ``type`` and ``id``) and items another decision took out."""

    challenge: str
    added: list[QueueItem] = Field(default_factory=list)
    removed: list[QueueRemoval] = Field(default_factory=list)


NotificationKind = Literal["comment", "reply", "approved", "rejected", "merged", "hidden",
                           "supported_merged", "shortlisted"]


class Notification(Response):
    """Something that happened to your posts or to what you support.

    ``comment``/``reply``: someone commented on your submission / replied to your comment
    (``actor`` None when they wrote anonymously); ``approved``, ``rejected`` (``reason``),
    ``merged`` (into ``into``), ``hidden``: a moderator's decision on your post;
    ``supported_merged`` / ``shortlisted``: something you support was merged / shortlisted
    into the guide. Moderators are not named."""

    id: int
    kind: NotificationKind
    challenge: str
    submission_id: int
    submission_title: str
    comment_id: int | None = None
    into: int | None = None
    reason: str | None = None
    actor: UserPublic | None = None
    read: bool = False
    created_at: datetime


class NotificationPage(Response):
    items: list[Notification]
    next_cursor: str | None = None
    unread: int


class NotificationsRead(Request):
    """Mark your notifications up to and including ``up_to`` read."""

    up_to: Annotated[int, Field(ge=0, le=2**31 - 1)]  # a notification id


class ReadResult(Response):
    unread: int


class ResetEvent(Response):
    """``reset``: what was missed cannot be replayed (too old, or this stream fell behind):
    reload what you show, then carry on from this event's id."""

    reason: Literal["too_old", "slow_consumer", "unknown_id"]


EventData = (SubmissionEvent | CountsEvent | CommentEvent | PhaseEvent | QueueEvent
             | Notification | ResetEvent)

MODELS: dict[EventName, type[Response]] = {
    "submission.created": SubmissionEvent,
    "submission.updated": SubmissionEvent,
    "submission.counts": CountsEvent,
    "comment.created": CommentEvent,
    "phase.changed": PhaseEvent,
    "queue.changed": QueueEvent,
    "notification": Notification,
    "reset": ResetEvent,
}


class LiveEvent(Response):
    """One event as the client iterator yields it."""

    id: int
    name: EventName
    data: EventData


def parse_event(ident: int, name: EventName, data: str) -> LiveEvent:
    """``data`` (JSON) as the model of ``name``; pydantic's ValidationError if it is not."""
    model = MODELS[name]
    return LiveEvent(id=ident, name=name, data=model.model_validate_json(data))


def known_name(name: str) -> EventName | None:
    """``name`` if it is an event this client knows (a newer server may send others)."""
    for known in EVENT_NAMES:
        if known == name:
            return known
    return None
