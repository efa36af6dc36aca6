"""PLACEHOLDER, replaced by its own branch in this session: the navigation contract's
screen, so the guide's screens can be built in parallel against it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from client.guide_models import GuideEntry
from client.models import Challenge
from tui.screens.base import AppScreen


class EntryScreen(AppScreen[GuideEntry]):
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def __init__(self, entry_id: int, challenge: Challenge | None) -> None:
        super().__init__()

    def compose(self) -> ComposeResult:
        yield Static("Not built yet.")
