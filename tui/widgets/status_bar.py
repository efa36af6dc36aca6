"""The top line: server, who is signed in, the phase countdown, whether the app is live
(and the unread notifications), where the token is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from tui import clock
from tui.text import plain, time_left
from tui.widgets.rows import fit

LIVE = {"connecting": "○ connecting", "live": "● live", "offline": "○ offline, retrying",
        "stopped": "○ not live"}


class PhaseShown(Protocol):
    """What the bar shows of a phase: ``client.models.Phase``, or the app's first look."""

    @property
    def name(self) -> str: ...
    @property
    def ends_at(self) -> datetime: ...


class UserShown(Protocol):
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...


@dataclass
class StatusInfo:
    server: str = ""
    user: UserShown | None = None
    phase: PhaseShown | None = None
    store: str = ""  # where the token is kept: environment, keyring, memory or file
    # The live stream (tui.live): None (not subscribed), connecting, live, offline (it
    # retries by itself) or stopped (the server refused it); notifications unread.
    live: str | None = None
    unread: int = 0

    def live_part(self) -> str | None:
        said = LIVE.get(self.live or "")
        if said is None:
            return None
        return f"{said} · {self.unread} unread (i)" if self.unread > 0 else said

    def render(self, now: datetime, width: int | None = None) -> Content:
        """One line: the phase, who, where the token is kept, the server. Too wide, the
        server goes first, then the phase's name and the person's name are cut, then
        the phase: where the sign-in is kept always stays (it is what a shared
        terminal's user most needs to know), and so does whether the app is live."""
        left = time_left(self.phase.ends_at, now) if self.phase is not None else ""
        starts: datetime | None = getattr(self.phase, "starts_at", None)
        if starts is not None and starts > now:  # the next phase, between two
            left = f"opens in {time_left(starts, now).removesuffix(' left')}"
        phase = plain(self.phase.name) if self.phase is not None else None
        if self.user is not None:
            name = plain(self.user.display_name)
            role = "" if self.user.role == "participant" else f" ({self.user.role})"
        else:
            name, role = "signed out", ""
        # The kind of store; why it fell back is in the sign-in notice.
        token = f"token: {self.store}" if self.store else None
        live = self.live_part()
        server = plain(self.server).removeprefix("https://").removeprefix("http://")

        def line(phase_room: int | None, name_room: int | None, with_server: bool,
                 with_role: bool = True) -> str:
            parts = []
            if phase is not None and phase_room != 0:
                shown = phase if phase_room is None else fit(phase, phase_room)
                parts.append(f"{shown}: {left}" if shown else left)
            parts.append((name if name_room is None else fit(name, name_room))
                         + (role if with_role else ""))
            if live:
                parts.append(live)
            if token:
                parts.append(token)
            if with_server:
                parts.append(server or "not connected")
            return " │ ".join(parts)

        full = line(None, None, True)
        if width is None or cell_len(full) <= width:
            return Content(full)
        if cell_len(text := line(None, None, False)) <= width:
            return Content(text)
        # -1: the time left without the phase's name; 0: no phase at all. A name is cut
        # to the room there is, down to six cells.
        room = width - cell_len(line(-1, None, False)) - 2  # 2: the name's ": "
        if room >= 6:
            return Content(line(room, None, False))
        for phase_room in (-1, 0):
            room = width - cell_len(line(phase_room, 0, False))
            if room >= min(6, len(name)):
                return Content(line(phase_room, room, False))
        room = width - cell_len(line(0, 0, False, with_role=False))
        return Content(line(0, max(room, 6), False, with_role=False) if room >= 3
                       else fit(line(0, 6, False, with_role=False), width))


class StatusBar(Static):
    """Shows the app's ``status_info``; every screen has one."""

    DEFAULT_CSS = """
    StatusBar { dock: top; height: 1; background: $panel; color: $text-muted;
                padding: 0 1; }
    """

    shown: str | None = None  # the line drawn last

    def on_mount(self) -> None:
        self.set_interval(30, self.refresh_text)  # the countdown moves on its own
        self.refresh_text()

    def refresh_text(self) -> None:
        """Draw the line again only when its words changed: most 30-second looks find
        the same countdown, and an idle app should send a terminal (over ssh) nothing."""
        info: StatusInfo | None = getattr(self.app, "status_info", None)
        if info is not None:
            line = info.render(clock.now(), self.content_size.width or None)
            if line.plain != self.shown:
                self.shown = line.plain
                self.update(line)

    def on_resize(self) -> None:
        self.refresh_text()
