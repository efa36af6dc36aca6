"""The app's live updates: one subscription to the server's event stream per sign-in,
opened once the first screen is up (never on the start-up path), closed at sign-out
and exit. Each event goes to every open screen as a ``LiveUpdate`` message; a screen
applies what concerns it (the rules for lists are ``tui.live_list``'s). The status
bar says whether the app is live, and how many notifications are unread.

The subscription is an asyncio task, not a Textual worker: it runs for the whole
sign-in, and a worker that never completes would hold whatever waits for the app's
workers to finish. The client's iterator reconnects by itself (with backoff, resuming
with ``Last-Event-ID``); whether it is connected is looked at once a second.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from textual.message import Message

from client.errors import ChallengeError
from tui.syncing import DraftSyncing

if TYPE_CHECKING:
    import httpx
    from textual.timer import Timer

    from client.event_models import LiveEvent
    from client.events_api import EventStream
    from tui.session import Session
    from tui.widgets.status_bar import StatusInfo

LOOK_EVERY = 1.0  # seconds between looks at whether the stream is connected


class LiveUpdate(Message, bubble=False):
    """An event from the server's stream, posted to each open screen."""

    def __init__(self, event: LiveEvent) -> None:
        super().__init__()
        self.event = event


def streams(transport: httpx.AsyncBaseTransport | None) -> bool:
    """Whether responses can stream through ``transport``: httpx's in-process
    ``ASGITransport`` (tests) answers only once a body is complete, which an endless
    stream never is."""
    if transport is None:
        return True
    import httpx

    return not isinstance(transport, httpx.ASGITransport)


class LiveUpdates(DraftSyncing):
    live_backoff_cap = 30.0  # seconds, at most, between tries to connect again
    # False: no subscription (tests of what happens before an event arrives, e.g. a
    # decision racing another moderator's, or the periodic look at the phases).
    live_wanted = True
    session: Session | None
    transport: httpx.AsyncBaseTransport | None
    status_info: StatusInfo

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live_task: asyncio.Task[None] | None = None
        self.live_stream: EventStream | None = None
        self.live_timer: Timer | None = None
        self.unread = 0

    def update_status(self, **changes: Any) -> None:
        raise NotImplementedError  # the app's

    # --- signed in, signed out ----------------------------------------------------------

    def start_live(self) -> None:
        """Someone is signed in and the first screen is up: subscribe (once)."""
        session = self.session
        if (self.live_task is not None or not self.live_wanted or session is None
                or session.user is None or not streams(self.transport)):
            return
        self.update_status(live="connecting", unread=0)
        self.live_task = asyncio.create_task(self.run_live(session), name="live updates")
        self.live_timer = self.set_interval(LOOK_EVERY, self.look_live, name="live")

    async def stop_live(self) -> None:
        """Signing out or ending: the stream closed, the status bar says nothing of it."""
        task, stream, timer = self.live_task, self.live_stream, self.live_timer
        self.live_task = self.live_stream = self.live_timer = None
        if timer is not None:
            timer.stop()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if stream is not None:
            with contextlib.suppress(Exception):
                await stream.aclose()
        self.unread = 0
        self.update_status(live=None, unread=0)

    async def on_unmount(self) -> None:
        await self.stop_live()

    # --- the stream -----------------------------------------------------------------------

    async def run_live(self, session: Session) -> None:
        stream = self.live_stream = session.client.live_events(
            backoff_cap=self.live_backoff_cap)
        self.run_worker(self.count_unread(), group="live", exit_on_error=False)
        try:
            async for event in stream:
                if stream is not self.live_stream:
                    return  # signed out meanwhile
                self.look_live()
                self.heard(event)
        except ChallengeError:  # the token refused, or forbidden: retrying will not mend it
            if stream is self.live_stream:
                self.update_status(live="stopped")

    def look_live(self) -> None:
        """Say whether the stream is connected (only when that changed)."""
        stream = self.live_stream
        if stream is None or self.status_info.live == "stopped":
            return
        state = ("live" if stream.live else "offline"
                 if stream.reconnects or self.status_info.live != "connecting" else "connecting")
        if state != self.status_info.live:
            self.update_status(live=state)

    async def count_unread(self) -> None:
        session = self.session
        if session is None:
            return
        with contextlib.suppress(ChallengeError):
            page = await session.client.notifications(limit=1)
            self.set_unread(page.unread)

    def set_unread(self, count: int) -> None:
        self.unread = max(count, 0)
        self.update_status(unread=self.unread)

    def heard(self, event: LiveEvent) -> None:
        """One event: the app's part (notifications), then every screen's."""
        from client.event_models import Notification

        data = event.data
        if event.name == "notification" and isinstance(data, Notification):
            from tui.notices import describe

            if not data.read:
                self.set_unread(self.unread + 1)
            self.notify(describe(data), title="New (i: inbox)", timeout=6, markup=False)
        elif event.name == "reset":
            self.run_worker(self.count_unread(), group="live", exit_on_error=False)
        for screen in self.screen_stack:
            screen.post_message(LiveUpdate(event))
