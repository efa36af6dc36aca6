"""The gateway bench's baseline for bytes per key: a stock Textual OptionList of the
same options the app's challenge list shows (``BARE_OPTIONS``: JSON, a list of
two-line prompts), ``j``/``k`` moving its highlight as the app's keys do.

``python -m bench.gateway_bare`` in a pseudo-terminal; nothing of the app is imported.
"""

from __future__ import annotations

import json
import os
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.widgets import Footer, OptionList


class Bare(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [("j", "down", "Down"), ("k", "up", "Up"),
                                             ("q", "quit", "Quit")]

    def __init__(self, options: list[str]) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        yield OptionList(*(Content(option) for option in self.options))  # not markup
        yield Footer()

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()


if __name__ == "__main__":
    Bare(json.loads(os.environ.get("BARE_OPTIONS", '["One", "Two"]'))).run()
