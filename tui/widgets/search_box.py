"""The challenge's search line: made the first time ``/`` is pressed, then shown and
hidden (disabled while hidden, so tab never lands in it)."""

from __future__ import annotations

from textual.widgets import Input


class SearchBox(Input):
    def __init__(self) -> None:
        super().__init__(placeholder="Search (enter to apply, esc to clear)", id="search")

    @property
    def is_open(self) -> bool:
        return self.has_class("visible")

    def open(self) -> None:
        self.disabled = False
        self.add_class("visible")
        self.focus()

    def hide(self) -> None:
        self.remove_class("visible")
        self.disabled = True
