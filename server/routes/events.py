"""Live updates (``GET /events``, Server-Sent Events) and a person's notifications."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select, update

from client.event_models import (
    EVENT_NAMES,
    NotificationPage,
    NotificationsRead,
    ReadResult,
)
from server import cursors, live_notify
from server.deps import CurrentUser, ReadDB, Svc, bearer
from server.idempotency import Idem
from server.live_hub import Hub, Subscriber
from server.live_tables import NotificationRow
from server.live_view import Viewer
from server.problems import ProblemError
from server.security import hash_token

router = APIRouter(tags=["live"])

_STREAM_DOC: dict[int | str, dict[str, Any]] = {200: {
    "description": "A text/event-stream: events named " + ", ".join(EVENT_NAMES)
                   + ", each with id, event and JSON data (client/event_models.py)",
    "content": {"text/event-stream": {"schema": {"type": "string"}}}}}


async def _frames(hub: Hub, sub: Subscriber, start: int | None,
                  heartbeat: float) -> AsyncIterator[bytes]:
    try:
        if start is not None:  # where a reconnect resumes, before any event came
            yield f"retry: 2000\nid: {start}\n\n".encode()
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), heartbeat)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if item is None:
                if sub.end_frame is not None:
                    yield sub.end_frame
                return
            yield item
    finally:
        hub.unsubscribe(sub)


@router.get("/events", response_class=StreamingResponse, responses=_STREAM_DOC)
async def events(
    request: Request, user: CurrentUser, services: Svc,
    challenge: Annotated[str | None, Query(max_length=64,
                                           description="only this challenge's events")] = None,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0,
                                                le=2**53)] = None,
) -> StreamingResponse:
    """What this person may see as it happens: submissions created, edited or changing
    status, counts (coalesced, and not while the phase hides them from you), comments,
    phase changes, the moderation queue (moderators) and your notifications (whatever
    ``challenge`` says). ``Last-Event-ID`` resumes: what was missed, or a ``reset`` when
    it is too old to replay. A comment every ``events_heartbeat_seconds`` keeps it open;
    it ends when the token is revoked, and with a ``reset`` when the reader falls behind."""
    hub: Hub = services.live
    limit = services.settings.events_streams_per_user
    if hub.streams_of(user.id) >= limit:
        raise ProblemError(429, f"At most {limit} live streams at once per person; close "
                                "one first.", headers={"Retry-After": "5"})
    challenge_id = None
    if challenge is not None:
        async with services.db.read() as session:
            challenge_id = (await services.challenges.by_slug(session, challenge)).challenge.id
    credentials = await bearer(request)
    assert credentials is not None  # current_user guarantees a token
    sub, start = await hub.subscribe(Viewer(user.id, user.role),
                                     hash_token(credentials.credentials), challenge_id,
                                     last_event_id)
    return StreamingResponse(
        _frames(hub, sub, start if last_event_id is None else None,
                services.settings.events_heartbeat_seconds),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def _unread(session: ReadDB, user_id: int) -> int:
    return int((await session.execute(select(func.count()).select_from(NotificationRow).where(
        NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None)))).scalar_one())


@router.get("/me/notifications")
async def notifications(
    user: CurrentUser, session: ReadDB,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    unread_only: Annotated[bool, Query(alias="unread")] = False,
) -> NotificationPage:
    """Your notifications, newest first, with how many are unread."""
    tag = cursors.query_tag("notifications", user.id, unread_only)
    query = select(NotificationRow).where(NotificationRow.user_id == user.id)
    if unread_only:
        query = query.where(NotificationRow.read_at.is_(None))
    if cursor:
        (last,) = cursors.decode(cursor, tag, (int,))
        query = query.where(NotificationRow.id < last)
    rows = list((await session.execute(
        query.order_by(NotificationRow.id.desc()).limit(limit + 1))).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return NotificationPage(
        items=[await live_notify.rendered(session, r) for r in rows],
        next_cursor=cursors.encode(tag, [rows[-1].id]) if more else None,
        unread=await _unread(session, user.id))


@router.post("/me/notifications/read", response_model=ReadResult)
async def read_notifications(body: NotificationsRead, user: CurrentUser, services: Svc,
                             idem: Idem) -> ReadResult | Response:
    """Mark yours up to and including ``up_to`` read; how many stay unread."""
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        await session.execute(update(NotificationRow).where(
            NotificationRow.user_id == user.id, NotificationRow.id <= body.up_to,
            NotificationRow.read_at.is_(None)).values(read_at=services.now()))
        result = ReadResult(unread=await _unread(session, user.id))
        idem.remember(200, result)
        await session.commit()
    return result
