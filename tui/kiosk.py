"""Kiosk mode: the app as the ssh gateway serves it to anyone (``tui.gateway.session``).

One server, fixed; sign-in kept in memory; drafts in memory (``tui.memory_stores``)
and on the server once signed in (``tui.syncing``);
nothing saved, exported or opened outside the app; no suspending; an idle session
ends, with a notice a minute before. Quitting ends the app, and with it the session; a
dropped connection (SIGHUP) ends it too, once what was typed is sent to the server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import SuspendNotSupported, SystemCommand
from textual.filter import LineFilter, NoColor
from textual.screen import Screen

from client.config import ClientConfig
from tui.app import ChallengeApp
from tui.memory_stores import MemoryDraftStore, MemoryEntryDraftStore
from tui.sync_state import MemoryStates

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tui.drafts import DraftStore
    from tui.entry_drafts import EntryDraftStore
    from tui.sync_state import States

REFUSED = "Not on the shared gateway: nothing is saved, opened or exported from here."
# What keeps a session alive: a person's keys, clicks, scrolls and pastes (not the
# mouse merely passing over the window).
ACTIVITY = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp,
            events.Paste)
NO_COLOR = NoColor()
# After a dropped connection: the process ends at the latest this many seconds later,
# whatever is pending (the last flush takes ``tui.syncing.LAST_FLUSH`` at most).
HUNG_UP_LIMIT = 8
HUNG_UP_STATUS = 128 + signal.SIGHUP  # what a shell says of a process ended by SIGHUP


def kiosk_config(server: str, ca_bundle: Path | None = None) -> ClientConfig:
    """The config, built here rather than read: no file, no ``CHALLENGE_*`` variables,
    the token in memory only, no keys or theme of anyone's."""
    return ClientConfig(server=server.rstrip("/"), token=None,
                        token_store="memory",  # noqa: S106 (a store's name)
                        ca_bundle=ca_bundle)


class IdleWatch:
    """When to warn and when to end, from the last activity; ``clock`` is monotonic."""

    def __init__(self, limit: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.warn_after = max(limit - 60.0, limit / 2)  # a minute before (or half-way)
        self.clock = clock
        self.last = clock()
        self.warned = False

    def touch(self) -> None:
        self.last = self.clock()
        self.warned = False

    def due(self) -> str | None:
        """'end', 'warn' (once per idle spell) or None."""
        idle = self.clock() - self.last
        if idle >= self.limit:
            return "end"
        if idle >= self.warn_after and not self.warned:
            self.warned = True
            return "warn"
        return None

    @property
    def step(self) -> float:
        """How often to look: often enough to be on time to a second or so."""
        return max(0.25, min(5.0, self.limit / 20))


class KioskApp(ChallengeApp):
    kiosk = True

    def __init__(self, config: ClientConfig, *, idle_seconds: float = 30 * 60,
                 clock: Callable[[], float] = time.monotonic, hang_up: bool = False,
                 **options: Any) -> None:
        """``hang_up``: end on SIGHUP (the gateway's sessions; not tests in one process)."""
        super().__init__(config, **options)
        self.idle = IdleWatch(idle_seconds, clock)
        self.memory_states = MemoryStates()
        self.hang_up = hang_up
        self.hanging_up: asyncio.Task[None] | None = None
        self.end_process: Callable[[int], object] = os._exit

    # --- drafts: memory and the server, nothing on disk ----------------------------------

    where_kept = "in this session"

    def local_stores(self) -> tuple[DraftStore, EntryDraftStore]:
        """Memory that ends with the session or the sign-out; a signed-in person's drafts
        are on the server as well (``tui.syncing``), back at their next sign-in."""
        return MemoryDraftStore(), MemoryEntryDraftStore()

    def sync_states(self, server: str) -> States:
        return self.memory_states

    def forget_drafts(self) -> None:
        """Signed out: nothing of this person's is left for the next at the gateway."""
        for store in self.stores():
            if isinstance(store, MemoryDraftStore | MemoryEntryDraftStore):
                store.clear()
        self.memory_states.clear()

    # --- colours ----------------------------------------------------------------------

    def get_line_filters(self) -> Sequence[LineFilter]:
        """No colour at all where ``TERM`` says the terminal has none (dumb, unknown).

        Textual takes 256 colours from ``*-256color`` and 16 from xterm, screen or
        linux (through Rich), and greys from ``NO_COLOR``; but with no colour system it
        falls back to drawing colours anyway."""
        filters = super().get_line_filters()
        if self.console.color_system is None:
            return [*filters, NO_COLOR]
        return filters

    # --- idle sessions end --------------------------------------------------------------

    def on_mount(self) -> None:  # Textual runs ChallengeApp's on_mount as well
        self.set_interval(self.idle.step, self.idle_tick, name="kiosk idle")
        if self.hang_up:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hung_up)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, ACTIVITY):
            self.idle.touch()
        await super().on_event(event)

    def idle_tick(self) -> None:
        due = self.idle.due()
        if due == "warn":
            left = self.idle.limit - self.idle.warn_after
            self.notify(f"Nothing typed for a while: this session ends in {left:.0f} seconds "
                        "unless you press a key.", title="Still there?",
                        severity="warning", timeout=left, markup=False)
        elif due == "end":
            minutes = self.idle.limit / 60
            said = (f"{minutes:.0f} minutes" if minutes >= 1 else
                    f"{self.idle.limit:.0f} seconds")
            self.exit(message=f"The session ended after {said} without a key pressed.")

    # --- a dropped connection --------------------------------------------------------

    def hung_up(self) -> None:
        """sshd closed the terminal: nobody sees this screen any more. What was typed
        since the last save is saved, what is pending sent to the server (a few seconds
        at most), and the process ends, without a last frame: the terminal is gone, a
        write to it fails (Textual's writer would stop, then the app wait on it), and
        reads find nothing. An alarm ends the process if anything holds it up. Once:
        the shell sshd started ends of the same hang-up, and the kernel says it again."""
        if self.hanging_up is not None:
            return
        signal.alarm(HUNG_UP_LIMIT)  # SIGALRM's default action ends the process
        for screen in self.screen_stack:
            save = getattr(screen, "save_if_dirty", None)  # the editors' (compose, entry)
            if callable(save):
                with suppress(Exception):
                    save()
        self.hanging_up = asyncio.get_running_loop().create_task(self.send_then_end())

    async def send_then_end(self) -> None:
        with suppress(Exception):
            await self.stop_draft_sync()
        self.end_process(HUNG_UP_STATUS)

    # --- nothing leaves the app ---------------------------------------------------------

    def refuse(self) -> None:
        self.notify(REFUSED, title="Not here", severity="warning", markup=False)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette, without the screenshot (it saves a file)."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.refuse()

    def save_screenshot(self, filename: str | None = None, path: str | None = None,
                        time_format: str | None = None) -> str:
        raise PermissionError(REFUSED)

    def deliver_text(self, *args: Any, **kwargs: Any) -> str | None:
        self.refuse()
        return None

    def deliver_binary(self, *args: Any, **kwargs: Any) -> str | None:
        self.refuse()
        return None

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """The browser would be the gateway's, not the person's: never opened."""
        self.refuse()

    def action_suspend_process(self) -> None:
        """No ctrl+z: a stopped app would leave the person at nothing, or at a shell."""

    @contextmanager
    def suspend(self) -> Iterator[None]:
        """No editor, pager or other program run in the app's place."""
        raise SuspendNotSupported("Nothing runs in the app's place on the gateway.")
        yield  # pragma: no cover (a generator, for contextmanager)
