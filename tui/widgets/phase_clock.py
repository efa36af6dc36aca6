"""Keeps the challenge on screen in step with its phases while the app stays open.

When the clock passes a phase's start or end, the status bar's countdown moves on to
the phase open now (or the next, or says the last ended) at once, and the challenge is
asked for again: an admin may have changed the phases meanwhile. It is asked for every
few minutes too, and on ``r``; an admin's change heard live is taken as it comes. The
challenge is updated in place, so every screen that shares it (a submission opened
from the list) offers what the new phase allows.

Not drawn. The timing is ``tui.phases.next_look``; the clock is ``tui.clock``, so tests
move it instead of waiting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.message import Message
from textual.widget import Widget

from client.errors import ChallengeError
from tui import clock, phases

if TYPE_CHECKING:
    from client.models import Challenge, Phase
    from tui.app import ChallengeApp

Fetch = Callable[[], Awaitable["Challenge"]]


class PhaseClock(Widget):
    DEFAULT_CSS = "PhaseClock { display: none; }"
    TICK = 1.0  # seconds between looks at the clock (a comparison; nothing is sent)

    class Changed(Message):
        """The challenge was asked for again; ``moved``: the phase open now is another,
        or allows other things, than when it was last said."""

        def __init__(self, moved: bool) -> None:
            super().__init__()
            self.moved = moved

    def __init__(self, fetch: Fetch) -> None:
        super().__init__()
        self.fetch = fetch
        self.challenge: Challenge | None = None
        self.next_look: datetime | None = None
        self.open_was: dict[str, Any] | None = None  # the phase open when last said

    def on_mount(self) -> None:
        self.set_interval(self.TICK, self.tick)

    def track(self, challenge: Challenge) -> None:
        """The challenge as just fetched: shown, and looked at again when it changes."""
        self.challenge = challenge
        self.next_look = phases.next_look(challenge, clock.now())
        self.open_was = self.open_now()
        self.show()

    def open_now(self) -> dict[str, Any] | None:
        phase = phases.current(self.challenge, clock.now()) if self.challenge else None
        return phase.model_dump() if phase is not None else None

    def tick(self) -> None:
        if self.next_look is not None and clock.now() >= self.next_look:
            self.look()

    def look(self) -> None:
        """Now: the phase the clock says (no waiting for the server), then ask it."""
        if self.challenge is None:
            return
        self.next_look = clock.now() + phases.RETRY  # one question at a time
        self.show()
        self.ask()

    @work(exclusive=True, group="phase-clock", exit_on_error=False)
    async def ask(self) -> None:
        try:
            fresh = await self.fetch()
        except ChallengeError:
            return  # the server is away: asked again at ``next_look``
        if self.challenge is None:
            return
        adopt(self.challenge, fresh)
        moved = self.open_now() != self.open_was
        self.track(self.challenge)
        self.post_message(self.Changed(moved))

    def phases_changed(self, fresh: list[Phase], current: Phase | None) -> None:
        """The phases as an admin just changed them (a live ``phase.changed``): the
        countdown moves on now, without asking."""
        if self.challenge is None:
            return
        self.challenge.phases, self.challenge.current_phase = fresh, current
        moved = self.open_now() != self.open_was
        self.track(self.challenge)
        self.post_message(self.Changed(moved))

    def show(self) -> None:
        """The status bar's phase, and every open screen's keys, as of now."""
        if self.challenge is None:
            return
        cast("ChallengeApp", self.app).show_phase(phases.shown(self.challenge, clock.now()))
        for screen in self.app.screen_stack:
            screen.refresh_bindings()


def adopt(challenge: Challenge, fresh: Challenge) -> None:
    """``fresh``'s fields on ``challenge``: the object the screens share stays the one."""
    for name in type(fresh).model_fields:
        setattr(challenge, name, getattr(fresh, name))
