"""The top line: server, who is signed in, the phase countdown, where the token is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from textual.content import Content
from textual.widgets import Static

from tui import clock
from tui.text import plain, time_left


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

    def render(self, now: datetime, width: int | None = None) -> Content:
        # Most useful first: a narrow terminal cuts the end of the line.
        parts: list[Content] = []
        if self.phase is not None:
            parts.append(Content(f"{plain(self.phase.name)}: "
                                 f"{time_left(self.phase.ends_at, now)}"))
        if self.user is not None:
            role = "" if self.user.role == "participant" else f" ({self.user.role})"
            parts.append(Content(f"{plain(self.user.display_name)}{role}"))
        else:
            parts.append(Content("signed out"))
        if self.store:  # the kind of store; why it fell back is in the sign-in notice
            parts.append(Content(f"token: {self.store}"))
        server = plain(self.server).removeprefix("https://").removeprefix("http://")
        parts.append(Content(server or "not connected"))
        line = Content(" │ ").join(parts)
        while width is not None and line.cell_length > width and len(parts) > 1:
            parts.pop()  # a whole part goes rather than half of one and a dangling bar
            line = Content(" │ ").join(parts)
        return line


class StatusBar(Static):
    """Shows the app's ``status_info``; every screen has one."""

    DEFAULT_CSS = """
    StatusBar { dock: top; height: 1; background: $panel; color: $text-muted;
                padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.set_interval(30, self.refresh_text)  # the countdown moves on its own
        self.refresh_text()

    def refresh_text(self) -> None:
        info: StatusInfo | None = getattr(self.app, "status_info", None)
        if info is not None:
            self.update(info.render(clock.now(), self.content_size.width or None))

    def on_resize(self) -> None:
        self.refresh_text()
